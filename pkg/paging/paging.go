// Package paging implements the BSS-style list contract: pageIndex
// (1-based) and pageSize query parameters, the
// {"data": [...], "pagination": {...}} envelope, and RFC 8288 Link headers.
package paging

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Limits of the page parameters.
const (
	DefaultPageSize = 10
	MaxPageSize     = 100
	// MaxSkip bounds how deep a caller may page with pageIndex: the items
	// before a page are skipped by the store one by one, so a deep page
	// costs as much as all the pages before it. Beyond it, callers narrow
	// the list (updatedSince, filters) instead.
	MaxSkip = 10_000
	// MaxPageIndex is the largest pageIndex at all (MaxSkip with pageSize 1).
	MaxPageIndex = MaxSkip + 1
)

// Request is a validated page request.
type Request struct {
	Index int // 1-based
	Size  int
}

// Skip is the number of items before the page.
func (r Request) Skip() int64 { return int64(r.Index-1) * int64(r.Size) }

// Limit is the page size as a query limit.
func (r Request) Limit() int64 { return int64(r.Size) }

// ParamError says which parameter is wrong and why.
type ParamError struct {
	Param  string
	Reason string
}

func (e *ParamError) Error() string { return fmt.Sprintf("query parameter %s: %s", e.Param, e.Reason) }

// Parse reads pageIndex and pageSize from q, applying the defaults.
func Parse(q url.Values) (Request, error) {
	index, err := intParam(q, "pageIndex", 1, 1, MaxPageIndex)
	if err != nil {
		return Request{}, err
	}
	size, err := intParam(q, "pageSize", DefaultPageSize, 1, MaxPageSize)
	if err != nil {
		return Request{}, err
	}
	return New(&index, &size)
}

// New checks a page request whose parameters were parsed elsewhere (e.g.
// by code generated from the OpenAPI document); nil means the default.
func New(index, size *int) (Request, error) {
	r := Request{Index: 1, Size: DefaultPageSize}
	if index != nil {
		r.Index = *index
	}
	if size != nil {
		r.Size = *size
	}
	if r.Index < 1 || r.Index > MaxPageIndex {
		return Request{}, &ParamError{"pageIndex", fmt.Sprintf("%d is out of range 1..%d", r.Index, MaxPageIndex)}
	}
	if r.Size < 1 || r.Size > MaxPageSize {
		return Request{}, &ParamError{"pageSize", fmt.Sprintf("%d is out of range 1..%d", r.Size, MaxPageSize)}
	}
	if r.Skip() > MaxSkip {
		return Request{}, &ParamError{"pageIndex", fmt.Sprintf(
			"page %d of size %d starts after item %d; pages may start at most %d items deep (pageIndex up to %d at this pageSize): narrow the list with updatedSince or a filter to go further",
			r.Index, r.Size, r.Skip(), MaxSkip, LastReachable(r.Size))}
	}
	return r, nil
}

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	vals, ok := q[name]
	if !ok {
		return def, nil
	}
	if len(vals) != 1 {
		return 0, &ParamError{name, "must be given once"}
	}
	n, err := strconv.Atoi(vals[0])
	if err != nil {
		return 0, &ParamError{name, fmt.Sprintf("%q is not an integer", vals[0])}
	}
	if n < lo || n > hi {
		return 0, &ParamError{name, fmt.Sprintf("%d is out of range %d..%d", n, lo, hi)}
	}
	return n, nil
}

// withoutPaging returns the raw query without its pageIndex and pageSize
// parameters, the others as they were sent (already escaped).
func withoutPaging(raw string) string {
	var b strings.Builder
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		key, _, _ := strings.Cut(part, "=")
		if strings.ContainsAny(key, "%+") {
			if k, err := url.QueryUnescape(key); err == nil {
				key = k
			}
		}
		if part == "" || key == "pageIndex" || key == "pageSize" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(part)
	}
	return b.String()
}

// LastReachable is the deepest pageIndex allowed for pages of size.
func LastReachable(size int) int64 { return int64(MaxSkip/size) + 1 }

// Pagination is the "pagination" member of a list response.
type Pagination struct {
	PageIndex  int   `json:"pageIndex"`
	PageSize   int   `json:"pageSize"`
	TotalCount int64 `json:"totalCount"`
	TotalPages int64 `json:"totalPages"`
}

// Envelope is a list response.
type Envelope[T any] struct {
	Data       []T        `json:"data"`
	Pagination Pagination `json:"pagination"`
}

// NewEnvelope wraps one page of items.
func NewEnvelope[T any](r Request, items []T, total int64) Envelope[T] {
	if items == nil {
		items = []T{}
	}
	return Envelope[T]{Data: items, Pagination: NewPagination(r, total)}
}

// NewPagination describes page r of a list of total items.
func NewPagination(r Request, total int64) Pagination {
	pages := (total + int64(r.Size) - 1) / int64(r.Size)
	return Pagination{PageIndex: r.Index, PageSize: r.Size, TotalCount: total, TotalPages: pages}
}

// Link returns the RFC 8288 Link header value for the page (first, prev,
// next, last), keeping the request's other query parameters. "last" is
// the last page pageIndex can reach (see MaxSkip).
func (p Pagination) Link(u *url.URL) string {
	// The other parameters are kept as sent; each link only adds its page.
	rest := withoutPaging(u.RawQuery)
	size := strconv.Itoa(p.PageSize)
	var b strings.Builder
	b.Grow(4 * (len(u.Path) + len(rest) + 48))
	link := func(index int64, rel string) {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('<')
		b.WriteString(u.EscapedPath())
		b.WriteString("?pageIndex=")
		b.WriteString(strconv.FormatInt(index, 10))
		b.WriteString("&pageSize=")
		b.WriteString(size)
		if rest != "" {
			b.WriteByte('&')
			b.WriteString(rest)
		}
		b.WriteString(`>; rel="`)
		b.WriteString(rel)
		b.WriteByte('"')
	}
	last := min(max(p.TotalPages, 1), LastReachable(p.PageSize))
	link(1, "first")
	if p.PageIndex > 1 {
		link(min(int64(p.PageIndex-1), last), "prev")
	}
	if int64(p.PageIndex) < last {
		link(int64(p.PageIndex+1), "next")
	}
	link(last, "last")
	return b.String()
}
