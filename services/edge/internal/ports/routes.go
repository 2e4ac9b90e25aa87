package ports

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/oapi-codegen/runtime"

	"github.com/resellerapi/platform/pkg/httpserver"
)

// routes adds every operation of the document to r as a method of the
// generated ServerInterface with its generated parameter type. It stands
// in for the generated RegisterHandlers, whose wrappers parse the query
// string again for every parameter they declare (a third of the edge's
// own allocations per request): the parameters are bound from one parse.
// TestRoutesAreTheDocumentsOperations checks the list against the
// document.
func routes(r gin.IRouter, h ServerInterface) {
	r.GET("/api/accounts", bound(h.ListAccounts))
	r.GET("/api/accounts/:id", boundWithPath("id", h.GetAccount))
	r.GET("/api/products", bound(h.ListProducts))
	r.GET("/api/products/:id", boundWithPath("id", h.GetProduct))
	r.GET("/api/invoices", bound(h.ListInvoices))
	r.GET("/api/invoices/:id", boundWithPath("id", h.GetInvoice))
	r.GET("/api/invoices/:id/pdf", boundWithPath("id", h.GetInvoicePdf))
	r.GET("/api/v3/resellers", bound(h.ListResellers))
	r.GET("/api/v3/resellers/:reseller_id", func(c *gin.Context) { h.GetReseller(c, c.Param("reseller_id")) })
	r.GET("/api/v3/customer_store/resellers/:reseller_id", func(c *gin.Context) { h.GetCustomerStoreReseller(c, c.Param("reseller_id")) })
}

// bound serves op with its parameters bound from the request.
func bound[P any](op func(*gin.Context, P)) gin.HandlerFunc {
	fields := paramFields(reflect.TypeFor[P]())
	return func(c *gin.Context) {
		var p P
		if err := fields.bind(c.Request, reflect.ValueOf(&p).Elem()); err != nil {
			httpserver.BadParameter(c, err, http.StatusBadRequest)
			return
		}
		op(c, p)
	}
}

// boundWithPath is bound for an operation that also takes the path
// parameter name (gin has unescaped it).
func boundWithPath[P any](name string, op func(*gin.Context, string, P)) gin.HandlerFunc {
	return bound(func(c *gin.Context, p P) { op(c, c.Param(name), p) })
}

// param is one field of a generated parameter type: a query parameter
// (its form tag) or a header (its json tag, X-api-version).
type param struct {
	index int
	name  string
	// key is a header's canonical form.
	key    string
	header bool
	elem   reflect.Type // the field's type without its pointer
}

type params []param

// paramFields reads the fields of a generated parameter struct t.
func paramFields(t reflect.Type) params {
	var out params
	for i := range t.NumField() {
		f := t.Field(i)
		if name, ok := tagName(f.Tag.Get("form")); ok {
			out = append(out, param{index: i, name: name})
			continue
		}
		if name, ok := tagName(f.Tag.Get("json")); ok && f.Type.Kind() == reflect.Pointer {
			out = append(out, param{index: i, name: name, key: http.CanonicalHeaderKey(name), header: true, elem: f.Type.Elem()})
		}
	}
	return out
}

func tagName(tag string) (string, bool) {
	name, _, _ := strings.Cut(tag, ",")
	return name, name != "" && name != "-"
}

// bind sets the fields of v from r: query parameters as the generated
// wrapper binds them (style form, exploded, optional) from one parse of
// the query, and headers given once.
func (ps params) bind(r *http.Request, v reflect.Value) error {
	var query url.Values
	for _, p := range ps {
		field := v.Field(p.index)
		if !p.header {
			if query == nil {
				query = r.URL.Query()
			}
			if _, given := query[p.name]; !given {
				continue // optional: left nil
			}
			if err := runtime.BindQueryParameterWithOptions("form", true, false, p.name, query, field.Addr().Interface(),
				runtime.BindQueryParameterOptions{}); err != nil {
				return fmt.Errorf("Invalid format for parameter %s: %w", p.name, err)
			}
			continue
		}
		values, found := r.Header[p.key]
		if !found {
			continue
		}
		if len(values) != 1 {
			return fmt.Errorf("Expected one value for %s, got %d", p.name, len(values))
		}
		value := reflect.New(p.elem)
		if err := runtime.BindStyledParameterWithOptions("simple", p.name, values[0], value.Interface(),
			runtime.BindStyledParameterOptions{ParamLocation: runtime.ParamLocationHeader}); err != nil {
			return fmt.Errorf("Invalid format for parameter %s: %w", p.name, err)
		}
		field.Set(value)
	}
	return nil
}
