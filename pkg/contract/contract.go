// Package contract serves an HTTP API from its OpenAPI 3 document: it finds
// a request's operation, says which OAuth scopes the operation requires
// (its security requirement), and validates requests against the document
// (kin-openapi) as gin middleware, strictly: unknown or repeated query
// parameters and control characters are refused too. The document is the
// source of the HTTP layer; the types and server interface a service
// implements are generated from the same file with oapi-codegen.
package contract

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/problem"
)

// Document is a loaded, valid OpenAPI document.
type Document struct {
	spec *openapi3.T
	ops  map[string]map[string]*Operation // by gin route, then method
}

// Operation is one method on one path of the document.
type Operation struct {
	ID     string
	Method string
	// Path is the document's path, e.g. /api/accounts/{id}.
	Path string
	// Scopes are the OAuth scopes the operation's security requires.
	Scopes []string

	schemes []string
	route   *routers.Route
	query   map[string]*openapi3.Parameter
	headers []string
	// conforming remembers requests without a body that conformed, by
	// everything validation looks at: integrations repeat the same
	// requests, and validating one costs more than serving it.
	mu         sync.Mutex
	conforming map[string]struct{}
}

// maxConforming bounds Operation.conforming; when full it starts over.
const maxConforming = 4096

// Load parses and validates spec (YAML or JSON).
func Load(spec []byte) (*Document, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("load openapi document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi document is invalid: %w", err)
	}
	d := &Document{spec: doc, ops: map[string]map[string]*Operation{}}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			o := &Operation{
				ID: op.OperationID, Method: method, Path: path,
				route: &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op},
				query: map[string]*openapi3.Parameter{},
			}
			security := doc.Security
			if op.Security != nil {
				security = *op.Security
			}
			for _, req := range security {
				for scheme, scopes := range req {
					o.schemes = append(o.schemes, scheme)
					o.Scopes = append(o.Scopes, scopes...)
				}
			}
			o.conforming = map[string]struct{}{}
			for _, ref := range append(slices.Clone(item.Parameters), op.Parameters...) {
				switch p := ref.Value; {
				case p == nil:
				case p.In == openapi3.ParameterInQuery:
					o.query[p.Name] = p
				case p.In == openapi3.ParameterInHeader:
					o.headers = append(o.headers, http.CanonicalHeaderKey(p.Name))
				}
			}
			route := ginPath(path)
			if d.ops[route] == nil {
				d.ops[route] = map[string]*Operation{}
			}
			d.ops[route][method] = o
		}
	}
	return d, nil
}

// ginPath turns /a/{id} into gin's /a/:id.
func ginPath(path string) string {
	return strings.NewReplacer("{", ":", "}", "").Replace(path)
}

