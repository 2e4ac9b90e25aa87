package backoffice

import (
	"errors"
	"io"
	"strconv"
	"time"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
)

// Product is one product of the distributor's catalog as the back-office
// sends it.
type Product struct {
	ProductID   string `json:"product_id"`
	Version     int64  `json:"version"`
	SKU         string `json:"sku"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Category    string `json:"category"`
	Vendor      string `json:"vendor"`
	// BillingType is recurring, one_time or usage.
	BillingType string `json:"billing_type"`
	// BillingPeriod is monthly, annual or none (one-time products).
	BillingPeriod string `json:"billing_period"`
	// Unit is what one unit is: user, device, GB, ...
	Unit string `json:"unit"`
	// Status is active (the default) or withdrawn.
	Status    string     `json:"status"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
}

// Validate checks p against the rules of its event.
func (p Product) Validate() error { return validate(p) }

func (p Product) id() string     { return p.ProductID }
func (p Product) version() int64 { return p.Version }
func (p Product) event(meta *eventsv1.EventMeta) (eventbus.Publication, error) {
	typ, typeErr := enumValue("billing_type", p.BillingType, "BILLING_TYPE_", eventsv1.BillingType_value, 0)
	period, periodErr := enumValue("billing_period", p.BillingPeriod, "BILLING_PERIOD_", eventsv1.BillingPeriod_value, 0)
	status, statusErr := enumValue("status", p.Status, "PRODUCT_STATUS_", eventsv1.ProductStatus_value, int32(eventsv1.ProductStatus_PRODUCT_STATUS_ACTIVE))
	if typeErr != nil || periodErr != nil {
		// Let the rules judge what was given, not a stand-in: a bad type
		// or period is reported here, their combination by the rules.
		typ, period = int32(eventsv1.BillingType_BILLING_TYPE_USAGE), int32(eventsv1.BillingPeriod_BILLING_PERIOD_MONTHLY)
	}
	return eventbus.On(subjects.Products, &eventsv1.ProductChanged{Meta: meta, Product: &eventsv1.Product{
		ProductId: p.ProductID, Sku: p.SKU, Name: p.Name, Description: p.Description, Category: p.Category,
		Vendor: p.Vendor, BillingType: eventsv1.BillingType(typ), BillingPeriod: eventsv1.BillingPeriod(period),
		Unit: p.Unit, Status: eventsv1.ProductStatus(status), CreatedAt: timestamp(p.CreatedAt),
	}}), errors.Join(typeErr, periodErr, statusErr)
}

// PriceList is one price list as the back-office sends it: every item,
// each time (the event carries the list's whole state).
type PriceList struct {
	PriceListID string `json:"price_list_id"`
	Version     int64  `json:"version"`
	Name        string `json:"name"`
	// Currency is the ISO 4217 code every item's amounts are in.
	Currency  string          `json:"currency"`
	Items     []PriceListItem `json:"items"`
	CreatedAt *time.Time      `json:"created_at,omitempty"`
}

// PriceListItem prices one product for one billing period, for a time.
type PriceListItem struct {
	ProductID string `json:"product_id"`
	// BillingPeriod is monthly, annual or none.
	BillingPeriod string `json:"billing_period"`
	// CostMinor and RetailMinor are integer amounts in the currency's
	// minor unit (1499 is EUR 14.99; 1500 is JPY 1500).
	CostMinor   int64 `json:"cost_minor"`
	RetailMinor int64 `json:"retail_minor"`
	// The price applies from EffectiveFrom (inclusive; always when absent)
	// until EffectiveTo (exclusive; for ever when absent).
	EffectiveFrom *time.Time `json:"effective_from,omitempty"`
	EffectiveTo   *time.Time `json:"effective_to,omitempty"`
}

// Validate checks l against the rules of its event.
func (l PriceList) Validate() error { return validate(l) }

func (l PriceList) id() string     { return l.PriceListID }
func (l PriceList) version() int64 { return l.Version }
func (l PriceList) event(meta *eventsv1.EventMeta) (eventbus.Publication, error) {
	items := make([]*eventsv1.PriceListItem, len(l.Items))
	var errs []error
	for i, it := range l.Items {
		period, err := enumValue(itemField(i, "billing_period"), it.BillingPeriod, "BILLING_PERIOD_", eventsv1.BillingPeriod_value,
			int32(eventsv1.BillingPeriod_BILLING_PERIOD_MONTHLY))
		errs = append(errs, err)
		items[i] = &eventsv1.PriceListItem{
			ProductId: it.ProductID, BillingPeriod: eventsv1.BillingPeriod(period),
			CostMinor: it.CostMinor, RetailMinor: it.RetailMinor,
			EffectiveFrom: timestamp(it.EffectiveFrom), EffectiveTo: timestamp(it.EffectiveTo),
		}
	}
	return eventbus.On(subjects.PriceLists, &eventsv1.PriceListChanged{Meta: meta, PriceList: &eventsv1.PriceList{
		PriceListId: l.PriceListID, Name: l.Name, Currency: l.Currency, Items: items, CreatedAt: timestamp(l.CreatedAt),
	}}), errors.Join(errs...)
}

func itemField(i int, name string) string { return "items[" + strconv.Itoa(i) + "]." + name }

// ParseProducts reads product records from r and validates each.
func ParseProducts(r io.Reader) ([]Product, error) {
	return parseRecords(r, "product", func(x Product) (string, error) { return x.ProductID, x.Validate() })
}

// ParsePriceLists reads price list records from r and validates each.
func ParsePriceLists(r io.Reader) ([]PriceList, error) {
	return parseRecords(r, "price list", func(x PriceList) (string, error) { return x.PriceListID, x.Validate() })
}
