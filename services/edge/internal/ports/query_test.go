package ports

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseAccountQuery(t *testing.T) {
	f, page, err := ParseAccountQuery(url.Values{"pageIndex": {"2"}, "pageSize": {"5"}, "search": {"acme"},
		"status": {"suspended"}, "updatedSince": {"2026-01-31T00:00:00Z"}, "sort": {"-updatedAt"}})
	if err != nil {
		t.Fatal(err)
	}
	if page.Index != 2 || page.Size != 5 || f.Search != "acme" || f.Status != "suspended" ||
		f.UpdatedSince.Year() != 2026 || f.Sort.Field != "updatedAt" || !f.Sort.Desc {
		t.Errorf("parsed %+v %+v", f, page)
	}
	if f, _, _ := ParseAccountQuery(url.Values{}); f.Sort.Field != "name" || f.Sort.Desc {
		t.Errorf("default sort = %+v", f.Sort)
	}

	for _, tt := range []struct {
		query, want string
	}{
		{"pageSize=1000", "pageSize"},
		{"pageIndex=abc", "pageIndex"},
		{"status=deleted", "status"},
		{"status=active&status=closed", "once"},
		{"updatedSince=yesterday", "RFC 3339"},
		{"sort=email", "sort"},
		{"pagesize=5", "unknown"},
		{"search=" + strings.Repeat("x", 101), "at most 100"},
		{"search=%ff", "valid text"},
	} {
		q, _ := url.ParseQuery(tt.query)
		_, _, err := ParseAccountQuery(q)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", tt.query, err, tt.want)
		}
	}
}

func FuzzListQuery(f *testing.F) {
	f.Add("pageIndex=2&pageSize=5&search=acme&status=active&updatedSince=2026-01-31T00:00:00Z&sort=-name")
	f.Add("sort=-&status=&search=%00")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		filter, page, err := ParseAccountQuery(q)
		if err != nil {
			return
		}
		if page.Index < 1 || page.Size < 1 || page.Size > 100 || filter.ResellerID != "" {
			t.Fatalf("accepted %q as %+v %+v", raw, filter, page)
		}
		switch filter.Sort.Field {
		case "name", "createdAt", "updatedAt":
		default:
			t.Fatalf("accepted sort field %q", filter.Sort.Field)
		}
	})
}
