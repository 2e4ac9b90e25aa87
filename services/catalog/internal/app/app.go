// Package app holds the catalog's use cases: projecting products and price
// lists into read models, among them the offers (a product as one list
// prices it) the edge serves.
package app

import (
	"context"
	"log/slog"

	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/services/catalog/internal/domain"
)

// Repository stores the catalog's read models. Every write is guarded by
// the version of the aggregate it comes from, so replayed and older events
// change nothing, whatever order the two aggregates' events arrive in.
type Repository interface {
	// SaveProduct stores p unless a version >= p.Version is stored.
	SaveProduct(ctx context.Context, p catalog.Product) (applied bool, err error)
	// ProductOnOffers copies p onto every offer of p whose product fields
	// are older than p.Version; it returns how many changed.
	ProductOnOffers(ctx context.Context, p catalog.Product) (int64, error)
	// SavePriceList stores the list's own fields unless a newer version is
	// stored.
	SavePriceList(ctx context.Context, l domain.PriceList) (applied bool, err error)
	// PriceListVersion is the stored version of list id (0 if none).
	PriceListVersion(ctx context.Context, id string) (int64, error)
	// PricesOnOffers writes l's prices onto its offers (creating the
	// missing ones) unless they hold a newer list version, and removes
	// the offers of products l no longer prices; it returns how many
	// offers changed.
	PricesOnOffers(ctx context.Context, l domain.PriceList) (int64, error)
	// Products returns the stored products among ids.
	Products(ctx context.Context, ids []string) ([]catalog.Product, error)
}

// Application is the catalog's set of use cases.
type Application struct {
	Commands Commands
}

// Commands are the catalog's state-changing use cases.
type Commands struct {
	ApplyProduct   ApplyProductHandler
	ApplyPriceList ApplyPriceListHandler
}

// New wires the use cases to the repository.
func New(repo Repository, log *slog.Logger) Application {
	return Application{Commands: Commands{
		ApplyProduct:   ApplyProductHandler{repo: repo, log: log},
		ApplyPriceList: ApplyPriceListHandler{repo: repo, log: log},
	}}
}

// ApplyProductHandler projects one version of a product.
type ApplyProductHandler struct {
	repo Repository
	log  *slog.Logger
}

// Handle stores p and copies it onto the offers of p. Both writes are
// guarded, and the second runs even when the first finds p already
// stored: a redelivery after a crash between them completes the offers.
// applied is false when neither changed anything.
func (h ApplyProductHandler) Handle(ctx context.Context, p catalog.Product) (applied bool, err error) {
	saved, err := h.repo.SaveProduct(ctx, p)
	if err != nil {
		return false, err
	}
	offers, err := h.repo.ProductOnOffers(ctx, p)
	if err != nil {
		return false, err
	}
	if saved || offers > 0 {
		h.log.DebugContext(ctx, "product projected", "product_id", p.ID, "version", p.Version, "offers", offers)
	}
	return saved || offers > 0, nil
}

// ApplyPriceListHandler projects one version of a price list.
type ApplyPriceListHandler struct {
	repo Repository
	log  *slog.Logger
}

// Handle stores the list, writes its prices onto its offers, and then
// copies the current products onto those offers: a product event handled
// by another replica at the same moment may have missed an offer this
// list has just created, and this catches it (a product's copy is guarded
// by its version, so whichever comes last, the newest product wins).
func (h ApplyPriceListHandler) Handle(ctx context.Context, l domain.PriceList) (applied bool, err error) {
	saved, err := h.repo.SavePriceList(ctx, l)
	if err != nil {
		return false, err
	}
	if !saved {
		// A newer version is stored: this one must not touch the offers (it
		// could bring back an item the newer one dropped). The same version
		// again is a redelivery, perhaps after a crash between the two
		// writes: it completes the offers, which changes nothing if done.
		stored, err := h.repo.PriceListVersion(ctx, l.ID)
		if err != nil {
			return false, err
		}
		if stored > l.Version {
			return false, nil
		}
	}
	offers, err := h.repo.PricesOnOffers(ctx, l)
	if err != nil {
		return false, err
	}
	ids, _ := l.ByProduct()
	products, err := h.repo.Products(ctx, ids)
	if err != nil {
		return false, err
	}
	for _, p := range products {
		n, err := h.repo.ProductOnOffers(ctx, p)
		if err != nil {
			return false, err
		}
		offers += n
	}
	if saved || offers > 0 {
		h.log.DebugContext(ctx, "price list projected", "price_list_id", l.ID, "version", l.Version, "items", len(l.Items), "offers", offers)
	}
	return saved || offers > 0, nil
}
