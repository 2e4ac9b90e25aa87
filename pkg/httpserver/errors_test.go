package httpserver_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/jsonapi"
	"github.com/resellerapi/platform/pkg/problem"
)

// Each route group renders failures in its own style: the same shared
// building block (here a guard that always refuses) answers a problem
// document on one group and a JSON:API error document on the other.
func TestErrorStylePerRouteGroup(t *testing.T) {
	e := httpserver.NewEngine(slog.New(slog.DiscardHandler), nil)
	guard := func(c *gin.Context) {
		httpserver.Fail(c, problem.New(http.StatusForbidden, problem.TypeForbidden, "Not for you."))
	}
	ok := func(c *gin.Context) { c.String(http.StatusOK, "ok") }
	e.Group("/bss", httpserver.Errors(httpserver.Problem), guard).GET("/x", ok)
	e.Group("/v3", httpserver.Errors(jsonapi.Errors), guard).GET("/x", ok)
	e.Group("/default", guard).GET("/x", ok)

	serve := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set(httpserver.CorrelationHeader, "corr-1")
		e.ServeHTTP(w, req)
		return w
	}
	for _, path := range []string{"/bss/x", "/default/x"} {
		w := serve(path)
		var p problem.Problem
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || w.Code != 403 || w.Header().Get("Content-Type") != problem.ContentType ||
			p.Type != problem.TypeForbidden || p.CorrelationID != "corr-1" || p.Instance != path {
			t.Errorf("%s: %d %s %s", path, w.Code, w.Header().Get("Content-Type"), w.Body)
		}
	}
	w := serve("/v3/x")
	var doc jsonapi.Document
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || w.Code != 403 || w.Header().Get("Content-Type") != jsonapi.ContentType ||
		len(doc.Errors) != 1 || doc.Errors[0].Status != "403" || doc.Errors[0].Code != "forbidden" || doc.Errors[0].Meta["correlationId"] != "corr-1" {
		t.Errorf("/v3/x: %d %s %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	// Every answer carries the security headers.
	for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy"} {
		if w.Header().Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
}
