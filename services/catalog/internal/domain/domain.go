// Package domain holds the catalog's model: the price lists resellers buy
// at, whose items become offers. What makes one valid is declared once,
// with the event contract, in proto-events/rules. A product has no
// behaviour here: it is its read-model document (pkg/readmodel/catalog).
package domain

import "time"

// PriceList is a price list at one version, with every item.
type PriceList struct {
	ID        string
	Name      string
	Currency  string
	Items     []PriceItem
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// PriceItem prices one product for one billing period in the list's
// currency's minor units, from EffectiveFrom (zero: always) until
// EffectiveTo (zero: for ever).
type PriceItem struct {
	ProductID     string
	BillingPeriod string
	CostMinor     int64
	RetailMinor   int64
	EffectiveFrom time.Time
	EffectiveTo   time.Time
}

// ByProduct groups a list's items by product, in the order products first
// appear.
func (l PriceList) ByProduct() (order []string, items map[string][]PriceItem) {
	items = map[string][]PriceItem{}
	for _, it := range l.Items {
		if _, seen := items[it.ProductID]; !seen {
			order = append(order, it.ProductID)
		}
		items[it.ProductID] = append(items[it.ProductID], it)
	}
	return order, items
}
