package ports

import (
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/contract"
	"github.com/resellerapi/platform/services/edge/api"
)

// The routes are the document's /api operations, no more and no less:
// routes stands in for the generated RegisterHandlers.
func TestRoutesAreTheDocumentsOperations(t *testing.T) {
	doc, err := contract.Load(api.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, op := range doc.Operations() {
		if strings.HasPrefix(op.Path, "/api/") {
			want = append(want, op.Method+" "+strings.NewReplacer("{", ":", "}", "").Replace(op.Path))
		}
	}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	routes(e, (*HTTP)(nil))
	var got []string
	for _, r := range e.Routes() {
		got = append(got, r.Method+" "+r.Path)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("routes %v\nwant the document's %v", got, want)
	}
}

// Parameters are bound from one parse of the query as the generated
// wrapper binds them: typed, optional ones left nil, headers given once.
func TestBindParameters(t *testing.T) {
	bind := func(target, version string) (ListAccountsParams, error) {
		r := httptest.NewRequest("GET", target, nil)
		if version != "" {
			r.Header.Set("X-api-version", version)
		}
		var p ListAccountsParams
		err := paramFields(reflect.TypeFor[ListAccountsParams]()).bind(r, reflect.ValueOf(&p).Elem())
		return p, err
	}
	p, err := bind("/api/accounts?pageIndex=2&status=active&updatedSince=2026-01-02T03:04:05Z&includeDownstream=true", "3")
	if p.PageIndex == nil || *p.PageIndex != 2 || p.PageSize != nil || p.Status == nil || *p.Status != "active" ||
		p.UpdatedSince == nil || !p.UpdatedSince.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) ||
		p.IncludeDownstream == nil || !*p.IncludeDownstream || p.XApiVersion == nil || *p.XApiVersion != "3" || p.Search != nil {
		t.Errorf("params = %+v, %v", p, err)
	}
	fields := paramFields(reflect.TypeFor[ListAccountsParams]())
	for _, c := range []struct{ target, header, want string }{
		{"/api/accounts?pageIndex=two", "", "Invalid format for parameter pageIndex"},
		{"/api/accounts?updatedSince=yesterday", "", "Invalid format for parameter updatedSince"},
	} {
		r := httptest.NewRequest("GET", c.target, nil)
		var p ListAccountsParams
		if err := fields.bind(r, reflect.ValueOf(&p).Elem()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.target, err, c.want)
		}
	}
	r := httptest.NewRequest("GET", "/api/accounts", nil)
	r.Header["X-Api-Version"] = []string{"3", "3"}
	var twice ListAccountsParams
	if err := fields.bind(r, reflect.ValueOf(&twice).Elem()); err == nil || !strings.Contains(err.Error(), "Expected one value for X-api-version") {
		t.Errorf("a header given twice: err = %v", err)
	}
}

// Whatever the query, binding answers with parameters or an error.
func FuzzBindParameters(f *testing.F) {
	f.Add("pageIndex=2&status=active&updatedSince=2026-01-02T03:04:05Z", "3")
	f.Add("pageIndex=%zz&pageIndex=1&sort=-name", "")
	f.Fuzz(func(t *testing.T, query, version string) {
		r := httptest.NewRequest("GET", "/api/accounts", nil)
		r.URL.RawQuery = query
		r.Header["X-Api-Version"] = []string{version}
		var p ListInvoicesParams
		_ = paramFields(reflect.TypeFor[ListInvoicesParams]()).bind(r, reflect.ValueOf(&p).Elem())
	})
}
