// Package ports serves the edge's public HTTP API. Its types and server
// interface are generated from the OpenAPI document (openapi.gen.go, `make
// api`); this file implements that interface. Around it: API-version
// negotiation, the authenticator chain, request validation against the
// document, and errors in the style of each route group (problem
// documents for the BSS routes, JSON:API errors for /api/v3).
package ports

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/callerauth"
	"github.com/resellerapi/platform/pkg/contract"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/jsonapi"
	"github.com/resellerapi/platform/pkg/pagetoken"
	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/pkg/problem"
	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/services/edge/internal/app"
	. "github.com/resellerapi/platform/services/edge/representation"
)

// Versions of the BSS-style API this edge serves.
const (
	APIVersionHeader = "X-api-version"
	CurrentVersion   = "3"
)

// HTTP serves the public API; it implements the generated ServerInterface.
type HTTP struct {
	app       app.Application
	authn     callerauth.Authenticator
	resellers ResellerAccess
	contract  *contract.Document
	log       *slog.Logger
	// distributor names the issuer on printed invoices.
	distributor string
	// tokens issue and read cursor paging's page tokens.
	tokens *pagetoken.Codec
}

var _ ServerInterface = (*HTTP)(nil)

// NewHTTP returns the public API handlers.
func NewHTTP(application app.Application, authn callerauth.Authenticator, resellers ResellerAccess, doc *contract.Document, log *slog.Logger) *HTTP {
	return &HTTP{app: application, authn: authn, resellers: resellers, contract: doc, log: log, distributor: "Distributor"}
}

// WithDistributor sets the distributor's name printed on invoices.
func (h *HTTP) WithDistributor(name string) *HTTP {
	if name != "" {
		h.distributor = name
	}
	return h
}

// Register adds the /api routes to r. Each route group has its style: the
// BSS routes negotiate X-api-version and answer problem documents, the
// JSON:API routes (/api/v3) apply JSON:API's media-type rules and answer
// JSON:API error objects; both share authentication and validation
// against the document.
func (h *HTTP) Register(r gin.IRouter) {
	refuse := func(c *gin.Context, inv contract.Invalid) { httpserver.Fail(c, inv.Problem()) }
	api := r.Group("",
		routeStyle(httpserver.Errors(jsonapi.Errors), httpserver.Errors(httpserver.Problem)),
		routeStyle(mediaType, apiVersion),
		h.authenticate, h.contract.Validate(refuse))
	// The generated wrappers (tools/oapi-codegen/gin-wrappers.tmpl) bind each
	// operation's parameters from one parse of the query.
	RegisterHandlersWithOptions(api, h, GinServerOptions{ErrorHandler: httpserver.BadParameter})
}

// The version header in canonical form and its value, set on every answer
// without canonicalising or allocating (net/http never changes the slice).
var (
	apiVersionKey       = http.CanonicalHeaderKey(APIVersionHeader)
	currentVersionValue = []string{CurrentVersion}
)

// apiVersion negotiates X-api-version: absent means 3; anything else is
// refused naming the supported versions.
func apiVersion(c *gin.Context) {
	var v string
	if values := c.Request.Header[apiVersionKey]; len(values) > 0 {
		v = values[0]
	}
	if v != "" && v != CurrentVersion {
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeUnsupportedVer,
			"X-api-version "+quote(v)+" is not supported; supported versions: 3."))
		return
	}
	c.Writer.Header()[apiVersionKey] = currentVersionValue
	c.Next()
}

// quote shows a client's value in a message: quoted, escaped, at most 20
// characters.
func quote(s string) string {
	if r := []rune(s); len(r) > 20 {
		s = string(r[:20]) + "..."
	}
	return strconv.Quote(s)
}

// pageOf checks a list's page parameters; when they are out of bounds it
// answers 400 and returns false.
func pageOf(c *gin.Context, ps paging.Params, index, size *int) (paging.Request, bool) {
	page, err := ps.New(index, size)
	if err != nil {
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidParameter, err.Error()+"."))
		return paging.Request{}, false
	}
	return page, true
}

// listPagination is the pagination member of a BSS list page; it sets the
// page's Link header too.
func listPagination(c *gin.Context, page paging.Request, total int64) Pagination {
	p := paging.NewPagination(page, total)
	c.Header("Link", p.Link(c.Request.URL))
	return Pagination{PageIndex: p.PageIndex, PageSize: p.PageSize, TotalCount: p.TotalCount, TotalPages: p.TotalPages}
}

