package backoffice

import (
	"context"
	"io"
	"slices"
	"time"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/rules"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
)

// Invoice is one invoice the distributor issued to a reseller, as the
// back-office sends it: every line, each time (the event carries the
// invoice's whole state). Amounts are integers of the currency's minor
// unit (1499 is EUR 14.99).
type Invoice struct {
	InvoiceID  string `json:"invoice_id"`
	ResellerID string `json:"reseller_id"`
	Version    int64  `json:"version"`
	Number     string `json:"number"`
	Currency   string `json:"currency"`
	// IssueDate and DueDate are YYYY-MM-DD.
	IssueDate     string        `json:"issue_date"`
	DueDate       string        `json:"due_date"`
	Lines         []InvoiceLine `json:"lines"`
	SubtotalMinor int64         `json:"subtotal_minor"`
	TaxMinor      int64         `json:"tax_minor"`
	TotalMinor    int64         `json:"total_minor"`
	// Status is issued (the default) or void, with VoidReason.
	Status     string     `json:"status"`
	VoidReason string     `json:"void_reason"`
	CreatedAt  *time.Time `json:"created_at,omitempty"`
}

// InvoiceLine is one line of an invoice.
type InvoiceLine struct {
	LineID         string `json:"line_id"`
	Description    string `json:"description"`
	ProductID      string `json:"product_id"`
	SKU            string `json:"sku"`
	AccountID      string `json:"account_id"`
	Quantity       int64  `json:"quantity"`
	UnitPriceMinor int64  `json:"unit_price_minor"`
	// TaxRatePercent is a decimal percentage, e.g. "24" or "5.5".
	TaxRatePercent     string `json:"tax_rate_percent"`
	ServicePeriodStart string `json:"service_period_start"`
	ServicePeriodEnd   string `json:"service_period_end"`
	AmountMinor        int64  `json:"amount_minor"`
}

// Totals returns inv with the amounts its lines imply: each line's amount
// (quantity x unit price), the subtotal, the tax (each line's, rounded half
// away from zero to the minor unit) and the total, exactly as the
// invoicing rules check them. Rates that are not percentages leave the tax
// to Validate to refuse.
func Totals(inv Invoice) Invoice {
	inv.Lines = slices.Clone(inv.Lines)
	inv.SubtotalMinor, inv.TaxMinor = 0, 0
	for i := range inv.Lines {
		l := &inv.Lines[i]
		l.AmountMinor = l.Quantity * l.UnitPriceMinor
		inv.SubtotalMinor += l.AmountMinor
		if tax, err := rules.Tax(l.AmountMinor, l.TaxRatePercent); err == nil && tax.IsInt64() {
			inv.TaxMinor += tax.Int64()
		}
	}
	inv.TotalMinor = inv.SubtotalMinor + inv.TaxMinor
	return inv
}

// Validate checks inv against the rules of its event (exact arithmetic,
// currency, dates).
func (inv Invoice) Validate() error { return validate(inv) }

func (inv Invoice) id() string     { return inv.InvoiceID }
func (inv Invoice) version() int64 { return inv.Version }
func (inv Invoice) event(meta *eventsv1.EventMeta) (eventbus.Publication, error) {
	status, err := enumValue("status", inv.Status, "INVOICE_STATUS_", eventsv1.InvoiceStatus_value, int32(eventsv1.InvoiceStatus_INVOICE_STATUS_ISSUED))
	lines := make([]*eventsv1.InvoiceLine, len(inv.Lines))
	for i, l := range inv.Lines {
		lines[i] = &eventsv1.InvoiceLine{LineId: l.LineID, Description: l.Description, ProductId: l.ProductID, Sku: l.SKU,
			AccountId: l.AccountID, Quantity: l.Quantity, UnitPriceMinor: l.UnitPriceMinor, TaxRatePercent: l.TaxRatePercent,
			ServicePeriodStart: l.ServicePeriodStart, ServicePeriodEnd: l.ServicePeriodEnd, AmountMinor: l.AmountMinor}
	}
	return eventbus.On(subjects.Invoices, &eventsv1.InvoiceChanged{Meta: meta, Invoice: &eventsv1.Invoice{
		InvoiceId: inv.InvoiceID, ResellerId: inv.ResellerID, Number: inv.Number, Currency: inv.Currency,
		IssueDate: inv.IssueDate, DueDate: inv.DueDate, Lines: lines, SubtotalMinor: inv.SubtotalMinor,
		TaxMinor: inv.TaxMinor, TotalMinor: inv.TotalMinor, Status: eventsv1.InvoiceStatus(status),
		VoidReason: inv.VoidReason, CreatedAt: timestamp(inv.CreatedAt),
	}}), err
}

// Payment is one payment of an invoice, as the back-office sends it.
type Payment struct {
	PaymentID   string     `json:"payment_id"`
	InvoiceID   string     `json:"invoice_id"`
	Version     int64      `json:"version"`
	AmountMinor int64      `json:"amount_minor"`
	Currency    string     `json:"currency"`
	PaidAt      *time.Time `json:"paid_at,omitempty"`
	Method      string     `json:"method"`
}

// Validate checks p against the rules of its event.
func (p Payment) Validate() error { return validate(p) }

func (p Payment) id() string     { return p.PaymentID }
func (p Payment) version() int64 { return p.Version }
func (p Payment) event(meta *eventsv1.EventMeta) (eventbus.Publication, error) {
	return eventbus.On(subjects.Payments, &eventsv1.PaymentChanged{Meta: meta, Payment: &eventsv1.Payment{
		PaymentId: p.PaymentID, InvoiceId: p.InvoiceID, AmountMinor: p.AmountMinor, Currency: p.Currency,
		PaidAt: timestamp(p.PaidAt), Method: p.Method,
	}}), nil
}

// ParseInvoices reads invoice records from r and validates each.
func ParseInvoices(r io.Reader) ([]Invoice, error) {
	return parseRecords(r, "invoice", func(x Invoice) (string, error) { return x.InvoiceID, x.Validate() })
}

// ParsePayments reads payment records from r and validates each.
func ParsePayments(r io.Reader) ([]Payment, error) {
	return parseRecords(r, "payment", func(x Payment) (string, error) { return x.PaymentID, x.Validate() })
}

// PublishInvoices publishes one InvoiceChanged event per record.
func (p *Publisher) PublishInvoices(ctx context.Context, invoices []Invoice) (int, error) {
	return publish(ctx, p, "invoice", invoices)
}

// PublishPayments publishes one PaymentChanged event per record.
func (p *Publisher) PublishPayments(ctx context.Context, payments []Payment) (int, error) {
	return publish(ctx, p, "payment", payments)
}
