package app

import (
	"context"
	"time"
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

// Price is one current price of a product, in minor units of Currency.
type Price struct {
	BillingPeriod string
	CostMinor     int64
	RetailMinor   int64
	Currency      string
	EffectiveFrom time.Time // zero: open
	EffectiveTo   time.Time // zero: open
}

// Product is a product the caller may resell, with its current prices.
type Product struct {
	ID          string
	SKU         string
	Name        string
	Description string
	Category    string
	Vendor      string
	BillingType string
	Unit        string
	Prices      []Price
	UpdatedAt   time.Time
}

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
// active products with a price in effect at now.
type ProductReader interface {
	List(ctx context.Context, scope ListScope, now time.Time, f ProductFilter, page PageRequest) ([]Product, int64, error)
	// Get returns ErrNotFound unless product id is resellable in scope.
	Get(ctx context.Context, scope ListScope, now time.Time, id string) (Product, error)
}

// ListProductsHandler lists the products the caller may resell.
type ListProductsHandler struct {
	products ProductReader
	lists    PriceLists
	now      func() time.Time
}

// Handle returns one page of the caller's resellable products matching f;
// a caller without a price list (none up its tree) may resell nothing.
func (h ListProductsHandler) Handle(ctx context.Context, caller Caller, f ProductFilter, page PageRequest) ([]Product, int64, error) {
	scope, ok := h.scope(caller)
	if !ok {
		return nil, 0, nil
	}
	return h.products.List(ctx, scope, h.now(), f, page)
}

func (h ListProductsHandler) scope(caller Caller) (ListScope, bool) {
	list := h.lists.PriceList(caller.ResellerID)
	return ListScope{lists: []string{list}}, list != ""
}

// GetProductHandler reads one product the caller may resell.
type GetProductHandler struct{ ListProductsHandler }

// Handle returns product id at the caller's prices, or ErrNotFound.
func (h GetProductHandler) Handle(ctx context.Context, caller Caller, id string) (Product, error) {
	scope, ok := h.scope(caller)
	if !ok {
		return Product{}, ErrNotFound
	}
	return h.products.Get(ctx, scope, h.now(), id)
}
