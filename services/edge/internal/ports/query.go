package ports

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/services/edge/internal/app"
)

var (
	accountParams   = []string{"pageIndex", "pageSize", "search", "status", "updatedSince", "sort"}
	accountStatuses = []string{"active", "suspended", "closed"}
	accountSorts    = []string{"name", "createdAt", "updatedAt"}
)

const maxSearchLength = 100

// ParseAccountQuery validates the query of GET /api/accounts. Unknown
// parameters are refused so that a misspelt filter is not silently
// ignored.
func ParseAccountQuery(q url.Values) (app.AccountFilter, paging.Request, error) {
	var f app.AccountFilter
	if err := onlyKnown(q, accountParams); err != nil {
		return f, paging.Request{}, err
	}
	page, err := paging.Parse(q)
	if err != nil {
		return f, paging.Request{}, err
	}
	get := func(name string) (string, error) {
		if len(q[name]) > 1 {
			return "", &paging.ParamError{Param: name, Reason: "must be given once"}
		}
		return q.Get(name), nil
	}
	if f.Search, err = get("search"); err != nil {
		return f, page, err
	}
	if !utf8.ValidString(f.Search) || utf8.RuneCountInString(f.Search) > maxSearchLength {
		return f, page, &paging.ParamError{Param: "search", Reason: fmt.Sprintf("must be valid text of at most %d characters", maxSearchLength)}
	}
	if f.Status, err = get("status"); err != nil {
		return f, page, err
	}
	if f.Status != "" && !slices.Contains(accountStatuses, f.Status) {
		return f, page, &paging.ParamError{Param: "status", Reason: fmt.Sprintf("%q is not one of %s", f.Status, strings.Join(accountStatuses, ", "))}
	}
	since, err := get("updatedSince")
	if err != nil {
		return f, page, err
	}
	if since != "" {
		if f.UpdatedSince, err = time.Parse(time.RFC3339, since); err != nil {
			return f, page, &paging.ParamError{Param: "updatedSince", Reason: fmt.Sprintf("%q is not an RFC 3339 time such as 2026-01-31T00:00:00Z", since)}
		}
	}
	sortBy, err := get("sort")
	if err != nil {
		return f, page, err
	}
	f.Sort = app.AccountSort{Field: "name"}
	if sortBy != "" {
		field, desc := strings.CutPrefix(sortBy, "-")
		if !slices.Contains(accountSorts, field) {
			return f, page, &paging.ParamError{Param: "sort", Reason: fmt.Sprintf("%q is not one of %s (prefix - for descending)", sortBy, strings.Join(accountSorts, ", "))}
		}
		f.Sort = app.AccountSort{Field: field, Desc: desc}
	}
	return f, page, nil
}

func onlyKnown(q url.Values, known []string) error {
	var unknown []string
	for k := range q {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return &paging.ParamError{Param: strings.Join(unknown, ", "), Reason: "unknown; the parameters are " + strings.Join(known, ", ")}
}
