package resellerapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/resellerapi/platform/sdk/go/api"
)

// Error is an answer of the API that is not a success.
type Error struct {
	Method, Path string
	StatusCode   int
	// Problem is the RFC 9457 problem document of the BSS routes
	// (/api/accounts, /api/products, /api/invoices), when there is one.
	Problem *api.Problem
	// JSONAPI holds the JSON:API error objects of the reseller routes
	// (/api/v3/...), when there are some.
	JSONAPI *api.JSONAPIErrors
	// CorrelationID is the X-Correlation-ID of the answer: quote it to
	// the distributor's support.
	CorrelationID string
}

func (e *Error) Error() string {
	msg := http.StatusText(e.StatusCode)
	switch {
	case e.Problem != nil:
		msg = e.Problem.Title
		if e.Problem.Detail != nil && *e.Problem.Detail != "" {
			msg += ": " + *e.Problem.Detail
		}
	case e.JSONAPI != nil && len(e.JSONAPI.Errors) > 0:
		first := e.JSONAPI.Errors[0]
		msg = first.Title
		if first.Detail != nil && *first.Detail != "" {
			msg += ": " + *first.Detail
		}
	}
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.StatusCode, msg)
}

// Type is the problem's stable type (urn:resellerapi:problem:...) or the
// first JSON:API error's code; empty when the answer carried neither.
func (e *Error) Type() string {
	switch {
	case e.Problem != nil:
		return e.Problem.Type
	case e.JSONAPI != nil && len(e.JSONAPI.Errors) > 0:
		return e.JSONAPI.Errors[0].Code
	}
	return ""
}

// StatusOf is the HTTP status of the API answer err carries, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// IsNotFound reports whether err is the API's 404 (which is also what
// another reseller's object is answered).
func IsNotFound(err error) bool { return StatusOf(err) == http.StatusNotFound }

// failure is the *Error of a non-2xx answer, nil for a success.
func failure(resp *http.Response, body []byte) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	e := &Error{Method: resp.Request.Method, Path: resp.Request.URL.Path, StatusCode: resp.StatusCode,
		CorrelationID: resp.Header.Get("X-Correlation-ID")}
	media, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch media {
	case "application/problem+json":
		var p api.Problem
		if json.Unmarshal(body, &p) == nil && p.Type != "" {
			e.Problem = &p
		}
	case "application/vnd.api+json":
		var j api.JSONAPIErrors
		if json.Unmarshal(body, &j) == nil && len(j.Errors) > 0 {
			e.JSONAPI = &j
		}
	}
	return e
}
