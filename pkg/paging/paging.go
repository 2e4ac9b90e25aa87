// Package paging implements the list contract: a page request (1-based
// index and size, bounded in depth), the "pagination" member of a BSS
// list, the neighbouring pages, and RFC 8288 Link headers. The query
// parameters themselves are parsed by the code generated from the OpenAPI
// documents.
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

// Params names the page parameters of a style of list (the page index,
// its size and the cursor of a cursor walk); errors name them.
type Params struct{ Index, Size, Cursor string }

// The page parameters of the BSS lists and of the JSON:API lists.
var (
	BSS     = Params{Index: "pageIndex", Size: "pageSize", Cursor: "pageToken"}
	JSONAPI = Params{Index: "page[number]", Size: "page[size]", Cursor: "page[cursor]"}
)

// New checks a page request whose parameters were parsed elsewhere (by
// the code generated from the OpenAPI document); nil means the default.
func (ps Params) New(index, size *int) (Request, error) {
	r := Request{Index: 1, Size: DefaultPageSize}
	if index != nil {
		r.Index = *index
	}
	if size != nil {
		r.Size = *size
	}
	if r.Index < 1 || r.Index > MaxPageIndex {
		return Request{}, &ParamError{ps.Index, fmt.Sprintf("%d is out of range 1..%d", r.Index, MaxPageIndex)}
	}
	if r.Size < 1 || r.Size > MaxPageSize {
		return Request{}, &ParamError{ps.Size, fmt.Sprintf("%d is out of range 1..%d", r.Size, MaxPageSize)}
	}
	if r.Skip() > MaxSkip {
		return Request{}, &ParamError{ps.Index, fmt.Sprintf(
			"page %d of size %d starts after item %d; pages may start at most %d items deep (%s up to %d at this %s): narrow the list with updatedSince or a filter to go further",
			r.Index, r.Size, r.Skip(), MaxSkip, ps.Index, LastReachable(r.Size), ps.Size)}
	}
	return r, nil
}

// withoutPaging returns the raw query without its pageIndex, pageSize
// and pageToken parameters, the others as they were sent (already
// escaped). When the others are one run of the query (the paging
// parameters first or last, as clients usually send them), that run is
// returned as it is, without building a string.
func withoutPaging(raw string) string {
	var b strings.Builder
	start, end := -1, -1 // the run of kept parts so far, while there is one
	for pos := 0; pos < len(raw); {
		part := raw[pos:]
		if i := strings.IndexByte(part, '&'); i >= 0 {
			part = part[:i]
		}
		partStart := pos
		pos += len(part) + 1
		key, _, _ := strings.Cut(part, "=")
		if strings.ContainsAny(key, "%+") {
			if k, err := url.QueryUnescape(key); err == nil {
				key = k
			}
		}
		if part == "" || key == "pageIndex" || key == "pageSize" || key == "pageToken" {
			continue
		}
		switch {
		case start < 0 && b.Len() == 0: // the first kept part
			start, end = partStart, partStart+len(part)
			continue
		case start >= 0 && partStart == end+1: // the run goes on
			end = partStart + len(part)
			continue
		case start >= 0: // a gap: the run so far is copied
			b.WriteString(raw[start:end])
			start = -1
		}
		b.WriteByte('&')
		b.WriteString(part)
	}
	if start >= 0 {
		return raw[start:end]
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

// NewPagination describes page r of a list of total items.
func NewPagination(r Request, total int64) Pagination {
	pages := (total + int64(r.Size) - 1) / int64(r.Size)
	return Pagination{PageIndex: r.Index, PageSize: r.Size, TotalCount: total, TotalPages: pages}
}

// Pages returns the neighbours of the page: prev and next (0 when there
// is none) and last, the last page pageIndex can reach (see MaxSkip).
func (p Pagination) Pages() (prev, next, last int64) {
	last = min(max(p.TotalPages, 1), LastReachable(p.PageSize))
	if p.PageIndex > 1 {
		prev = min(int64(p.PageIndex-1), last)
	}
	if int64(p.PageIndex) < last {
		next = int64(p.PageIndex + 1)
	}
	return prev, next, last
}

// NextLink is the RFC 8288 Link header value of the next page of a
// cursor walk: the request's other query parameters, pageSize and the
// next page's token.
func NextLink(u *url.URL, size int, token string) string {
	rest := withoutPaging(u.RawQuery)
	link := "<" + u.EscapedPath() + "?pageSize=" + strconv.Itoa(size) + "&pageToken=" + url.QueryEscape(token)
	if rest != "" {
		link += "&" + rest
	}
	return link + `>; rel="next"`
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
	prev, next, last := p.Pages()
	link(1, "first")
	if prev > 0 {
		link(prev, "prev")
	}
	if next > 0 {
		link(next, "next")
	}
	link(last, "last")
	return b.String()
}
