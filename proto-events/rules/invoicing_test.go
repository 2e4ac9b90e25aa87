package rules

import (
	"errors"
	"math/big"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

// invoice is a valid invoice: 3 x 14.99 at 24% and 1 x 0.02 at 24%
// (tax 0.0048, rounded to 0.00), EUR.
func invoice(mutate func(*eventsv1.Invoice)) *eventsv1.InvoiceChanged {
	inv := &eventsv1.Invoice{InvoiceId: "inv-1", ResellerId: "r1", Number: "INV-2026-0001", Currency: "EUR",
		IssueDate: "2026-11-01", DueDate: "2026-11-30", Status: eventsv1.InvoiceStatus_INVOICE_STATUS_ISSUED,
		Lines: []*eventsv1.InvoiceLine{
			{LineId: "l1", Description: "Microsoft 365 Business Basic", ProductId: "prd-m365-basic", AccountId: "acc-1",
				Quantity: 3, UnitPriceMinor: 1499, TaxRatePercent: "24", AmountMinor: 4497,
				ServicePeriodStart: "2026-10-01", ServicePeriodEnd: "2026-10-31"},
			{LineId: "l2", Description: "Rounding check", Quantity: 1, UnitPriceMinor: 2, TaxRatePercent: "24", AmountMinor: 2},
		},
		SubtotalMinor: 4499, TaxMinor: 1079, TotalMinor: 5578}
	if mutate != nil {
		mutate(inv)
	}
	return &eventsv1.InvoiceChanged{Meta: meta("inv-1"), Invoice: inv}
}

func payment(mutate func(*eventsv1.Payment)) *eventsv1.PaymentChanged {
	p := &eventsv1.Payment{PaymentId: "pay-1", InvoiceId: "inv-1", AmountMinor: 5578, Currency: "EUR", PaidAt: timestamppb.Now(), Method: "bank_transfer"}
	if mutate != nil {
		mutate(p)
	}
	return &eventsv1.PaymentChanged{Meta: meta("pay-1"), Payment: p}
}

func TestInvoiceRules(t *testing.T) {
	for name, ev := range map[string]proto.Message{
		"invoice": invoice(nil),
		"void": invoice(func(i *eventsv1.Invoice) {
			i.Status, i.VoidReason = eventsv1.InvoiceStatus_INVOICE_STATUS_VOID, "issued twice"
		}),
		"yen": invoice(func(i *eventsv1.Invoice) { i.Currency = "JPY" }),
		"discount line": invoice(func(i *eventsv1.Invoice) {
			i.Lines = append(i.Lines, &eventsv1.InvoiceLine{LineId: "l3", Description: "Discount", Quantity: 1, UnitPriceMinor: -499,
				TaxRatePercent: "24", AmountMinor: -499})
			i.SubtotalMinor, i.TaxMinor, i.TotalMinor = 4000, 1079-120, 4000+1079-120
		}),
		"payment": payment(nil),
	} {
		if err := check(ev); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, c := range map[string]struct {
		ev   proto.Message
		want string
	}{
		"wrong line amount":  {invoice(func(i *eventsv1.Invoice) { i.Lines[0].AmountMinor = 4496 }), "lines[0].amount_minor is 4496, but quantity x unit_price_minor is 4497"},
		"wrong subtotal":     {invoice(func(i *eventsv1.Invoice) { i.SubtotalMinor++; i.TotalMinor++ }), "subtotal_minor is 4500"},
		"wrong tax":          {invoice(func(i *eventsv1.Invoice) { i.TaxMinor++; i.TotalMinor++ }), "tax_minor is 1080, but the sum of the lines' tax is 1079"},
		"wrong total":        {invoice(func(i *eventsv1.Invoice) { i.TotalMinor-- }), "total_minor is 5577"},
		"no lines":           {invoice(func(i *eventsv1.Invoice) { i.Lines = nil; i.SubtotalMinor, i.TaxMinor, i.TotalMinor = 0, 0, 0 }), "at least one line"},
		"zero quantity":      {invoice(func(i *eventsv1.Invoice) { i.Lines[1].Quantity = 0 }), "lines[1].quantity is 0"},
		"bad rate":           {invoice(func(i *eventsv1.Invoice) { i.Lines[1].TaxRatePercent = "24%" }), "lines[1].tax_rate_percent"},
		"rate above 100":     {invoice(func(i *eventsv1.Invoice) { i.Lines[1].TaxRatePercent = "101" }), "lines[1].tax_rate_percent"},
		"unknown currency":   {invoice(func(i *eventsv1.Invoice) { i.Currency = "XXQ" }), "ISO 4217"},
		"due before issue":   {invoice(func(i *eventsv1.Invoice) { i.DueDate = "2026-10-01" }), "due_date 2026-10-01 is before issue_date 2026-11-01"},
		"bad date":           {invoice(func(i *eventsv1.Invoice) { i.IssueDate = "01/11/2026" }), "issue_date"},
		"half a period":      {invoice(func(i *eventsv1.Invoice) { i.Lines[0].ServicePeriodEnd = "" }), "go together"},
		"void without cause": {invoice(func(i *eventsv1.Invoice) { i.Status = eventsv1.InvoiceStatus_INVOICE_STATUS_VOID }), "void_reason is required"},
		"no status":          {invoice(func(i *eventsv1.Invoice) { i.Status = 0 }), "status must be issued or void"},
		"overflow": {invoice(func(i *eventsv1.Invoice) {
			i.Lines[0].Quantity, i.Lines[0].UnitPriceMinor = 1<<40, 1<<40
		}), "lines[0].amount_minor"},
		"zero payment":     {payment(func(p *eventsv1.Payment) { p.AmountMinor = 0 }), "a payment is more than zero"},
		"payment currency": {payment(func(p *eventsv1.Payment) { p.Currency = "" }), "currency is required"},
		"payment date":     {payment(func(p *eventsv1.Payment) { p.PaidAt = nil }), "paid_at is required"},
	} {
		if err := check(c.ev); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}

func TestRoundHalfAway(t *testing.T) {
	for _, c := range []struct {
		num, den, want int64
	}{{12, 10, 1}, {15, 10, 2}, {-15, 10, -2}, {-12, 10, -1}, {5, 10, 1}, {4, 10, 0}, {0, 1, 0}} {
		if got := roundHalfAway(big.NewRat(c.num, c.den)); got.Int64() != c.want {
			t.Errorf("round(%d/%d) = %s, want %d", c.num, c.den, got, c.want)
		}
	}
}
