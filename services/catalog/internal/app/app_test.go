package app

import (
	"context"
	"log/slog"
	"slices"
	"testing"

	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/services/catalog/internal/domain"
)

// fakeRepo records calls; its stored list version and products are set by
// each test.
type fakeRepo struct {
	listVersion  int64
	listSaved    bool
	products     []catalog.Product
	pricesWrites []int64
	productCopy  []string
}

func (f *fakeRepo) SaveProduct(context.Context, catalog.Product) (bool, error) { return true, nil }
func (f *fakeRepo) ProductOnOffers(_ context.Context, p catalog.Product) (int64, error) {
	f.productCopy = append(f.productCopy, p.ID)
	return 1, nil
}
func (f *fakeRepo) SavePriceList(context.Context, domain.PriceList) (bool, error) {
	return f.listSaved, nil
}
func (f *fakeRepo) PriceListVersion(context.Context, string) (int64, error) {
	return f.listVersion, nil
}
func (f *fakeRepo) PricesOnOffers(_ context.Context, l domain.PriceList) (int64, error) {
	f.pricesWrites = append(f.pricesWrites, l.Version)
	return 1, nil
}
func (f *fakeRepo) Products(_ context.Context, ids []string) ([]catalog.Product, error) {
	var out []catalog.Product
	for _, p := range f.products {
		if slices.Contains(ids, p.ID) {
			out = append(out, p)
		}
	}
	return out, nil
}

func list(version int64) domain.PriceList {
	return domain.PriceList{ID: "pl", Version: version, Items: []domain.PriceItem{{ProductID: "a"}, {ProductID: "b"}, {ProductID: "a"}}}
}

func TestApplyPriceList(t *testing.T) {
	ctx := context.Background()
	// A new version: prices written, then the stored products of its items
	// copied onto its offers (catching a product event that raced it).
	repo := &fakeRepo{listSaved: true, products: []catalog.Product{{ID: "a", Version: 3}, {ID: "z", Version: 1}}}
	h := New(repo, slog.New(slog.DiscardHandler)).Commands.ApplyPriceList
	if applied, err := h.Handle(ctx, list(2)); err != nil || !applied {
		t.Fatalf("new version: %v, %v", applied, err)
	}
	if !slices.Equal(repo.pricesWrites, []int64{2}) || !slices.Equal(repo.productCopy, []string{"a"}) {
		t.Errorf("prices written for %v, products copied %v; want [2] and [a]", repo.pricesWrites, repo.productCopy)
	}
	// An older version than stored touches no offer.
	repo = &fakeRepo{listSaved: false, listVersion: 5}
	h = New(repo, slog.New(slog.DiscardHandler)).Commands.ApplyPriceList
	if applied, err := h.Handle(ctx, list(2)); err != nil || applied || len(repo.pricesWrites) != 0 {
		t.Errorf("older version: applied %v, err %v, prices written %v", applied, err, repo.pricesWrites)
	}
	// The stored version again (a redelivery) completes the offers.
	repo = &fakeRepo{listSaved: false, listVersion: 2}
	h = New(repo, slog.New(slog.DiscardHandler)).Commands.ApplyPriceList
	if _, err := h.Handle(ctx, list(2)); err != nil || !slices.Equal(repo.pricesWrites, []int64{2}) {
		t.Errorf("redelivery: err %v, prices written %v", err, repo.pricesWrites)
	}
}

func TestByProduct(t *testing.T) {
	order, items := list(1).ByProduct()
	if !slices.Equal(order, []string{"a", "b"}) || len(items["a"]) != 2 || len(items["b"]) != 1 {
		t.Errorf("ByProduct = %v %v", order, items)
	}
}
