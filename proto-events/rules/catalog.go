package rules

import (
	"errors"
	"fmt"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

// Limits of the catalog's fields.
const (
	MaxSKULength         = 64
	MaxDescriptionLength = 4000
	MaxLabelLength       = 100 // category, vendor, unit
	MaxPriceListItems    = 20_000
)

// ProductChanged checks a product event.
func ProductChanged(e *eventsv1.ProductChanged) error {
	p := e.GetProduct()
	if p == nil {
		return join("event", e.GetMeta().GetEventId(), append(metaProblems(e.GetMeta()), errors.New("the event carries no product"))...)
	}
	return join("product", p.GetProductId(), append(metaProblems(e.GetMeta()),
		ID("product_id", p.GetProductId()),
		sameAggregate(e.GetMeta(), p.GetProductId()),
		Text("sku", p.GetSku(), MaxSKULength),
		Text("name", p.GetName(), MaxNameLength),
		OptionalText("description", p.GetDescription(), MaxDescriptionLength),
		Text("category", p.GetCategory(), MaxLabelLength),
		Text("vendor", p.GetVendor(), MaxLabelLength),
		OptionalText("unit", p.GetUnit(), MaxLabelLength),
		billing(p.GetBillingType(), p.GetBillingPeriod()),
		enum("status", eventsv1.ProductStatus_name, int32(p.GetStatus()), "active or withdrawn"),
		timestamp("created_at", p.GetCreatedAt(), false),
	)...)
}

// billing checks that a product's billing type and period go together: a
// recurring product has a period, a one-time product none.
func billing(t eventsv1.BillingType, p eventsv1.BillingPeriod) error {
	if err := errors.Join(
		enum("billing_type", eventsv1.BillingType_name, int32(t), "recurring, one_time or usage"),
		enum("billing_period", eventsv1.BillingPeriod_name, int32(p), "monthly, annual or none"),
	); err != nil {
		return err
	}
	switch {
	case t == eventsv1.BillingType_BILLING_TYPE_RECURRING && p == eventsv1.BillingPeriod_BILLING_PERIOD_NONE:
		return errors.New("billing_period of a recurring product must be monthly or annual")
	case t == eventsv1.BillingType_BILLING_TYPE_ONE_TIME && p != eventsv1.BillingPeriod_BILLING_PERIOD_NONE:
		return errors.New("billing_period of a one_time product must be none")
	}
	return nil
}

// PriceListChanged checks a price list event: a known currency, every
// item a product and period with prices of zero or more and a sane
// effective range, and no two items pricing the same product and period
// for overlapping times.
func PriceListChanged(e *eventsv1.PriceListChanged) error {
	l := e.GetPriceList()
	if l == nil {
		return join("event", e.GetMeta().GetEventId(), append(metaProblems(e.GetMeta()), errors.New("the event carries no price list"))...)
	}
	currency := Currency("currency", l.GetCurrency())
	if l.GetCurrency() == "" {
		currency = errors.New("currency is required")
	}
	problems := append(metaProblems(e.GetMeta()),
		ID("price_list_id", l.GetPriceListId()),
		sameAggregate(e.GetMeta(), l.GetPriceListId()),
		Text("name", l.GetName(), MaxNameLength),
		currency,
		timestamp("created_at", l.GetCreatedAt(), false),
	)
	if n := len(l.GetItems()); n > MaxPriceListItems {
		problems = append(problems, fmt.Errorf("%d items, at most %d allowed", n, MaxPriceListItems))
	}
	for i, it := range l.GetItems() {
		problems = append(problems, item(i, it))
	}
	problems = append(problems, overlaps(l.GetItems()))
	return join("price list", l.GetPriceListId(), problems...)
}

func item(i int, it *eventsv1.PriceListItem) error {
	field := func(name string) string { return fmt.Sprintf("items[%d].%s", i, name) }
	var rangeErr error
	from, to := it.GetEffectiveFrom(), it.GetEffectiveTo()
	if from != nil && to != nil && from.CheckValid() == nil && to.CheckValid() == nil && !from.AsTime().Before(to.AsTime()) {
		rangeErr = fmt.Errorf("%s must be after %s", field("effective_to"), field("effective_from"))
	}
	return errors.Join(
		ID(field("product_id"), it.GetProductId()),
		enum(field("billing_period"), eventsv1.BillingPeriod_name, int32(it.GetBillingPeriod()), "monthly, annual or none"),
		nonNegative(field("cost_minor"), it.GetCostMinor()),
		nonNegative(field("retail_minor"), it.GetRetailMinor()),
		timestamp(field("effective_from"), from, false),
		timestamp(field("effective_to"), to, false),
		rangeErr,
	)
}

func nonNegative(field string, v int64) error {
	if v < 0 {
		return fmt.Errorf("%s is %d, a price cannot be negative", field, v)
	}
	return nil
}

// overlaps refuses two items for the same product and period whose
// effective ranges overlap: the price at any time must be one.
func overlaps(items []*eventsv1.PriceListItem) error {
	type key struct {
		product string
		period  eventsv1.BillingPeriod
	}
	seen := map[key][]int{}
	for i, it := range items {
		k := key{it.GetProductId(), it.GetBillingPeriod()}
		for _, j := range seen[k] {
			if overlap(items[j], it) {
				return fmt.Errorf("items[%d] and items[%d] price product %s %s for overlapping times",
					j, i, quote(k.product), periodName(k.period))
			}
		}
		seen[k] = append(seen[k], i)
	}
	return nil
}

// overlap reports whether two items' [from, to) ranges intersect; a
// missing bound is open.
func overlap(a, b *eventsv1.PriceListItem) bool {
	before := func(end, start *eventsv1.PriceListItem) bool { // end's range ends before start's begins
		return end.GetEffectiveTo() != nil && start.GetEffectiveFrom() != nil &&
			!end.GetEffectiveTo().AsTime().After(start.GetEffectiveFrom().AsTime())
	}
	return !before(a, b) && !before(b, a)
}

func periodName(p eventsv1.BillingPeriod) string {
	return EnumWord(eventsv1.BillingPeriod_name[int32(p)], "BILLING_PERIOD_")
}

// enum checks that v is a named, specified value of an enum.
func enum(field string, names map[int32]string, v int32, allowed string) error {
	if v == 0 || names[v] == "" {
		return fmt.Errorf("%s must be %s", field, allowed)
	}
	return nil
}
