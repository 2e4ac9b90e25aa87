package backoffice

import (
	"strings"
	"testing"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

func TestParseCatalog(t *testing.T) {
	products, err := Products().Parse(strings.NewReader(`[
	 {"productId":"p1","version":1,"sku":"MS-365","name":"Microsoft 365","category":"Productivity","vendor":"Microsoft","billingType":"recurring","billingPeriod":"annual","unit":"user"},
	 {"product_id":"p2","version":3,"sku":"ONB","name":"Onboarding","category":"Services","vendor":"Us","billing_type":"one_time","billing_period":"none","status":"withdrawn"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if products[0].State.BillingPeriod != eventsv1.BillingPeriod_BILLING_PERIOD_ANNUAL ||
		products[1].State.Status != eventsv1.ProductStatus_PRODUCT_STATUS_WITHDRAWN || products[1].Version != 3 {
		t.Errorf("products = %+v", products)
	}
	lists, err := PriceLists().Parse(strings.NewReader(`{"priceListId":"pl1","version":1,"name":"EU","currency":"EUR","items":[
	 {"productId":"p1","billingPeriod":"monthly","costMinor":9007199254740993,"retailMinor":600,"effectiveFrom":"2026-01-01T00:00:00Z","effectiveTo":"2027-01-01T00:00:00Z"},
	 {"product_id":"p1","billing_period":"annual","cost_minor":5400,"retail_minor":7200}]}`))
	if err != nil {
		t.Fatal(err)
	}
	it := lists[0].State.Items[0]
	// Above 2^53: a float64 on the way would change the amount.
	if it.CostMinor != 9007199254740993 || it.EffectiveTo.AsTime().Year() != 2027 || lists[0].State.Items[1].RetailMinor != 7200 {
		t.Errorf("items = %v", lists[0].State.Items)
	}
}

func TestParseCatalogRefusesBadInputNamingTheRecord(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		parse    func(string) error
		want     []string
	}{
		{"bad enums", `{"product_id":"p1","version":1,"sku":"S","name":"N","category":"C","vendor":"V","billing_type":"weekly","billing_period":"Monthly","status":"gone"}`,
			products, []string{"product record 1", `billing_type "weekly" must be one of one_time, recurring, usage`, `billing_period "Monthly"`, `status "gone" must be one of active, withdrawn`}},
		{"recurring without a period", `{"product_id":"p1","version":1,"sku":"S","name":"N","category":"C","vendor":"V","billing_type":"recurring","billing_period":"none"}`,
			products, []string{"recurring product must be monthly or annual"}},
		{"unknown currency and negative price", `{"price_list_id":"pl1","version":1,"name":"X","currency":"XXQ","items":[{"product_id":"p1","billing_period":"monthly","cost_minor":-5,"retail_minor":10}]}`,
			priceLists, []string{"price list record 1", `"pl1"`, "ISO 4217", "items[0].cost_minor is -5"}},
		{"unknown item field", `{"price_list_id":"pl1","version":1,"name":"X","currency":"EUR","items":[{"product_id":"p1","billing_period":"monthly","cost":5}]}`,
			priceLists, []string{`unknown field "items[0].cost"`}},
		{"item field twice", `{"price_list_id":"pl1","version":1,"name":"X","currency":"EUR","items":[{"product_id":"p1","productId":"p2"}]}`,
			priceLists, []string{"given twice"}},
		{"bad item period", `{"price_list_id":"pl1","version":1,"name":"X","currency":"EUR","items":[{"product_id":"p1","billing_period":"daily"}]}`,
			priceLists, []string{`items[0].billing_period "daily"`}},
		{"overlapping items", `{"price_list_id":"pl1","version":1,"name":"X","currency":"EUR","items":[{"product_id":"p1","billing_period":"monthly"},{"product_id":"p1","billing_period":"monthly"}]}`,
			priceLists, []string{"overlapping"}},
	} {
		err := tt.parse(tt.in)
		if err == nil {
			t.Errorf("%s: accepted", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tt.name, err, w)
			}
		}
	}
}

func products(in string) error   { _, err := Products().Parse(strings.NewReader(in)); return err }
func priceLists(in string) error { _, err := PriceLists().Parse(strings.NewReader(in)); return err }

func FuzzParseProducts(f *testing.F) {
	f.Add(`{"productId":"p1","version":1,"sku":"S","name":"N","category":"C","vendor":"V","billingType":"recurring","billingPeriod":"monthly"}`)
	f.Add(`[{"product_id":"p2","billing_type":"one_time","billing_period":"none"}]`)
	f.Fuzz(func(t *testing.T, in string) { fuzzParse(t, Products(), in) })
}

func FuzzParsePriceLists(f *testing.F) {
	f.Add(`{"priceListId":"pl1","version":1,"name":"EU","currency":"EUR","items":[{"productId":"p1","billingPeriod":"monthly","costMinor":480,"retailMinor":600}]}`)
	f.Add(`{"price_list_id":"pl1","items":[{"product_id":"p1","items":[{"a":{"b":[1]}}]}]}`)
	f.Fuzz(func(t *testing.T, in string) { fuzzParse(t, PriceLists(), in) })
}
