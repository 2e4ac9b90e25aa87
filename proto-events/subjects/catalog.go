package subjects

import "github.com/resellerapi/platform/proto-events/rules"

// Topics of the catalog bounded context (stream CATALOG).
var (
	// Products: every product's eventsv1.ProductChanged.
	Products = topic("catalog.product.changed.", rules.ProductChanged)
	// PriceLists: every price list's eventsv1.PriceListChanged.
	PriceLists = topic("catalog.price_list.changed.", rules.PriceListChanged)
)
