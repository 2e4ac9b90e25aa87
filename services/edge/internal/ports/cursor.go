package ports

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/pagetoken"
	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/pkg/problem"
	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/services/edge/internal/app"
)

// WithPageTokens sets the codec of cursor paging's tokens (the edge's
// PAGE_TOKEN_KEY, the same on every replica).
func (h *HTTP) WithPageTokens(c *pagetoken.Codec) *HTTP {
	h.tokens = c
	return h
}

// accountsBinding is what an account list's page token is bound to: the
// caller and every filter and the sort (not the page size, which a walk
// may change).
func accountsBinding(c app.Caller, f app.AccountFilter) string {
	return strings.Join([]string{"accounts", c.ResellerID, c.Subject, f.Status, f.Search, f.UpdatedSince.UTC().Format(time.RFC3339Nano),
		f.Sort.Field, strconv.FormatBool(f.Sort.Desc), strconv.FormatBool(f.IncludeDownstream)}, "\x00")
}

// accountPosition is where a page ending with a ends in f's sort.
func accountPosition(a directory.Account, f app.AccountFilter) pagetoken.Position {
	switch f.Sort.Field {
	case "createdAt":
		return pagetoken.Position{Value: a.CreatedAt.UTC().Format(time.RFC3339Nano), ID: a.ID}
	case "updatedAt":
		return pagetoken.Position{Value: a.UpdatedAt.UTC().Format(time.RFC3339Nano), ID: a.ID}
	}
	return pagetoken.Position{Value: a.Name, ID: a.ID}
}

// listAccountsAfter serves a page of GET /api/accounts by pageToken.
func (h *HTTP) listAccountsAfter(c *gin.Context, params ListAccountsParams, f app.AccountFilter) {
	accounts, next, ok := cursorPage(h, c, params.PageIndex, params.PageSize, *params.PageToken, accountsBinding(caller(c), f),
		func(after *pagetoken.Position, limit int) ([]directory.Account, error) {
			return h.app.Queries.ListAccounts.After(c.Request.Context(), caller(c), f, after, limit)
		},
		func(a directory.Account) pagetoken.Position { return accountPosition(a, f) })
	if !ok {
		return
	}
	list := AccountList{Data: make([]Account, len(accounts)), NextPageToken: next}
	optionals := make([]string, 0, 4*len(accounts))
	for i, a := range accounts {
		list.Data[i] = accountResponse(a, &optionals)
	}
	c.Header("Cache-Control", "private, no-store")
	writeJSON(c, http.StatusOK, list)
}

// cursorPage reads the page after token: read is called for one item more
// than the page holds, to know whether another follows; position is where
// an item ends a page. It answers the error itself and returns false on
// one; otherwise the page's items and the next page's token (nil on the
// last), which the Link header names too.
func cursorPage[T any](h *HTTP, c *gin.Context, pageIndex, pageSize *int, token, binding string,
	read func(after *pagetoken.Position, limit int) ([]T, error), position func(T) pagetoken.Position) ([]T, *string, bool) {
	if pageIndex != nil {
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidParameter,
			"pageToken and pageIndex page the list two ways: send one of them."))
		return nil, nil, false
	}
	page, ok := pageOf(c, paging.BSS, nil, pageSize)
	if !ok {
		return nil, nil, false
	}
	after, err := h.tokens.Decode(binding, token)
	if err != nil {
		httpserver.Fail(c, badPageToken(err))
		return nil, nil, false
	}
	items, err := read(&after, page.Size+1)
	switch {
	case errors.Is(err, pagetoken.ErrInvalid):
		httpserver.Fail(c, badPageToken(err))
		return nil, nil, false
	case err != nil:
		h.fail(c, err)
		return nil, nil, false
	}
	var next *string
	if len(items) > page.Size {
		items = items[:page.Size]
		t := h.tokens.Encode(binding, position(items[len(items)-1]))
		next = &t
		c.Header("Link", paging.NextLink(c.Request.URL, page.Size, t))
	}
	return items, next, true
}

// firstPageToken is the token of the page after a first page asked for
// without pageIndex (it starts a cursor walk), or nil when there is none.
func firstPageToken[T any](h *HTTP, pageIndex *int, page paging.Request, total int64, items []T, binding string, position func(T) pagetoken.Position) *string {
	if pageIndex != nil || len(items) == 0 || int64(page.Size) >= total {
		return nil
	}
	t := h.tokens.Encode(binding, position(items[len(items)-1]))
	return &t
}

// invoicesBinding is what an invoice list's page token is bound to.
func invoicesBinding(c app.Caller, f app.InvoiceFilter) string {
	return strings.Join([]string{"invoices", c.ResellerID, c.Subject, f.Status, f.IssuedFrom, f.IssuedTo, f.DueBefore, f.AccountID,
		f.UpdatedSince.UTC().Format(time.RFC3339Nano), f.Sort.Field, strconv.FormatBool(f.Sort.Desc)}, "\x00")
}

// invoicePosition is where a page ending with inv ends in f's sort.
func invoicePosition(inv app.Invoice, f app.InvoiceFilter) pagetoken.Position {
	d := inv.Invoice
	switch f.Sort.Field {
	case "dueDate":
		return pagetoken.Position{Value: d.DueDate, ID: d.ID}
	case "number":
		return pagetoken.Position{Value: d.Number, ID: d.ID}
	case "total":
		return pagetoken.Position{Value: strconv.FormatInt(d.TotalMinor, 10), ID: d.ID}
	case "updatedAt":
		return pagetoken.Position{Value: d.UpdatedAt.UTC().Format(time.RFC3339Nano), ID: d.ID}
	}
	return pagetoken.Position{Value: d.IssueDate, ID: d.ID}
}

func badPageToken(err error) problem.Problem {
	return problem.New(http.StatusBadRequest, problem.TypeInvalidParameter,
		"The pageToken is not one this list issued for these filters and this caller ("+err.Error()+"): start again without it.")
}

// productsBinding is what a product list's page token is bound to.
func productsBinding(c app.Caller, f app.ProductFilter) string {
	return strings.Join([]string{"products", c.ResellerID, c.Subject, f.Search, f.Category, f.Vendor, f.BillingType, f.BillingPeriod,
		f.UpdatedSince.UTC().Format(time.RFC3339Nano), f.Sort.Field, strconv.FormatBool(f.Sort.Desc)}, "\x00")
}

// productPosition is where a page ending with o ends in f's sort.
func productPosition(o catalog.Offer, f app.ProductFilter) pagetoken.Position {
	switch f.Sort.Field {
	case "vendor":
		return pagetoken.Position{Value: o.Vendor, ID: o.ID}
	case "category":
		return pagetoken.Position{Value: o.Category, ID: o.ID}
	case "updatedAt":
		return pagetoken.Position{Value: o.UpdatedAt.UTC().Format(time.RFC3339Nano), ID: o.ID}
	}
	return pagetoken.Position{Value: o.Name, ID: o.ID}
}
