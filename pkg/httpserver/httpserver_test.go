package httpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/resellerapi/platform/pkg/logging"
)

func TestOpsEndpoints(t *testing.T) {
	reg := prometheus.NewRegistry()
	healthy := true
	ops := Ops(reg, map[string]Check{
		"mongodb": func(context.Context) error { return nil },
		"nats": func(context.Context) error {
			if healthy {
				return nil
			}
			return errors.New("nats: RECONNECTING")
		},
	})
	get := func(path string) (*httptest.ResponseRecorder, map[string]any) {
		rec := httptest.NewRecorder()
		ops.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		var body map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		return rec, body
	}
	if rec, _ := get("/healthz"); rec.Code != 200 {
		t.Errorf("healthz = %d", rec.Code)
	}
	if rec, _ := get("/readyz"); rec.Code != 200 {
		t.Errorf("readyz = %d", rec.Code)
	}
	healthy = false
	rec, body := get("/readyz")
	failed, _ := body["failed"].(map[string]any)
	if rec.Code != 503 || failed["nats"] != "nats: RECONNECTING" || failed["mongodb"] != nil {
		t.Errorf("readyz while nats is down = %d %v", rec.Code, body)
	}
	if rec, _ := get("/metrics"); rec.Code != 200 {
		t.Errorf("metrics = %d", rec.Code)
	}
}

func TestEngineMiddleware(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg, "test")
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	e := NewEngine(logging.New(&logged, "test", slog.LevelInfo), m)
	e.GET("/ok", func(c *gin.Context) { c.String(200, "ok") })
	e.GET("/panic", func(*gin.Context) { panic("boom") })

	serve := func(method, path, correlation string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		if correlation != "" {
			req.Header.Set(CorrelationHeader, correlation)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	if rec := serve("GET", "/ok?password=hunter2", "abc-123"); rec.Header().Get(CorrelationHeader) != "abc-123" {
		t.Errorf("correlation id not echoed: %v", rec.Header())
	}
	// The access log: one line per request, with the correlation id and
	// without the query.
	var line map[string]any
	if err := json.Unmarshal(logged.Bytes(), &line); err != nil {
		t.Fatalf("access log %q: %v", logged.String(), err)
	}
	if line["msg"] != "http request" || line["level"] != "INFO" || line["method"] != "GET" || line["route"] != "/ok" ||
		line["path"] != "/ok" || line["status"] != float64(200) || line["duration_ms"] == nil || line["correlation_id"] != "abc-123" ||
		strings.Contains(logged.String(), "hunter2") {
		t.Errorf("access log line %s", logged.String())
	}
	if rec := serve("GET", "/ok", "bad id with spaces"); rec.Header().Get(CorrelationHeader) == "bad id with spaces" || rec.Header().Get(CorrelationHeader) == "" {
		t.Errorf("bad correlation id not replaced: %q", rec.Header().Get(CorrelationHeader))
	}
	// A request without one gets a fresh random UUID.
	seen := map[string]bool{}
	for range 100 {
		id := serve("GET", "/ok", "").Header().Get(CorrelationHeader)
		if u, err := uuid.Parse(id); err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 || seen[id] {
			t.Fatalf("generated correlation id %q: a repeat, or not a version 4 UUID (%v)", id, err)
		}
		seen[id] = true
	}
	for _, tt := range []struct {
		method, path string
		status       int
		typ          string
	}{
		{"GET", "/panic", 500, "internal"},
		{"GET", "/nothing", 404, "not-found"},
		{"POST", "/ok", 405, "method-not-allowed"},
		{"BREW", "/ok", 405, "method-not-allowed"},
		{"XBREW", "/ok", 405, "method-not-allowed"},
	} {
		rec := serve(tt.method, tt.path, "")
		if rec.Code != tt.status || rec.Header().Get("Content-Type") != "application/problem+json" ||
			!strings.Contains(rec.Body.String(), `"type":"urn:resellerapi:problem:`+tt.typ+`"`) {
			t.Errorf("%s %s = %d %s %s", tt.method, tt.path, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
		}
	}
	families, _ := reg.Gather()
	var routes []string
	counted := map[string]float64{} // method status -> requests
	for _, f := range families {
		if f.GetName() == "http_requests_total" {
			for _, mt := range f.GetMetric() {
				labels := map[string]string{}
				for _, l := range mt.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				routes = append(routes, labels["route"])
				counted[labels["method"]+" "+labels["status"]] += mt.GetCounter().GetValue()
			}
		}
	}
	if !strings.Contains(strings.Join(routes, ","), "/ok") || !strings.Contains(strings.Join(routes, ","), "unmatched") {
		t.Errorf("routes counted: %v", routes)
	}
	// 2 GETs of /ok with a correlation id, 100 without; made-up methods
	// share one series.
	if counted["GET 200"] != 102 || counted["_OTHER 405"] != 2 || counted["POST 405"] != 1 || counted["BREW 405"] != 0 {
		t.Errorf("requests counted by method and status: %v", counted)
	}
}
