package backoffice

import (
	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"
)

// Products is the kind of product records (ProductChanged). An absent
// status means active; billing_type and billing_period must be given.
func Products() Kind[*eventsv1.Product] {
	return newKind("product", (*eventsv1.Product).GetProductId, subjects.Products,
		func(m *eventsv1.EventMeta, p *eventsv1.Product) *eventsv1.ProductChanged {
			return &eventsv1.ProductChanged{Meta: m, Product: p}
		},
		func(p *eventsv1.Product) {
			if p.Status == eventsv1.ProductStatus_PRODUCT_STATUS_UNSPECIFIED {
				p.Status = eventsv1.ProductStatus_PRODUCT_STATUS_ACTIVE
			}
		})
}

// PriceLists is the kind of price list records (PriceListChanged): every
// item, each time. Amounts are integers of the currency's minor unit
// (1499 is EUR 14.99); an item without a billing period is monthly.
func PriceLists() Kind[*eventsv1.PriceList] {
	return newKind("price list", (*eventsv1.PriceList).GetPriceListId, subjects.PriceLists,
		func(m *eventsv1.EventMeta, l *eventsv1.PriceList) *eventsv1.PriceListChanged {
			return &eventsv1.PriceListChanged{Meta: m, PriceList: l}
		},
		func(l *eventsv1.PriceList) {
			for _, it := range l.Items {
				if it.BillingPeriod == eventsv1.BillingPeriod_BILLING_PERIOD_UNSPECIFIED {
					it.BillingPeriod = eventsv1.BillingPeriod_BILLING_PERIOD_MONTHLY
				}
			}
		})
}
