package paging

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	r, err := Parse(url.Values{})
	if err != nil || r.Index != 1 || r.Size != 10 {
		t.Fatalf("defaults = %+v, %v", r, err)
	}
	r, err = Parse(url.Values{"pageIndex": {"3"}, "pageSize": {"25"}})
	if err != nil || r.Skip() != 50 || r.Limit() != 25 {
		t.Fatalf("3/25 = %+v, %v", r, err)
	}
	for _, q := range []url.Values{
		{"pageIndex": {"0"}}, {"pageIndex": {"-1"}}, {"pageIndex": {"x"}}, {"pageIndex": {"1", "2"}},
		{"pageSize": {"0"}}, {"pageSize": {"101"}}, {"pageSize": {"99999999999999999999"}}, {"pageIndex": {"100001"}},
		{"pageIndex": {"1002"}}, {"pageIndex": {"102"}, "pageSize": {"100"}},
	} {
		_, err := Parse(q)
		var pe *ParamError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%v) = %v, want a ParamError", q, err)
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
	if r, err := Parse(url.Values{"pageIndex": {"101"}, "pageSize": {"100"}}); err != nil || r.Skip() != MaxSkip {
		t.Fatalf("the deepest page: %+v, %v", r, err)
	}
	_, err := Parse(url.Values{"pageIndex": {"102"}, "pageSize": {"100"}})
	if err == nil || !strings.Contains(err.Error(), "updatedSince") || !strings.Contains(err.Error(), "up to 101") {
		t.Errorf("err = %v, want a pointer to updatedSince and the deepest page", err)
	}
	e := NewEnvelope(Request{Index: 1, Size: 100}, []int{1}, 50_000)
	u, _ := url.Parse("/api/accounts")
	if link := e.Pagination.Link(u); !strings.Contains(link, `pageIndex=101&pageSize=100>; rel="last"`) {
		t.Errorf("Link %q: last should be the deepest reachable page", link)
	}
}

func TestEnvelopeAndLinks(t *testing.T) {
	e := NewEnvelope(Request{Index: 2, Size: 5}, []int{6, 7, 8, 9, 10}, 12)
	if e.Pagination.TotalPages != 3 {
		t.Errorf("totalPages = %d, want 3", e.Pagination.TotalPages)
	}
	u, _ := url.Parse("/api/accounts?pageIndex=2&pageSize=5&status=active")
	link := e.Pagination.Link(u)
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
	empty := NewEnvelope[int](Request{Index: 1, Size: 10}, nil, 0)
	if empty.Data == nil || empty.Pagination.TotalPages != 0 {
		t.Errorf("empty envelope = %+v", empty)
	}
	if l := empty.Pagination.Link(u); strings.Contains(l, "next") || strings.Contains(l, "prev") {
		t.Errorf("empty Link = %q", l)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("pageIndex=2&pageSize=10")
	f.Add("pageIndex=&pageSize=-0")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		r, err := Parse(q)
		if err != nil {
			return
		}
		if r.Index < 1 || r.Index > MaxPageIndex || r.Size < 1 || r.Size > MaxPageSize {
			t.Fatalf("accepted out-of-range request %+v", r)
		}
	})
}
