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
	} {
		_, err := Parse(q)
		var pe *ParamError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%v) = %v, want a ParamError", q, err)
		}
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