// Operations lists every operation of the document, sorted by path and
// method.
func (d *Document) Operations() []*Operation {
	var out []*Operation
	for _, byMethod := range d.ops {
		for _, o := range byMethod {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// Operation returns the operation gin matched for c, if the document
// describes it.
func (d *Document) Operation(c *gin.Context) (*Operation, bool) {
	o, ok := d.ops[c.FullPath()][c.Request.Method]
	return o, ok
}

// Invalid says what is wrong with a request, for a 400 answer.
type Invalid struct {
	// Body is true when the request body is at fault, false for the
	// parameters.
	Body   bool
	Detail string
}

// Problem is the 400 answer to the request.
func (inv Invalid) Problem() problem.Problem {
	typ := problem.TypeInvalidParameter
	if inv.Body {
		typ = problem.TypeInvalidBody
	}
	return problem.New(http.StatusBadRequest, typ, inv.Detail+".")
}

// Validate returns middleware that checks each request against its
// operation (Check) and, when it does not conform, calls refuse and
// aborts. Requests for routes the document does not describe pass.
func (d *Document) Validate(refuse func(*gin.Context, Invalid)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if op, ok := d.Operation(c); ok {
			if inv := op.Check(c); inv != nil {
				refuse(c, *inv)
				c.Abort()
				return
			}
		}
		c.Next()
	}
}

var validationOptions = &openapi3filter.Options{
	AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc, // authentication is the service's
	SkipSettingDefaults: true,
}

// Check validates the request of c against o; nil means it conforms.
func (o *Operation) Check(c *gin.Context) *Invalid {
	var buf [512]byte
	key, cacheable := o.cacheKey(c, buf[:0])
	if cacheable {
		o.mu.Lock()
		_, ok := o.conforming[string(key)] // no allocation for the lookup
		o.mu.Unlock()
		if ok {
			return nil
		}
	}
	if inv := o.check(c); inv != nil {
		return inv
	}
	if cacheable {
		o.mu.Lock()
		if len(o.conforming) >= maxConforming {
			clear(o.conforming)
		}
		o.conforming[string(key)] = struct{}{}
		o.mu.Unlock()
	}
	return nil
}

// cacheKey appends to b what validation of a request without a body
// depends on: its query, path parameters and declared headers.
func (o *Operation) cacheKey(c *gin.Context, b []byte) ([]byte, bool) {
	r := c.Request
	if r.Body != nil && r.Body != http.NoBody || r.ContentLength != 0 {
		return nil, false
	}
	b = append(b, r.URL.RawQuery...)
	for _, p := range c.Params {
		b = append(b, 0)
		b = append(b, p.Value...)
	}
	for _, h := range o.headers {
		b = append(b, 0)
		for _, v := range r.Header[h] { // h is canonical
			b = append(b, v...)
			b = append(b, 1)
		}
	}
	return b, true
}

func (o *Operation) check(c *gin.Context) *Invalid {
	query := c.Request.URL.Query() // parsed once for both checks
	if detail := o.checkQuery(query); detail != "" {
		return &Invalid{Detail: detail}
	}
	params := make(map[string]string, len(c.Params))
	for _, p := range c.Params {
		params[p.Key] = p.Value
	}
	err := openapi3filter.ValidateRequest(c.Request.Context(), &openapi3filter.RequestValidationInput{
		Request: c.Request, PathParams: params, QueryParams: query, Route: o.route, Options: validationOptions,
	})
	if err != nil {
		inv := describe(err)
		return &inv
	}
	return nil
}

// Requires reports whether the operation's security names scheme.
func (o *Operation) Requires(scheme string) bool { return slices.Contains(o.schemes, scheme) }

// checkQuery refuses what the document's parameter rules do not say:
// parameters it does not declare (a misspelt filter must not be silently
// ignored), a parameter given twice, and control characters.
func (o *Operation) checkQuery(q url.Values) string {
	var unknown []string
	for name, values := range q {
		p, ok := o.query[name]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		if len(values) > 1 && (p.Schema == nil || p.Schema.Value == nil || !p.Schema.Value.Type.Is(openapi3.TypeArray)) {
			return fmt.Sprintf("query parameter %s: must be given once", name)
		}
		for _, v := range values {
			if strings.ContainsFunc(v, isControl) {
				return fmt.Sprintf("query parameter %s: contains control characters", name)
			}
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		known := make([]string, 0, len(o.query))
		for name := range o.query {
			known = append(known, name)
		}
		sort.Strings(known)
		if len(known) == 0 {
			return fmt.Sprintf("query parameter %s: unknown; this endpoint takes no query parameters", strings.Join(unknown, ", "))
		}
		return fmt.Sprintf("query parameter %s: unknown; the parameters are %s", strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	return ""
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// describe turns a kin-openapi validation error into a message for the
// caller: which parameter (or the body) and why, without kin's wording
// about schemas.
func describe(err error) Invalid {
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		return Invalid{Detail: err.Error()}
	}
	reason := re.Reason
	var se *openapi3.SchemaError
	if errors.As(re.Err, &se) {
		reason = se.Reason
		if path := se.JSONPointer(); len(path) > 0 && re.RequestBody != nil {
			reason = strings.Join(path, ".") + ": " + reason
		}
	} else if re.Err != nil {
		reason = re.Err.Error()
	}
	switch {
	case re.Parameter != nil:
		return Invalid{Detail: fmt.Sprintf("%s parameter %s: %s", re.Parameter.In, re.Parameter.Name, reason)}
	case re.RequestBody != nil:
		return Invalid{Body: true, Detail: "request body: " + reason}
	}
	return Invalid{Detail: reason}
}
