package backoffice

import (
	"fmt"
	"strings"
	"testing"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

const invoiceJSON = `{"invoiceId":"inv-1","resellerId":"r1","version":1,"number":"INV-2026-0001","currency":"EUR",
 "issueDate":"2026-11-01","dueDate":"2026-11-30","subtotalMinor":4497,"taxMinor":1079,"totalMinor":5576,
 "lines":[{"lineId":"l1","description":"Microsoft 365 Business Basic","productId":"prd-m365-basic","quantity":3,
  "unitPriceMinor":1499,"taxRatePercent":"24","amountMinor":4497,"servicePeriodStart":"2026-10-01","servicePeriodEnd":"2026-10-31"}]}`

func TestParseInvoicesAndPayments(t *testing.T) {
	invoices, err := Invoices().Parse(strings.NewReader(invoiceJSON))
	if err != nil {
		t.Fatal(err)
	}
	if inv := invoices[0].State; inv.Number != "INV-2026-0001" || inv.Lines[0].UnitPriceMinor != 1499 || inv.Lines[0].ServicePeriodEnd != "2026-10-31" {
		t.Errorf("invoice = %+v", inv)
	}
	payments, err := Payments().Parse(strings.NewReader(`{"paymentId":"pay-1","invoiceId":"inv-1","version":1,"amountMinor":5576,"currency":"EUR","paidAt":"2026-11-20T10:00:00Z","method":"card"}`))
	if err != nil || payments[0].State.AmountMinor != 5576 {
		t.Fatalf("payments = %+v, %v", payments, err)
	}
	for name, c := range map[string]struct {
		in   string
		want string
	}{
		"wrong total":  {strings.Replace(invoiceJSON, `"totalMinor":5576`, `"totalMinor":5577`, 1), "total_minor is 5577, but subtotal_minor + tax_minor is 5576"},
		"wrong tax":    {strings.Replace(invoiceJSON, `"taxMinor":1079`, `"taxMinor":1080`, 1), "tax_minor is 1080"},
		"bad status":   {strings.Replace(invoiceJSON, `"version":1`, `"version":1,"status":"paid"`, 1), `status "paid" must be one of issued, void`},
		"unknown line": {strings.Replace(invoiceJSON, `"quantity":3`, `"quantity":3,"discount":1`, 1), `unknown field "lines[0].discount"`},
	} {
		if _, err := Invoices().Parse(strings.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "invoice record 1") {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, c.want)
		}
	}
	if _, err := Payments().Parse(strings.NewReader(`{"payment_id":"p","invoice_id":"i","version":1,"amount_minor":-5,"currency":"EUR","paid_at":"2026-11-20T10:00:00Z"}`)); err == nil ||
		!strings.Contains(err.Error(), "a payment is more than zero") {
		t.Errorf("negative payment: err = %v", err)
	}
}

func FuzzParseInvoices(f *testing.F) {
	f.Add(invoiceJSON)
	f.Add(`[{"invoice_id":"i","lines":[{"quantity":9223372036854775807,"unit_price_minor":9223372036854775807}]}]`)
	f.Fuzz(func(t *testing.T, in string) { fuzzParse(t, Invoices(), in) })
}

func FuzzParsePayments(f *testing.F) {
	f.Add(`{"paymentId":"pay-1","invoiceId":"inv-1","version":1,"amountMinor":5576,"currency":"EUR","paidAt":"2026-11-20T10:00:00Z","method":"card"}`)
	f.Add(`[{"payment_id":"p","amount_minor":-1}]` + "\n" + `{"payment_id":"q"}`)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Payments().Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, p := range got {
			if err := Payments().Validate(p); err != nil || p.State.AmountMinor <= 0 {
				t.Fatalf("accepted invalid record %+v: %v", p, err)
			}
		}
	})
}

// Totals computes what the rules check: an invoice it completes is valid
// whenever its amounts fit in int64.
func FuzzTotals(f *testing.F) {
	f.Add(int64(3), int64(1499), "24", int64(1), int64(5), "5.5")
	f.Add(int64(1), int64(1), "0.0001", int64(7), int64(-3), "100")
	f.Fuzz(func(t *testing.T, q1, p1 int64, r1 string, q2, p2 int64, r2 string) {
		if q1 <= 0 || q2 <= 0 || p1 < 0 || p2 < 0 || p1 > 1e12 || p2 > 1e12 || q1 > 1e6 || q2 > 1e6 {
			return
		}
		inv := Totals(&eventsv1.Invoice{InvoiceId: "i", ResellerId: "r", Number: "N", Currency: "EUR",
			IssueDate: "2026-11-01", DueDate: "2026-11-30", Lines: []*eventsv1.InvoiceLine{
				{LineId: "1", Description: "a", Quantity: q1, UnitPriceMinor: p1, TaxRatePercent: r1},
				{LineId: "2", Description: "b", Quantity: q2, UnitPriceMinor: p2, TaxRatePercent: r2}}})
		err := Invoices().Validate(At(1, inv))
		rateErr := strings.Contains(fmt.Sprint(err), "tax_rate_percent")
		if err != nil && !rateErr {
			t.Fatalf("Totals made an invalid invoice: %v\n%+v", err, inv)
		}
	})
}
