package ports

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/httpserver"
	. "github.com/resellerapi/platform/services/edge/representation"
)

// accountsLister captures the parameters the generated wrapper binds.
type accountsLister struct {
	ServerInterface // the other operations are not called
	got             *ListAccountsParams
	called          *bool
}

func (l accountsLister) ListAccounts(_ *gin.Context, p ListAccountsParams) {
	*l.got = p
	if l.called != nil {
		*l.called = true
	}
}

// The generated wrappers (our template) bind parameters as the document
// declares them: typed, optional ones left nil, a header given once, and
// a value of the wrong type a 400 problem naming the parameter.
func TestGeneratedWrappersBindParameters(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	serve := func(target string, header http.Header) (ListAccountsParams, *httptest.ResponseRecorder) {
		var p ListAccountsParams
		e := gin.New()
		RegisterHandlersWithOptions(e, accountsLister{got: &p}, GinServerOptions{ErrorHandler: httpserver.BadParameter})
		r := httptest.NewRequest(http.MethodGet, target, nil)
		for k, v := range header {
			r.Header[k] = v
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		return p, w
	}
	p, w := serve("/api/accounts?pageIndex=2&status=active&updatedSince=2026-01-02T03:04:05Z&includeDownstream=true",
		http.Header{"X-Api-Version": {"3"}})
	if p.PageIndex == nil || *p.PageIndex != 2 || p.PageSize != nil || p.Status == nil || *p.Status != "active" ||
		p.UpdatedSince == nil || !p.UpdatedSince.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) ||
		p.IncludeDownstream == nil || !*p.IncludeDownstream || p.XApiVersion == nil || *p.XApiVersion != "3" || p.Search != nil {
		t.Errorf("params = %+v (status %d)", p, w.Code)
	}
	if p, w := serve("/api/accounts?pageSize=5&sort=-name&search=&includeDownstream=false", nil); p.PageSize == nil || *p.PageSize != 5 ||
		p.Sort == nil || *p.Sort != "-name" || p.Search == nil || *p.Search != "" || p.IncludeDownstream == nil || *p.IncludeDownstream {
		t.Errorf("params = %+v (status %d)", p, w.Code)
	}
	for _, c := range []struct {
		target string
		header http.Header
		want   string
	}{
		{"/api/accounts?pageIndex=two", nil, "Invalid format for parameter pageIndex"},
		{"/api/accounts?updatedSince=yesterday", nil, "Invalid format for parameter updatedSince"},
		{"/api/accounts?pageSize=1&pageSize=2", nil, "Invalid format for parameter pageSize: it is given 2 times"},
		{"/api/accounts?status=active&status=closed", nil, "Invalid format for parameter status: it is given 2 times"},
		{"/api/accounts?includeDownstream=maybe", nil, "Invalid format for parameter includeDownstream: not true or false"},
		{"/api/accounts?pageIndex=", nil, "Invalid format for parameter pageIndex: not an integer"},
		{"/api/accounts", http.Header{"X-Api-Version": {"3", "3"}}, "Expected one value for X-api-version"},
	} {
		_, w := serve(c.target, c.header)
		if w.Code != http.StatusBadRequest || w.Header().Get("Content-Type") != "application/problem+json" || !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("%s %v: %d %s %s, want a 400 problem saying %q", c.target, c.header, w.Code, w.Header().Get("Content-Type"), w.Body, c.want)
		}
	}
}

// Whatever the query and version header, a generated wrapper either
// calls the operation or answers a 400 problem; it never panics.
func FuzzGeneratedWrappers(f *testing.F) {
	f.Add("pageIndex=2&status=active&updatedSince=2026-01-02T03:04:05Z", "3")
	f.Add("pageIndex=%zz&pageIndex=1&sort=-name&includeDownstream=maybe", "")
	gin.SetMode(gin.ReleaseMode)
	f.Fuzz(func(t *testing.T, query, version string) {
		var p ListAccountsParams
		called := false
		e := gin.New()
		RegisterHandlersWithOptions(e, accountsLister{got: &p, called: &called}, GinServerOptions{ErrorHandler: httpserver.BadParameter})
		r := httptest.NewRequest(http.MethodGet, "/api/accounts", nil)
		r.URL.RawQuery = query
		r.Header["X-Api-Version"] = []string{version}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if called == (w.Code == http.StatusBadRequest) {
			t.Errorf("?%s: called %v, answered %d %s", query, called, w.Code, w.Body)
		}
	})
}
