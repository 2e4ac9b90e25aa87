package app

import (
	"context"
	"time"

	"github.com/resellerapi/platform/pkg/pagetoken"
	"github.com/resellerapi/platform/pkg/readmodel/catalog"
)

// PriceLists says which price list a reseller buys at: its own, or its
// nearest ancestor's ("" when none); the reseller tree answers in memory.
type PriceLists interface {
	PriceList(resellerID string) string
}

// ListScope is the price list whose offers a query may read. Only the use
// cases make one, from a caller; the zero ListScope reads nothing.
type ListScope struct{ lists []string }

// PriceListIDs returns the lists of the scope.
func (s ListScope) PriceListIDs() []string { return s.lists }

// A product the caller may resell is an offer of the catalog
// (catalog.Offer): the product as the caller's price list prices it, with
// the prices in effect now (an offer also holds past and future ones).

// ProductSort is a sort order of product lists.
type ProductSort struct {
	Field string // "name", "vendor", "category" or "updatedAt"
	Desc  bool
}

// ProductFilter narrows a product list.
type ProductFilter struct {
	Search        string
	Category      string
	Vendor        string
	BillingType   string
	BillingPeriod string
	UpdatedSince  time.Time
	Sort          ProductSort
}

// ProductReader reads the offers read model within a list scope: only
// active products with a price in effect at now (the offers may hold other
// prices too: the use cases keep those in effect).
type ProductReader interface {
	List(ctx context.Context, scope ListScope, now time.Time, f ProductFilter, page PageRequest) ([]catalog.Offer, int64, error)
	// ListAfter returns up to limit offers that follow after in f's sort
	// (the first ones when after is nil): one find, no count.
	ListAfter(ctx context.Context, scope ListScope, now time.Time, f ProductFilter, after *pagetoken.Position, limit int) ([]catalog.Offer, error)
	// Get returns ErrNotFound unless product id is resellable in scope.
	Get(ctx context.Context, scope ListScope, now time.Time, id string) (catalog.Offer, error)
}

// ListProductsHandler lists the products the caller may resell.
type ListProductsHandler struct {
	products ProductReader
	lists    PriceLists
	now      func() time.Time
}

// Handle returns one page of the caller's resellable products matching f;
// a caller without a price list (none up its tree) may resell nothing.
func (h ListProductsHandler) Handle(ctx context.Context, caller Caller, f ProductFilter, page PageRequest) ([]catalog.Offer, int64, error) {
	scope, ok := h.scope(caller)
	if !ok {
		return nil, 0, nil
	}
	now := h.now()
	offers, total, err := h.products.List(ctx, scope, now, f, page)
	return atPrices(offers, now), total, err
}

// After returns up to limit of the products the caller may resell that
// follow after in f's sort (cursor paging), at its prices.
func (h ListProductsHandler) After(ctx context.Context, caller Caller, f ProductFilter, after *pagetoken.Position, limit int) ([]catalog.Offer, error) {
	scope, ok := h.scope(caller)
	if !ok {
		return nil, nil
	}
	now := h.now()
	offers, err := h.products.ListAfter(ctx, scope, now, f, after, limit)
	return atPrices(offers, now), err
}

// atPrices keeps each offer's prices in effect at now.
func atPrices(offers []catalog.Offer, now time.Time) []catalog.Offer {
	for i := range offers {
		offers[i].Prices = pricesAt(offers[i].Prices, now)
	}
	return offers
}

func (h ListProductsHandler) scope(caller Caller) (ListScope, bool) {
	list := h.lists.PriceList(caller.ResellerID)
	return ListScope{lists: []string{list}}, list != ""
}

// GetProductHandler reads one product the caller may resell.
type GetProductHandler struct{ ListProductsHandler }

// Handle returns product id at the caller's prices, or ErrNotFound.
func (h GetProductHandler) Handle(ctx context.Context, caller Caller, id string) (catalog.Offer, error) {
	scope, ok := h.scope(caller)
	if !ok {
		return catalog.Offer{}, ErrNotFound
	}
	now := h.now()
	offer, err := h.products.Get(ctx, scope, now, id)
	offer.Prices = pricesAt(offer.Prices, now)
	return offer, err
}

// pricesAt keeps the prices in effect at now.
func pricesAt(prices []catalog.OfferPrice, now time.Time) []catalog.OfferPrice {
	var out []catalog.OfferPrice
	for _, p := range prices {
		if (p.EffectiveFrom.IsZero() || !now.Before(p.EffectiveFrom)) && (p.EffectiveTo.IsZero() || now.Before(p.EffectiveTo)) {
			out = append(out, p)
		}
	}
	return out
}
