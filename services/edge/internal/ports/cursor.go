package ports

import (
	"context"
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
	. "github.com/resellerapi/platform/services/edge/representation"
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

// lister is a list query of the application: Handle reads a page by
// index (with the total), After the items after a position (cursor paging).
type lister[F, T any] interface {
	Handle(ctx context.Context, caller app.Caller, f F, page paging.Request) ([]T, int64, error)
	After(ctx context.Context, caller app.Caller, f F, after *pagetoken.Position, limit int) ([]T, error)
}

// listRequest is one request for a page of a list filtered by f: by
// pageIndex, or after cursor when it is sent; binding is what its cursors
// are bound to (built only when a cursor is read or issued), position
// where an item ends a page.
type listRequest[F, T any] struct {
	pageIndex, pageSize *int
	cursor              *string
	f                   F
	binding             func(app.Caller, F) string
	position            func(T, F) pagetoken.Position
}

// listed is one page of a list as read: its items, the page request it
// answered, the total when read by index (nil after a cursor) and the
// cursor of the page after it (nil when there is none).
type listed[T any] struct {
	items []T
	page  paging.Request
	total *int64
	next  *string
}

// readList reads one page of a list whose parameters are named by ps:
// after the cursor when the request sends one (cursorPage), or else by
// index with the total and, on a first page asked for without an index,
// the cursor of the page after it (a cursor walk starts there). It
// answers an error itself and returns false.
func readList[F, T any](h *HTTP, c *gin.Context, ps paging.Params, list lister[F, T], r listRequest[F, T]) (listed[T], bool) {
	ctx, who := c.Request.Context(), caller(c)
	position := func(item T) pagetoken.Position { return r.position(item, r.f) }
	if r.cursor != nil {
		items, next, page, ok := cursorPage(h, c, ps, r.pageIndex, r.pageSize, *r.cursor, r.binding(who, r.f),
			func(after *pagetoken.Position, limit int) ([]T, error) {
				return list.After(ctx, who, r.f, after, limit)
			},
			position)
		return listed[T]{items: items, page: page, next: next}, ok
	}
	page, ok := pageOf(c, ps, r.pageIndex, r.pageSize)
	if !ok {
		return listed[T]{}, false
	}
	items, total, err := list.Handle(ctx, who, r.f, page)
	if err != nil {
		h.fail(c, err)
		return listed[T]{}, false
	}
	l := listed[T]{items: items, page: page, total: &total}
	if r.pageIndex == nil && len(items) > 0 && int64(page.Size) < total {
		t := h.tokens.Encode(r.binding(who, r.f), position(items[len(items)-1]))
		l.next = &t
	}
	return l, true
}

// listPage reads one page of a BSS list (readList) and answers its Link
// header: the pages by index with the pagination member, or the next page
// after a pageToken.
func listPage[F, T any](h *HTTP, c *gin.Context, list lister[F, T], r listRequest[F, T]) (items []T, pagination *Pagination, next *string, ok bool) {
	l, ok := readList(h, c, paging.BSS, list, r)
	switch {
	case !ok:
		return nil, nil, nil, false
	case l.total == nil:
		if l.next != nil {
			c.Header("Link", paging.NextLink(c.Request.URL, l.page.Size, *l.next))
		}
		return l.items, nil, l.next, true
	}
	p := listPagination(c, l.page, *l.total)
	return l.items, &p, l.next, true
}

// cursorPage reads the page after token in a list of style ps: read is
// called for one item more than the page holds, to know whether another
// follows; position is where an item ends a page. It answers the error
// itself and returns false on one; otherwise the page's items, the next
// page's token (nil on the last) and the page request (its size).
func cursorPage[T any](h *HTTP, c *gin.Context, ps paging.Params, pageIndex, pageSize *int, token, binding string,
	read func(after *pagetoken.Position, limit int) ([]T, error), position func(T) pagetoken.Position) ([]T, *string, paging.Request, bool) {
	if pageIndex != nil {
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidParameter,
			ps.Cursor+" and "+ps.Index+" page the list two ways: send one of them."))
		return nil, nil, paging.Request{}, false
	}
	page, ok := pageOf(c, ps, nil, pageSize)
	if !ok {
		return nil, nil, paging.Request{}, false
	}
	after, err := h.tokens.Decode(binding, token)
	if err != nil {
		httpserver.Fail(c, badPageToken(ps, err))
		return nil, nil, paging.Request{}, false
	}
	items, err := read(&after, page.Size+1)
	switch {
	case errors.Is(err, pagetoken.ErrInvalid):
		httpserver.Fail(c, badPageToken(ps, err))
		return nil, nil, paging.Request{}, false
	case err != nil:
		h.fail(c, err)
		return nil, nil, paging.Request{}, false
	}
	var next *string
	if len(items) > page.Size {
		items = items[:page.Size]
		t := h.tokens.Encode(binding, position(items[len(items)-1]))
		next = &t
	}
	return items, next, page, true
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

func badPageToken(ps paging.Params, err error) problem.Problem {
	return problem.New(http.StatusBadRequest, problem.TypeInvalidParameter,
		"The "+ps.Cursor+" is not one this list issued for these filters and this caller ("+err.Error()+"): start again without it.")
}

// resellersBinding is what a reseller list's cursor is bound to.
func resellersBinding(c app.Caller, f app.ResellerFilter) string {
	return strings.Join([]string{"resellers", c.ResellerID, c.Subject, strconv.FormatBool(c.OwnResellerOnly), f.ParentID, f.Status}, "\x00")
}

// resellerPosition is where a page ending with r ends (by name and id).
func resellerPosition(r directory.Reseller, _ app.ResellerFilter) pagetoken.Position {
	return pagetoken.Position{Value: r.Name, ID: r.ID}
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
