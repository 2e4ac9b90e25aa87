package ports

import (
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/resellerapi/platform/pkg/money"
	"github.com/resellerapi/platform/services/edge/internal/app"
)

// ListInvoices serves GET /api/invoices.
func (h *HTTP) ListInvoices(c *gin.Context, params ListInvoicesParams) {
	f := app.InvoiceFilter{Sort: app.InvoiceSort{Field: "issueDate", Desc: true}, Status: deref(params.Status),
		IssuedFrom: date(params.IssuedFrom), IssuedTo: date(params.IssuedTo), DueBefore: date(params.DueBefore),
		AccountID: deref(params.AccountId)}
	if params.UpdatedSince != nil {
		f.UpdatedSince = *params.UpdatedSince
	}
	if params.Sort != nil {
		field, desc := strings.CutPrefix(string(*params.Sort), "-")
		f.Sort = app.InvoiceSort{Field: field, Desc: desc}
	}
	invoices, pagination, next, ok := listPage(h, c, h.app.Queries.ListInvoices, listRequest[app.InvoiceFilter, app.Invoice]{
		pageIndex: params.PageIndex, pageSize: params.PageSize, cursor: params.PageToken,
		f: f, binding: invoicesBinding(caller(c), f), position: invoicePosition,
	})
	if !ok {
		return
	}
	list := InvoiceList{Data: make([]InvoiceSummary, len(invoices)), Pagination: pagination, NextPageToken: next}
	var err error
	for i, inv := range invoices {
		if list.Data[i], err = invoiceSummary(inv); err != nil {
			h.fail(c, err)
			return
		}
	}
	c.Header("Cache-Control", "private, no-store")
	writeJSON(c, http.StatusOK, list)
}

// GetInvoice serves GET /api/invoices/{id}.
func (h *HTTP) GetInvoice(c *gin.Context, id string, _ GetInvoiceParams) {
	inv, err := h.app.Queries.GetInvoice.Handle(c.Request.Context(), caller(c), id)
	if err == nil {
		var resp Invoice
		if resp, err = invoiceResponse(inv); err == nil {
			c.Header("Cache-Control", "private, no-store")
			writeJSON(c, http.StatusOK, resp)
			return
		}
	}
	h.fail(c, err)
}

// GetInvoicePdf serves GET /api/invoices/{id}/pdf.
func (h *HTTP) GetInvoicePdf(c *gin.Context, id string, _ GetInvoicePdfParams) {
	doc, err := h.app.Queries.GetInvoiceDocument.Handle(c.Request.Context(), caller(c), id)
	if err != nil {
		h.fail(c, err)
		return
	}
	pdf, err := renderInvoicePDF(h.distributor, doc.Reseller, doc.Invoice)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": invoiceFilename(doc.Invoice.Number)}))
	c.Data(http.StatusOK, "application/pdf", pdf)
}

// invoiceFilename is "invoice-<number>.pdf" with the number's characters
// that do not belong in a file name replaced.
func invoiceFilename(number string) string {
	safe := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, number)
	return "invoice-" + safe + ".pdf"
}

func date(d *openapi_types.Date) string {
	if d == nil {
		return ""
	}
	return d.Format(time.DateOnly)
}

// apiDate parses a stored YYYY-MM-DD date.
func apiDate(s string) openapi_types.Date {
	t, _ := time.Parse(time.DateOnly, s)
	return openapi_types.Date{Time: t}
}

func optionalDate(s string) *openapi_types.Date {
	if s == "" {
		return nil
	}
	d := apiDate(s)
	return &d
}

// invoiceSummary maps an invoice's list fields; amounts become decimal
// strings in the currency's minor-unit precision.
func invoiceSummary(inv app.Invoice) (InvoiceSummary, error) {
	amounts, err := formatAmounts(inv.Currency, inv.SubtotalMinor, inv.TaxMinor, inv.TotalMinor, inv.AmountPaidMinor, inv.AmountDueMinor)
	if err != nil {
		return InvoiceSummary{}, fmt.Errorf("invoice %s: %w", inv.ID, err)
	}
	s := InvoiceSummary{Id: inv.ID, Number: inv.Number, Status: InvoiceStatus(inv.Status), VoidReason: optional(inv.VoidReason, nil),
		Currency: inv.Currency, IssueDate: apiDate(inv.IssueDate), DueDate: apiDate(inv.DueDate),
		Subtotal: amounts[0], Tax: amounts[1], Total: amounts[2], AmountPaid: amounts[3], AmountDue: amounts[4],
		Accounts: make([]InvoiceAccount, len(inv.AccountIDs)), CreatedAt: inv.CreatedAt.UTC(), UpdatedAt: inv.UpdatedAt.UTC()}
	for i, id := range inv.AccountIDs {
		s.Accounts[i] = InvoiceAccount{Id: id, Name: optional(inv.AccountNames[id], nil)}
	}
	return s, nil
}

// invoiceResponse maps an invoice with its lines and payments.
func invoiceResponse(inv app.Invoice) (Invoice, error) {
	s, err := invoiceSummary(inv)
	if err != nil {
		return Invoice{}, err
	}
	resp := Invoice{Id: s.Id, Number: s.Number, Status: s.Status, VoidReason: s.VoidReason, Currency: s.Currency,
		IssueDate: s.IssueDate, DueDate: s.DueDate, Subtotal: s.Subtotal, Tax: s.Tax, Total: s.Total,
		AmountPaid: s.AmountPaid, AmountDue: s.AmountDue, Accounts: s.Accounts, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
		Lines: make([]InvoiceLine, len(inv.Lines)), Payments: make([]InvoicePayment, len(inv.Payments))}
	for i, l := range inv.Lines {
		a, err := formatAmounts(inv.Currency, l.UnitPriceMinor, l.AmountMinor)
		if err != nil {
			return Invoice{}, fmt.Errorf("invoice %s: %w", inv.ID, err)
		}
		resp.Lines[i] = InvoiceLine{Id: l.LineID, Description: l.Description, ProductId: optional(l.ProductID, nil), Sku: optional(l.SKU, nil),
			AccountId: optional(l.AccountID, nil), AccountName: optional(inv.AccountNames[l.AccountID], nil), Quantity: l.Quantity,
			UnitPrice: a[0], TaxRatePercent: l.TaxRatePercent, Amount: a[1],
			ServicePeriodStart: optionalDate(l.ServicePeriodStart), ServicePeriodEnd: optionalDate(l.ServicePeriodEnd)}
	}
	for i, p := range inv.Payments {
		a, err := formatAmounts(inv.Currency, p.AmountMinor)
		if err != nil {
			return Invoice{}, fmt.Errorf("invoice %s: %w", inv.ID, err)
		}
		resp.Payments[i] = InvoicePayment{Id: p.PaymentID, Amount: a[0], PaidAt: p.PaidAt.UTC(), Method: optional(p.Method, nil)}
	}
	return resp, nil
}

func formatAmounts(currency string, minor ...int64) ([]Amount, error) {
	out := make([]Amount, len(minor))
	for i, m := range minor {
		s, err := money.FormatIn(m, currency)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}
