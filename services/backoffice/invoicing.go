package backoffice

import (
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/rules"
	"github.com/resellerapi/platform/proto-events/subjects"
)

// Invoices is the kind of invoice records (InvoiceChanged): every line,
// each time. Amounts are integers of the currency's minor unit (1499 is
// EUR 14.99), tax rates decimal percentages ("24", 24, "8.875"). An
// absent status means issued. Totals computes the amounts the rules
// check.
func Invoices() Kind[*eventsv1.Invoice] {
	return newKind("invoice", (*eventsv1.Invoice).GetInvoiceId, subjects.Invoices,
		func(m *eventsv1.EventMeta, inv *eventsv1.Invoice) *eventsv1.InvoiceChanged {
			return &eventsv1.InvoiceChanged{Meta: m, Invoice: inv}
		},
		func(inv *eventsv1.Invoice) {
			if inv.Status == eventsv1.InvoiceStatus_INVOICE_STATUS_UNSPECIFIED {
				inv.Status = eventsv1.InvoiceStatus_INVOICE_STATUS_ISSUED
			}
		})
}

// Payments is the kind of payment records (PaymentChanged).
func Payments() Kind[*eventsv1.Payment] {
	return newKind("payment", (*eventsv1.Payment).GetPaymentId, subjects.Payments,
		func(m *eventsv1.EventMeta, p *eventsv1.Payment) *eventsv1.PaymentChanged {
			return &eventsv1.PaymentChanged{Meta: m, Payment: p}
		}, nil)
}

// Totals returns a copy of inv with the amounts its lines imply: each
// line's amount (quantity x unit price), the subtotal, the tax (each
// line's, rounded half away from zero to the minor unit) and the total,
// exactly as the invoicing rules check them. Rates that are not
// percentages leave the tax to the rules to refuse.
func Totals(inv *eventsv1.Invoice) *eventsv1.Invoice {
	inv = proto.CloneOf(inv)
	inv.SubtotalMinor, inv.TaxMinor = 0, 0
	for _, l := range inv.GetLines() {
		l.AmountMinor = l.GetQuantity() * l.GetUnitPriceMinor()
		inv.SubtotalMinor += l.AmountMinor
		if tax, err := rules.Tax(l.AmountMinor, l.GetTaxRatePercent()); err == nil && tax.IsInt64() {
			inv.TaxMinor += tax.Int64()
		}
	}
	inv.TotalMinor = inv.SubtotalMinor + inv.TaxMinor
	return inv
}
