package ports

import (
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/resellerapi/platform/services/edge/internal/app"
	. "github.com/resellerapi/platform/services/edge/representation"
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
		f: f, binding: invoicesBinding, position: invoicePosition,
	})
	if !ok {
		return
	}
	list := InvoiceList{Data: make([]InvoiceSummary, len(invoices)), Pagination: pagination, NextPageToken: next}
	var err error
	for i, inv := range invoices {
		if list.Data[i], err = NewInvoiceSummary(inv.Invoice, inv.Status, inv.AccountNames); err != nil {
			h.fail(c, err)
			return
		}
	}
	writeJSON(c, http.StatusOK, list)
}

// GetInvoice serves GET /api/invoices/{id}.
func (h *HTTP) GetInvoice(c *gin.Context, id string, _ GetInvoiceParams) {
	inv, err := h.app.Queries.GetInvoice.Handle(c.Request.Context(), caller(c), id)
	if err == nil {
		var resp Invoice
		if resp, err = NewInvoice(inv.Invoice, inv.Status, inv.AccountNames); err == nil {
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
