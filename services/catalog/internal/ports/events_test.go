package ports

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"
)

func meta(id string) *eventsv1.EventMeta {
	return &eventsv1.EventMeta{EventId: "e1", OccurredAt: timestamppb.New(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)), AggregateId: id, Version: 2}
}

func TestMapping(t *testing.T) {
	p := ProductFromEvent(&eventsv1.ProductChanged{Meta: meta("p1"), Product: &eventsv1.Product{ProductId: "p1", Name: "N",
		BillingType: eventsv1.BillingType_BILLING_TYPE_ONE_TIME, BillingPeriod: eventsv1.BillingPeriod_BILLING_PERIOD_NONE,
		Status: eventsv1.ProductStatus_PRODUCT_STATUS_WITHDRAWN}})
	if p.BillingType != "one_time" || p.BillingPeriod != "none" || p.Status != "withdrawn" || p.Version != 2 || !p.CreatedAt.Equal(p.UpdatedAt) {
		t.Errorf("product = %+v", p)
	}
	from := timestamppb.New(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	l := PriceListFromEvent(&eventsv1.PriceListChanged{Meta: meta("pl"), PriceList: &eventsv1.PriceList{PriceListId: "pl", Currency: "JPY",
		Items: []*eventsv1.PriceListItem{{ProductId: "p1", BillingPeriod: eventsv1.BillingPeriod_BILLING_PERIOD_ANNUAL, CostMinor: 1500, EffectiveFrom: from}}}})
	if it := l.Items[0]; l.Currency != "JPY" || it.BillingPeriod != "annual" || it.CostMinor != 1500 || it.EffectiveFrom.Month() != 7 || !it.EffectiveTo.IsZero() {
		t.Errorf("price list = %+v", l)
	}
}

// Whatever passes the rules maps to complete domain objects.
func FuzzProductEvent(f *testing.F) {
	good, _ := proto.Marshal(&eventsv1.ProductChanged{Meta: meta("p1"), Product: &eventsv1.Product{ProductId: "p1", Sku: "S", Name: "N",
		Category: "C", Vendor: "V", BillingType: 1, BillingPeriod: 1, Status: 1}})
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		var e eventsv1.ProductChanged
		if proto.Unmarshal(data, &e) != nil || subjects.Products.Check(&e) != nil {
			return
		}
		p := ProductFromEvent(&e)
		if p.ID == "" || p.BillingType == "unspecified" || p.BillingPeriod == "unspecified" || p.Status == "unspecified" || p.UpdatedAt.IsZero() {
			t.Fatalf("incomplete product %+v from a valid event", p)
		}
	})
}

func FuzzPriceListEvent(f *testing.F) {
	good, _ := proto.Marshal(&eventsv1.PriceListChanged{Meta: meta("pl"), PriceList: &eventsv1.PriceList{PriceListId: "pl", Name: "L", Currency: "EUR",
		Items: []*eventsv1.PriceListItem{{ProductId: "p1", BillingPeriod: 1, CostMinor: 5, RetailMinor: 6}}}})
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		var e eventsv1.PriceListChanged
		if proto.Unmarshal(data, &e) != nil || subjects.PriceLists.Check(&e) != nil {
			return
		}
		l := PriceListFromEvent(&e)
		for _, it := range l.Items {
			if it.ProductID == "" || it.BillingPeriod == "unspecified" || it.CostMinor < 0 || it.RetailMinor < 0 {
				t.Fatalf("bad item %+v from a valid event", it)
			}
		}
	})
}
