package ports

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/jsonapi"
	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/pkg/problem"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/services/edge/internal/app"
	. "github.com/resellerapi/platform/services/edge/representation"
)

// jsonAPIPrefix is the route group of the JSON:API (ActivePlatform-style)
// resources; every other /api route is BSS style.
const jsonAPIPrefix = "/api/v3/"

func isJSONAPI(c *gin.Context) bool { return strings.HasPrefix(c.FullPath(), jsonAPIPrefix) }

// routeStyle makes each route group answer errors in its own style:
// JSON:API error objects under /api/v3, problem documents elsewhere.
func routeStyle(jsonAPI, bss gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if isJSONAPI(c) {
			jsonAPI(c)
			return
		}
		bss(c)
	}
}

// mediaType applies JSON:API 1.1's media-type rules: a request whose
// Content-Type is the JSON:API media type with parameters is a 415; one
// whose Accept lists the JSON:API media type only with parameters is a
// 406.
func mediaType(c *gin.Context) {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		if mt, params, err := mime.ParseMediaType(ct); err == nil && mt == jsonapi.ContentType && len(params) > 0 {
			httpserver.Fail(c, problem.New(http.StatusUnsupportedMediaType, "urn:resellerapi:problem:unsupported-media-type",
				"Content-Type "+jsonapi.ContentType+" must be sent without media type parameters."))
			return
		}
	}
	if accept := c.GetHeader("Accept"); accept != "" {
		jsonAPI, bare := 0, 0
		for _, part := range strings.Split(accept, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || mt != jsonapi.ContentType {
				continue
			}
			jsonAPI++
			delete(params, "q") // a quality value is not a media type parameter
			if len(params) == 0 {
				bare++
			}
		}
		if jsonAPI > 0 && bare == 0 {
			httpserver.Fail(c, problem.New(http.StatusNotAcceptable, "urn:resellerapi:problem:not-acceptable",
				"Accept lists "+jsonapi.ContentType+" only with media type parameters; accept it without them."))
			return
		}
	}
	c.Next()
}

// ListResellers serves GET /api/v3/resellers: by page[number] (with the
// total, first and last) or after a page[cursor] (self and next only).
func (h *HTTP) ListResellers(c *gin.Context, params ListResellersParams) {
	f := app.ResellerFilter{ParentID: deref(params.FilterParentId), Status: deref(params.FilterStatus)}
	l, ok := readList(h, c, paging.JSONAPI, h.app.Queries.ListResellers, listRequest[app.ResellerFilter, directory.Reseller]{
		pageIndex: params.PageNumber, pageSize: params.PageSize, cursor: params.PageCursor,
		f: f, binding: resellersBinding, position: resellerPosition,
	})
	if !ok {
		return
	}
	// link is this list with the page parameters set.
	link := func(set url.Values) *string {
		q := c.Request.URL.Query()
		q.Del(paging.JSONAPI.Index)
		q.Del(paging.JSONAPI.Cursor)
		q.Set(paging.JSONAPI.Size, strconv.Itoa(l.page.Size))
		for k, v := range set {
			q[k] = v
		}
		u := (&url.URL{Path: c.Request.URL.Path, RawQuery: q.Encode()}).String()
		return &u
	}
	doc := ResellerCollection{Data: make([]ResellerResource, len(l.items))}
	for i, p := range l.items {
		doc.Data[i] = NewReseller(p)
	}
	doc.Meta.Total, doc.Meta.NextCursor = l.total, l.next
	if l.total == nil { // after a cursor
		doc.Links.Self = c.Request.URL.RequestURI()
		if l.next != nil {
			doc.Links.Next = link(url.Values{paging.JSONAPI.Cursor: {*l.next}})
		}
		writeJSONAPI(c, http.StatusOK, doc)
		return
	}
	number := func(n int64) *string { return link(url.Values{paging.JSONAPI.Index: {strconv.FormatInt(n, 10)}}) }
	prev, next, last := paging.NewPagination(l.page, *l.total).Pages()
	doc.Links.Self, doc.Links.First, doc.Links.Last = *number(int64(l.page.Index)), number(1), number(last)
	if prev > 0 {
		doc.Links.Prev = number(prev)
	}
	if next > 0 {
		doc.Links.Next = number(next)
	}
	writeJSONAPI(c, http.StatusOK, doc)
}

// GetReseller serves GET /api/v3/resellers/{reseller_id}.
func (h *HTTP) GetReseller(c *gin.Context, id ResellerId) { h.getReseller(c, id) }

// GetCustomerStoreReseller serves the Customer Store alias of GetReseller.
func (h *HTTP) GetCustomerStoreReseller(c *gin.Context, id ResellerId) { h.getReseller(c, id) }

func (h *HTTP) getReseller(c *gin.Context, id string) {
	p, err := h.app.Queries.GetReseller.Handle(c.Request.Context(), caller(c), id)
	if err != nil {
		h.fail(c, err)
		return
	}
	res := NewReseller(p)
	writeJSONAPI(c, http.StatusOK, ResellerDocument{Data: res, Links: struct {
		Self string `json:"self"`
	}{Self: c.Request.URL.Path}})
}

func writeJSONAPI(c *gin.Context, status int, doc any) {
	body, err := json.Marshal(doc)
	if err != nil {
		httpserver.Fail(c, problem.New(http.StatusInternalServerError, problem.TypeInternal, "An unexpected error occurred."))
		return
	}
	c.Writer.Header()["Cache-Control"] = privateNoStore
	c.Data(status, jsonapi.ContentType, body)
}
