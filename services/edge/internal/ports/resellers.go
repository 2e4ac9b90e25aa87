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

// jsonAPITime is the seed's timestamp: RFC 3339 with milliseconds.
const jsonAPITime = "2006-01-02T15:04:05.000Z07:00"

// ListResellers serves GET /api/v3/resellers.
func (h *HTTP) ListResellers(c *gin.Context, params ListResellersParams) {
	page, ok := pageOf(c, paging.JSONAPI, params.PageNumber, params.PageSize)
	if !ok {
		return
	}
	f := app.ResellerFilter{ParentID: deref(params.FilterParentId), Status: deref(params.FilterStatus)}
	profiles, total, err := h.app.Queries.ListResellers.Handle(c.Request.Context(), caller(c), f, page)
	if err != nil {
		h.fail(c, err)
		return
	}
	doc := ResellerCollection{Data: make([]ResellerResource, len(profiles))}
	for i, p := range profiles {
		doc.Data[i] = resellerResource(p)
	}
	doc.Meta.Total = total
	link := func(n int64) string {
		q := c.Request.URL.Query()
		q.Set(paging.JSONAPI.Index, strconv.FormatInt(n, 10))
		q.Set(paging.JSONAPI.Size, strconv.Itoa(page.Size))
		return (&url.URL{Path: c.Request.URL.Path, RawQuery: q.Encode()}).String()
	}
	prev, next, last := paging.NewPagination(page, total).Pages()
	doc.Links.Self, doc.Links.First, doc.Links.Last = link(int64(page.Index)), link(1), link(last)
	if prev > 0 {
		l := link(prev)
		doc.Links.Prev = &l
	}
	if next > 0 {
		l := link(next)
		doc.Links.Next = &l
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
	res := resellerResource(p)
	writeJSONAPI(c, http.StatusOK, ResellerDocument{Data: res, Links: struct {
		Self string `json:"self"`
	}{Self: c.Request.URL.Path}})
}

func resellerResource(p directory.Reseller) ResellerResource {
	created, updated := p.CreatedAt.UTC().Format(jsonAPITime), p.UpdatedAt.UTC().Format(jsonAPITime)
	var parent *string
	if p.ParentID != "" {
		parent = &p.ParentID
	}
	custom := p.CustomAttributes
	if custom == nil {
		custom = map[string]string{}
	}
	r := ResellerResource{Id: p.ID, Type: Resellers, Attributes: ResellerAttributes{
		CreatedAt: created, UpdatedAt: updated, ParentId: parent,
		General: ResellerGeneral{CreatedAt: created, UpdatedAt: updated, Name: p.Name, Domain: p.Domain, Currency: p.Currency, Manager: p.Manager},
		Company: ResellerCompany{CreatedAt: created, UpdatedAt: updated, Name: p.Company.Name, AddressLine1: p.Company.AddressLine1,
			AddressLine2: p.Company.AddressLine2, City: p.Company.City, State: p.Company.State, Zip: p.Company.Zip,
			Country: p.Company.Country, Phone: p.Company.Phone, Fax: p.Company.Fax, Email: p.Company.Email},
		Contacts: ResellerContacts{CreatedAt: created, UpdatedAt: updated, FirstName: p.Contacts.FirstName, LastName: p.Contacts.LastName,
			MiddleName: p.Contacts.MiddleName, Position: p.Contacts.Position, Phone: p.Contacts.Phone, Email: p.Contacts.Email},
		CustomAttributes: custom,
	}}
	r.Links.Self = "/api/v3/resellers/" + url.PathEscape(p.ID)
	return r
}

func writeJSONAPI(c *gin.Context, status int, doc any) {
	body, err := json.Marshal(doc)
	if err != nil {
		httpserver.Fail(c, problem.New(http.StatusInternalServerError, problem.TypeInternal, "An unexpected error occurred."))
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Data(status, jsonapi.ContentType, body)
}
