// Package apitest checks HTTP exchanges against the platform's OpenAPI
// documents (the edge's and auth's, or any service's), for the tests of
// every service whose routes they describe.
package apitest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	authapi "github.com/resellerapi/platform/services/auth/api"
	"github.com/resellerapi/platform/services/edge/api"
)

// Contract validates requests and responses against the documents.
type Contract struct {
	routers []routers.Router
}

// Load parses and validates the edge's and auth's documents.
func Load(tb testing.TB) *Contract {
	tb.Helper()
	return LoadDocuments(tb, api.OpenAPI(), authapi.OpenAPI())
}

// LoadDocuments parses and validates the documents (another service's,
// such as the webhooks service's).
func LoadDocuments(tb testing.TB, specs ...[]byte) *Contract {
	tb.Helper()
	c := &Contract{}
	for _, spec := range specs {
		doc, err := openapi3.NewLoader().LoadFromData(spec)
		if err != nil {
			tb.Fatalf("load openapi: %v", err)
		}
		if err := doc.Validate(context.Background()); err != nil {
			tb.Fatalf("openapi document is invalid: %v", err)
		}
		// Match on paths only: tests run on random hosts and ports.
		doc.Servers = nil
		router, err := legacy.NewRouter(doc)
		if err != nil {
			tb.Fatalf("openapi router: %v", err)
		}
		c.routers = append(c.routers, router)
	}
	openapi3filter.RegisterBodyDecoder("application/problem+json", openapi3filter.JSONBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/vnd.api+json", openapi3filter.JSONBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/pdf", openapi3filter.FileBodyDecoder)
	return c
}

// findRoute finds req's operation in the first document describing it.
func (c *Contract) findRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	var err error
	for _, r := range c.routers {
		route, params, findErr := r.FindRoute(req)
		if findErr == nil {
			return route, params, nil
		}
		err = findErr
	}
	return nil, nil, err
}

// Do sends req with client, checks the request and the response against
// the document (status codes included) and returns the response with its
// body read into the returned bytes.
func (c *Contract) Do(tb testing.TB, client *http.Client, req *http.Request) (*http.Response, []byte) {
	tb.Helper()
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		tb.Fatalf("read body: %v", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))

	route, params, err := c.findRoute(req)
	if err != nil {
		tb.Errorf("%s %s is not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
		return resp, body
	}
	check := req.Clone(context.Background())
	check.Body = io.NopCloser(bytes.NewReader(reqBody))
	in := &openapi3filter.RequestValidationInput{
		Request: check, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	// Requests built to be invalid are part of the tests; only responses
	// must always conform.
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		tb.Errorf("%s %s -> %d does not match the OpenAPI document: %v\nbody: %s", req.Method, req.URL, resp.StatusCode, err, body)
	}
	return resp, body
}
