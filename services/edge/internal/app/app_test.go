package app

import (
	"testing"
	"time"

	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
)

func TestInvoiceStatusAsOfToday(t *testing.T) {
	for _, c := range []struct {
		stored, due, want string
	}{
		{InvoiceIssued, "2026-03-01", InvoiceOverdue},
		{InvoicePartiallyPaid, "2026-03-01", InvoiceOverdue},
		{InvoiceIssued, "2026-03-02", InvoiceIssued}, // due today is not overdue
		{InvoicePartiallyPaid, "2026-04-01", InvoicePartiallyPaid},
		{InvoicePaid, "2026-03-01", InvoicePaid},
		{InvoiceVoid, "2026-03-01", InvoiceVoid},
	} {
		inv := asOf(invoicing.Invoice{ID: "i1", Status: c.stored, DueDate: c.due}, "2026-03-02")
		if inv.Status != c.want || inv.Invoice.Status != c.stored {
			t.Errorf("%s due %s: status %q (stored %q), want %q", c.stored, c.due, inv.Status, inv.Invoice.Status, c.want)
		}
	}
}

func TestPricesAtKeepsThoseInEffect(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	prices := []catalog.OfferPrice{
		{BillingPeriod: "open"},
		{BillingPeriod: "past", EffectiveTo: day(2)},
		{BillingPeriod: "current", EffectiveFrom: day(2), EffectiveTo: day(4)},
		{BillingPeriod: "future", EffectiveFrom: day(4)},
		{BillingPeriod: "from-now", EffectiveFrom: day(3)},
	}
	var got []string
	for _, p := range pricesAt(prices, day(3)) {
		got = append(got, p.BillingPeriod)
	}
	if want := []string{"open", "current", "from-now"}; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("in effect: %v, want %v", got, want)
	}
}
