package rules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

func product(mutate func(*eventsv1.Product)) *eventsv1.ProductChanged {
	p := &eventsv1.Product{
		ProductId: "p1", Sku: "MS-365-BB", Name: "Microsoft 365 Business Basic", Category: "Productivity", Vendor: "Microsoft",
		BillingType: eventsv1.BillingType_BILLING_TYPE_RECURRING, BillingPeriod: eventsv1.BillingPeriod_BILLING_PERIOD_MONTHLY,
		Unit: "user", Status: eventsv1.ProductStatus_PRODUCT_STATUS_ACTIVE,
	}
	if mutate != nil {
		mutate(p)
	}
	return &eventsv1.ProductChanged{Meta: meta("p1"), Product: p}
}

func at(month int) *timestamppb.Timestamp {
	return timestamppb.New(time.Date(2026, time.Month(month), 1, 0, 0, 0, 0, time.UTC))
}

func priceList(mutate func(*eventsv1.PriceList)) *eventsv1.PriceListChanged {
	monthly, annual := eventsv1.BillingPeriod_BILLING_PERIOD_MONTHLY, eventsv1.BillingPeriod_BILLING_PERIOD_ANNUAL
	l := &eventsv1.PriceList{PriceListId: "pl1", Name: "EU partners", Currency: "EUR", Items: []*eventsv1.PriceListItem{
		{ProductId: "p1", BillingPeriod: monthly, CostMinor: 480, RetailMinor: 600, EffectiveTo: at(7)},
		{ProductId: "p1", BillingPeriod: monthly, CostMinor: 500, RetailMinor: 620, EffectiveFrom: at(7)},
		{ProductId: "p1", BillingPeriod: annual, CostMinor: 5400, RetailMinor: 7200},
	}}
	if mutate != nil {
		mutate(l)
	}
	return &eventsv1.PriceListChanged{Meta: meta("pl1"), PriceList: l}
}

func TestCatalogRules(t *testing.T) {
	for name, ev := range map[string]proto.Message{
		"product":          product(nil),
		"one-time product": product(func(p *eventsv1.Product) { p.BillingType, p.BillingPeriod = 2, 3 }),
		"price list":       priceList(nil),
		"free item":        priceList(func(l *eventsv1.PriceList) { l.Items[2].CostMinor, l.Items[2].RetailMinor = 0, 0 }),
		"yen list":         priceList(func(l *eventsv1.PriceList) { l.Currency = "JPY" }),
		"empty list":       priceList(func(l *eventsv1.PriceList) { l.Items = nil }),
	} {
		if err := check(ev); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, c := range map[string]struct {
		ev   proto.Message
		want string
	}{
		"no sku":             {product(func(p *eventsv1.Product) { p.Sku = "" }), "sku is required"},
		"no status":          {product(func(p *eventsv1.Product) { p.Status = 0 }), "status must be active or withdrawn"},
		"recurring, no term": {product(func(p *eventsv1.Product) { p.BillingPeriod = 3 }), "recurring product must be monthly or annual"},
		"one-time, monthly":  {product(func(p *eventsv1.Product) { p.BillingType = 2 }), "one_time product must be none"},
		"unknown type":       {product(func(p *eventsv1.Product) { p.BillingType = 9 }), "billing_type must be"},
		"unknown currency":   {priceList(func(l *eventsv1.PriceList) { l.Currency = "XXQ" }), "ISO 4217"},
		"no currency":        {priceList(func(l *eventsv1.PriceList) { l.Currency = "" }), "currency is required"},
		"negative price":     {priceList(func(l *eventsv1.PriceList) { l.Items[0].CostMinor = -1 }), "items[0].cost_minor is -1, a price cannot be negative"},
		"no period":          {priceList(func(l *eventsv1.PriceList) { l.Items[1].BillingPeriod = 0 }), "items[1].billing_period"},
		"bad product id":     {priceList(func(l *eventsv1.PriceList) { l.Items[2].ProductId = "a b" }), "items[2].product_id"},
		"to before from":     {priceList(func(l *eventsv1.PriceList) { l.Items[1].EffectiveTo = at(3) }), "items[1].effective_to must be after"},
		"overlap":            {priceList(func(l *eventsv1.PriceList) { l.Items[0].EffectiveTo = at(8) }), "items[0] and items[1] price product \"p1\" monthly for overlapping times"},
		"open overlap":       {priceList(func(l *eventsv1.PriceList) { l.Items = append(l.Items, l.Items[2]) }), "overlapping"},
		"bad price list id":  {&eventsv1.ResellerChanged{Meta: meta("r1"), Reseller: &eventsv1.Reseller{ResellerId: "r1", Name: "R", PriceListId: "a..b"}}, "price_list_id"},
	} {
		err := check(c.ev)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrInvalid mentioning %q", name, err, c.want)
		}
	}
}

func TestMinorDigits(t *testing.T) {
	for code, want := range map[string]int{"EUR": 2, "USD": 2, "JPY": 0, "KWD": 3, "BHD": 3, "CLP": 0} {
		if got, err := MinorDigits(code); err != nil || got != want {
			t.Errorf("MinorDigits(%s) = %d, %v; want %d", code, got, err, want)
		}
	}
	for _, bad := range []string{"", "XXQ", "eur", "XTS"} {
		if _, err := MinorDigits(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("MinorDigits(%q): err = %v", bad, err)
		}
	}
}
