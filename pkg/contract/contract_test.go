package contract

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

const spec = `
openapi: 3.0.3
info: {title: t, version: "1"}
security: [{oauth2: []}]
paths:
  /things:
    get:
      operationId: listThings
      security: [{oauth2: [things:read]}]
      parameters:
        - {name: size, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
        - {name: since, in: query, schema: {type: string, format: date-time}}
        - {name: sort, in: query, schema: {type: string, enum: [name, -name]}}
        - {name: tag, in: query, schema: {type: array, items: {type: string}}}
        - {name: "page[number]", in: query, schema: {type: integer, minimum: 1}}
      responses: {"200": {description: ok}}
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [name]
              properties: {name: {type: string, maxLength: 5}}
      responses: {"201": {description: created}}
  /things/{id}:
    get:
      operationId: getThing
      parameters: [{name: id, in: path, required: true, schema: {type: string, maxLength: 4}}]
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    oauth2:
      type: oauth2
      flows: {password: {tokenUrl: /token, scopes: {things:read: read}}}
`

func TestValidate(t *testing.T) {
	doc, err := Load([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(doc.Validate(func(c *gin.Context, inv Invalid) {
		status := http.StatusBadRequest
		if inv.Body {
			status = http.StatusUnprocessableEntity // tells body from parameter errors in this test
		}
		c.String(status, inv.Detail)
	}))
	ok := func(c *gin.Context) { c.String(http.StatusOK, "ok") }
	r.GET("/things", ok)
	r.POST("/things", ok)
	r.GET("/things/:id", ok)
	r.GET("/undescribed", ok)

	for _, tt := range []struct {
		method, target, body string
		status               int
		detail               string
	}{
		{"GET", "/things?size=10&sort=-name&since=2026-01-01T00:00:00Z&tag=a&tag=b", "", 200, ""},
		{"GET", "/things", "", 200, ""},
		{"GET", "/undescribed?anything=1", "", 200, ""},
		{"GET", "/things?sise=10", "", 400, "query parameter sise: unknown; the parameters are page[number], since, size, sort, tag"},
		{"GET", "/things?page[number]=0", "", 400, "query parameter page[number]"},
		{"GET", "/things?page%5Bnumber%5D=3", "", 200, ""},
		{"GET", "/things?size=1&size=2", "", 400, "size: must be given once"},
		{"GET", "/things?sort=na%00me", "", 400, "control characters"},
		{"GET", "/things?size=101", "", 400, "query parameter size: number must be at most 100"},
		{"GET", "/things?size=x", "", 400, "query parameter size"},
		{"GET", "/things?sort=age", "", 400, "query parameter sort: value is not one of the allowed values"},
		{"GET", "/things?since=yesterday", "", 400, "query parameter since"},
		{"GET", "/things/abcde", "", 400, "path parameter id"},
		{"GET", "/things/abcd", "", 200, ""},
		{"POST", "/things", `{"name":"ok"}`, 200, ""},
		{"POST", "/things", `{"name":"too long"}`, 422, "request body: name: maximum string length is 5"},
		{"POST", "/things", `{"name":"ok","extra":1}`, 422, "request body"},
		{"POST", "/things", `not json`, 422, "request body"},
	} {
		req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
		if tt.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.detail) {
			t.Errorf("%s %s: %d %q, want %d containing %q", tt.method, tt.target, w.Code, w.Body.String(), tt.status, tt.detail)
		}
	}
}

func TestOperations(t *testing.T) {
	doc, err := Load([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	ops := doc.Operations()
	if len(ops) != 3 || ops[0].ID != "listThings" || ops[0].Path != "/things" {
		t.Fatalf("operations = %+v", ops)
	}
	if got := ops[0].Scopes; len(got) != 1 || got[0] != "things:read" {
		t.Errorf("scopes of listThings = %v", got)
	}
	if got := ops[2].Scopes; len(got) != 0 {
		t.Errorf("scopes of getThing (document default) = %v", got)
	}
	if _, err := Load([]byte("openapi: 3.0.3\ninfo: {}\npaths: {}")); err == nil {
		t.Error("an invalid document loaded")
	}
}

// Whatever the query, validation answers 200 or 400, never a panic.
func FuzzValidate(f *testing.F) {
	doc, err := Load([]byte(spec))
	if err != nil {
		f.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(doc.Validate(func(c *gin.Context, inv Invalid) { c.String(http.StatusBadRequest, inv.Detail) }))
	r.GET("/things", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	for _, q := range []string{"size=10", "sort=-name&since=2026-01-01T00:00:00Z", "tag=a&tag=b", "size=%zz", "x=1",
		"page[number]=2&page[size]=10", "filter[parent_id]=r1&filter[status]=active", "page%5Bsize%5D=1"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, query string) {
		req := httptest.NewRequest("GET", "/things", nil)
		req.URL.RawQuery = query
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("query %q: status %d", query, w.Code)
		}
	})
}

// Conforming requests are remembered, within a bound; what is remembered
// is exactly what validation looked at, so a request differing in any of
// it is validated again.
func TestConformingRequestsAreRemembered(t *testing.T) {
	doc, err := Load([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(doc.Validate(func(c *gin.Context, inv Invalid) { c.String(http.StatusBadRequest, inv.Detail) }))
	r.GET("/things/:id", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET("/things", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	status := func(target string) int {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		return w.Code
	}
	for range 3 {
		if s := status("/things/abcd"); s != 200 {
			t.Fatalf("conforming request: %d", s)
		}
	}
	if s := status("/things/abcde"); s != 400 {
		t.Errorf("another path parameter, too long: %d, want 400", s)
	}
	for i := range maxConforming + 10 {
		if s := status(fmt.Sprintf("/things?size=%d", i%100+1)); s != 200 {
			t.Fatalf("size=%d: %d", i%100+1, s)
		}
		status(fmt.Sprintf("/things?since=2026-01-01T00:00:%02dZ&tag=%d", i%60, i))
	}
	var op *Operation
	for _, o := range doc.Operations() {
		if o.ID == "listThings" {
			op = o
		}
	}
	op.mu.Lock()
	n := len(op.conforming)
	op.mu.Unlock()
	if n == 0 || n > maxConforming {
		t.Errorf("%d conforming requests remembered, bound %d", n, maxConforming)
	}
}
