package paging

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	ptr := func(n int) *int { return &n }
	if _, err := JSONAPI.New(ptr(0), nil); err == nil || !strings.Contains(err.Error(), "page[number]") {
		t.Errorf("JSON:API parameter names: err = %v", err)
	}
	r, err := BSS.New(nil, nil)
	if err != nil || r.Index != 1 || r.Size != 10 {
		t.Fatalf("defaults = %+v, %v", r, err)
	}
	r, err = BSS.New(ptr(3), ptr(25))
	if err != nil || r.Skip() != 50 || r.Limit() != 25 {
		t.Fatalf("3/25 = %+v, %v", r, err)
	}
	for _, c := range []struct{ index, size *int }{
		{ptr(0), nil}, {ptr(-1), nil}, {nil, ptr(0)}, {nil, ptr(101)}, {ptr(100001), nil},
		{ptr(1002), nil}, {ptr(102), ptr(100)},
	} {
		_, err := BSS.New(c.index, c.size)
		var pe *ParamError
		if !errors.As(err, &pe) {
			t.Errorf("BSS.New(%v, %v) = %v, want a ParamError", c.index, c.size, err)
		}
	}
}

func TestLinksKeepTheOtherParametersAsSent(t *testing.T) {
	p := NewPagination(Request{Index: 1, Size: 10}, 25)
	u, _ := url.Parse("/api/accounts?search=caf%C3%A9+bar&page%49ndex=3&pageSize=10&status=active&&sort=-name")
	link := p.Link(u)
	want := `</api/accounts?pageIndex=2&pageSize=10&search=caf%C3%A9+bar&status=active&sort=-name>; rel="next"`
	if !strings.Contains(link, want) || strings.Contains(link, "page%49ndex") {
		t.Errorf("Link = %q, want it to contain %q", link, want)
	}
}

func TestSkipDepthIsBounded(t *testing.T) {
	index, size := 101, 100
	if r, err := BSS.New(&index, &size); err != nil || r.Skip() != MaxSkip {
		t.Fatalf("the deepest page: %+v, %v", r, err)
	}
	index = 102
	_, err := BSS.New(&index, &size)
	if err == nil || !strings.Contains(err.Error(), "updatedSince") || !strings.Contains(err.Error(), "up to 101") {
		t.Errorf("err = %v, want a pointer to updatedSince and the deepest page", err)
	}
	p := NewPagination(Request{Index: 1, Size: 100}, 50_000)
	u, _ := url.Parse("/api/accounts")
	if link := p.Link(u); !strings.Contains(link, `pageIndex=101&pageSize=100>; rel="last"`) {
		t.Errorf("Link %q: last should be the deepest reachable page", link)
	}
}

func TestPaginationAndLinks(t *testing.T) {
	p := NewPagination(Request{Index: 2, Size: 5}, 12)
	if p.TotalPages != 3 {
		t.Errorf("totalPages = %d, want 3", p.TotalPages)
	}
	if prev, next, last := p.Pages(); prev != 1 || next != 3 || last != 3 {
		t.Errorf("Pages() = %d, %d, %d; want 1, 3, 3", prev, next, last)
	}
	u, _ := url.Parse("/api/accounts?pageIndex=2&pageSize=5&status=active")
	link := p.Link(u)
	for _, want := range []string{
		`</api/accounts?pageIndex=1&pageSize=5&status=active>; rel="first"`,
		`</api/accounts?pageIndex=1&pageSize=5&status=active>; rel="prev"`,
		`</api/accounts?pageIndex=3&pageSize=5&status=active>; rel="next"`,
		`</api/accounts?pageIndex=3&pageSize=5&status=active>; rel="last"`,
	} {
		if !strings.Contains(link, want) {
			t.Errorf("Link %q lacks %q", link, want)
		}
	}
	empty := NewPagination(Request{Index: 1, Size: 10}, 0)
	if empty.TotalPages != 0 {
		t.Errorf("empty pagination = %+v", empty)
	}
	if prev, next, last := empty.Pages(); prev != 0 || next != 0 || last != 1 {
		t.Errorf("empty Pages() = %d, %d, %d; want 0, 0, 1", prev, next, last)
	}
	if l := empty.Link(u); strings.Contains(l, "next") || strings.Contains(l, "prev") {
		t.Errorf("empty Link = %q", l)
	}
}

// Whatever the parameters, an accepted request is in range and no deeper
// than MaxSkip, and its neighbours stay within the reachable pages.
func FuzzNew(f *testing.F) {
	f.Add(2, 10, int64(48))
	f.Add(-1, 0, int64(0))
	f.Add(10001, 1, int64(1<<40))
	f.Fuzz(func(t *testing.T, index, size int, total int64) {
		r, err := BSS.New(&index, &size)
		if err != nil {
			return
		}
		if r.Index < 1 || r.Index > MaxPageIndex || r.Size < 1 || r.Size > MaxPageSize || r.Skip() > MaxSkip {
			t.Fatalf("accepted out-of-range request %+v", r)
		}
		if total < 0 {
			total = -total
		}
		prev, next, last := NewPagination(r, total%(1<<50)).Pages()
		if last < 1 || last > LastReachable(r.Size) || prev < 0 || prev > last || next > last {
			t.Fatalf("Pages() of %+v over %d = %d, %d, %d", r, total, prev, next, last)
		}
	})
}

// keptParts is withoutPaging's rule written plainly: every non-empty part
// whose name is not a paging parameter, joined again.
func keptParts(raw string) string {
	var kept []string
	for _, part := range strings.Split(raw, "&") {
		key, _, _ := strings.Cut(part, "=")
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		if part != "" && key != "pageIndex" && key != "pageSize" && key != "pageToken" {
			kept = append(kept, part)
		}
	}
	return strings.Join(kept, "&")
}

func TestWithoutPagingKeepsTheOtherParts(t *testing.T) {
	for _, raw := range []string{"", "pageIndex=1", "pageIndex=1&pageSize=10&status=active&sort=name",
		"status=active&sort=name&pageIndex=2", "a=1&pageIndex=2&b=2", "&&a=1&&b&pageToken=x&", "page%49ndex=3&c=%zz"} {
		if got, want := withoutPaging(raw), keptParts(raw); got != want {
			t.Errorf("withoutPaging(%q) = %q, want %q", raw, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { withoutPaging("pageIndex=1&pageSize=10&status=active&sort=name") }); n != 0 {
		t.Errorf("the paging parameters first: %v allocations, want none", n)
	}
}

func FuzzWithoutPaging(f *testing.F) {
	f.Add("pageIndex=1&pageSize=10&status=active&sort=name")
	f.Add("a=1&&pageSize=2&b=%41&pageToken")
	f.Fuzz(func(t *testing.T, raw string) {
		if got, want := withoutPaging(raw), keptParts(raw); got != want {
			t.Errorf("withoutPaging(%q) = %q, want %q", raw, got, want)
		}
	})
}