// deref is an optional parameter's value, "" when absent.
func deref[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

// ListAccounts serves GET /api/accounts.
func (h *HTTP) ListAccounts(c *gin.Context, params ListAccountsParams) {
	f := app.AccountFilter{Sort: app.AccountSort{Field: "name"}, Search: deref(params.Search), Status: deref(params.Status)}
	if params.IncludeDownstream != nil {
		f.IncludeDownstream = *params.IncludeDownstream
	}
	if params.UpdatedSince != nil {
		f.UpdatedSince = *params.UpdatedSince
	}
	if params.Sort != nil {
		field, desc := strings.CutPrefix(string(*params.Sort), "-")
		f.Sort = app.AccountSort{Field: field, Desc: desc}
	}
	accounts, pagination, next, ok := listPage(h, c, h.app.Queries.ListAccounts, listRequest[app.AccountFilter, directory.Account]{
		pageIndex: params.PageIndex, pageSize: params.PageSize, cursor: params.PageToken,
		f: f, binding: accountsBinding, position: accountPosition,
	})
	if !ok {
		return
	}
	list := AccountList{Data: make([]Account, len(accounts)), Pagination: pagination, NextPageToken: next}
	optionals := make([]string, 0, 4*len(accounts)) // one allocation for the page's optional fields
	for i, a := range accounts {
		list.Data[i] = NewAccount(a, &optionals)
	}
	writeJSON(c, http.StatusOK, list)
}

// GetAccount serves GET /api/accounts/{id}.
func (h *HTTP) GetAccount(c *gin.Context, id string, _ GetAccountParams) {
	a, err := h.app.Queries.GetAccount.Handle(c.Request.Context(), caller(c), id)
	if err != nil {
		h.fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, NewAccount(a, nil))
}

// ListProducts serves GET /api/products.
func (h *HTTP) ListProducts(c *gin.Context, params ListProductsParams) {
	f := app.ProductFilter{Sort: app.ProductSort{Field: "name"}, Search: deref(params.Search), Category: deref(params.Category),
		Vendor: deref(params.Vendor), BillingType: deref(params.BillingType), BillingPeriod: deref(params.BillingPeriod)}
	if params.UpdatedSince != nil {
		f.UpdatedSince = *params.UpdatedSince
	}
	if params.Sort != nil {
		field, desc := strings.CutPrefix(string(*params.Sort), "-")
		f.Sort = app.ProductSort{Field: field, Desc: desc}
	}
	products, pagination, next, ok := listPage(h, c, h.app.Queries.ListProducts, listRequest[app.ProductFilter, catalog.Offer]{
		pageIndex: params.PageIndex, pageSize: params.PageSize, cursor: params.PageToken,
		f: f, binding: productsBinding, position: productPosition,
	})
	if !ok {
		return
	}
	list := ProductList{Data: make([]Product, len(products)), Pagination: pagination, NextPageToken: next}
	var err error
	for i, p := range products {
		if list.Data[i], err = NewProduct(p); err != nil {
			h.fail(c, err)
			return
		}
	}
	writeJSON(c, http.StatusOK, list)
}

// GetProduct serves GET /api/products/{id}.
func (h *HTTP) GetProduct(c *gin.Context, id string, _ GetProductParams) {
	p, err := h.app.Queries.GetProduct.Handle(c.Request.Context(), caller(c), id)
	if err == nil {
		var resp Product
		if resp, err = NewProduct(p); err == nil {
			writeJSON(c, http.StatusOK, resp)
			return
		}
	}
	h.fail(c, err)
}

// writeJSON writes v, the caller's own data, as the JSON answer: private,
// not to be stored by caches. It is encoded straight into the response
// (gin's c.JSON marshals into a new buffer first, then copies). The
// encoder writes only once v is wholly encoded, so an error leaves the
// response untouched for the error answer.
func writeJSON(c *gin.Context, status int, v any) {
	h := c.Writer.Header()
	h["Content-Type"] = jsonContentType
	h["Cache-Control"] = privateNoStore
	c.Status(status)
	if err := json.NewEncoder(c.Writer).Encode(v); err != nil {
		_ = c.Error(err)
	}
}

// Header values every answer of a kind shares, set without allocating
// (net/http only reads them).
var (
	jsonContentType = []string{"application/json; charset=utf-8"}
	privateNoStore  = []string{"private, no-store"}
)

// fail maps a use case's error: not found (or not the caller's) is a 404,
// anything else a logged 500.
func (h *HTTP) fail(c *gin.Context, err error) {
	if errors.Is(err, app.ErrNotFound) {
		httpserver.Fail(c, problem.New(http.StatusNotFound, problem.TypeNotFound, "No such object, or not one of yours."))
		return
	}
	h.log.ErrorContext(c.Request.Context(), "request failed", "error", err.Error(), "route", c.FullPath())
	httpserver.Fail(c, problem.New(http.StatusInternalServerError, problem.TypeInternal, "An unexpected error occurred."))
}
