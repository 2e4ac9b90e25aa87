package httpserver_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/pkg/tracing"
)

const (
	callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerSpan  = "00f067aa0ba902b7"
)

// serveTraced serves GET path on e with the caller's traceparent.
func serveTraced(e *gin.Engine, path string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("traceparent", "00-"+callerTrace+"-"+callerSpan+"-01")
	e.ServeHTTP(httptest.NewRecorder(), req)
}

// Not parallel: it installs the global tracer provider.
func TestEveryRequestIsAServerSpanOfTheCallersTrace(t *testing.T) {
	var seen trace.SpanContext
	e := httpserver.NewEngine(slog.New(slog.DiscardHandler), nil)
	e.GET("/items/:id", func(c *gin.Context) {
		seen = trace.SpanContextFromContext(c.Request.Context())
		c.Status(http.StatusOK)
	})
	e.GET("/broken", func(c *gin.Context) {
		c.Status(http.StatusInternalServerError)
	})

	// Tracing off (no OTLP endpoint in the environment): no span is
	// recorded, and the caller's trace is still passed on to what the
	// handler calls.
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	if _, err := tracing.Setup(t.Context(), "test"); err != nil {
		t.Fatal(err)
	}
	serveTraced(e, "/items/42")
	if seen.TraceID().String() != callerTrace {
		t.Fatalf("with tracing off the handler's trace is %s, want the caller's %s", seen.TraceID(), callerTrace)
	}

	exporter, _ := testkit.RecordSpans(t)
	serveTraced(e, "/items/42")
	serveTraced(e, "/broken")
	spans := exporter.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("%d spans recorded, want 2: %v", len(spans), spans)
	}
	ok, broken := spans[0], spans[1]
	if ok.Name != "GET /items/:id" || ok.SpanKind != trace.SpanKindServer {
		t.Errorf("span %q of kind %v, want GET /items/:id, server", ok.Name, ok.SpanKind)
	}
	if ok.Parent.TraceID().String() != callerTrace || ok.Parent.SpanID().String() != callerSpan {
		t.Errorf("span's parent is %s/%s, want the caller's %s/%s", ok.Parent.TraceID(), ok.Parent.SpanID(), callerTrace, callerSpan)
	}
	if seen.SpanID() != ok.SpanContext.SpanID() {
		t.Errorf("the handler saw span %s, not the server span %s", seen.SpanID(), ok.SpanContext.SpanID())
	}
	want := map[attribute.Key]attribute.Value{
		"http.request.method":       attribute.StringValue("GET"),
		"url.path":                  attribute.StringValue("/items/42"),
		"http.route":                attribute.StringValue("/items/:id"),
		"http.response.status_code": attribute.IntValue(200),
	}
	got := map[attribute.Key]attribute.Value{}
	for _, kv := range ok.Attributes {
		got[kv.Key] = kv.Value
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("attribute %s = %v, want %v", k, got[k].String(), v.String())
		}
	}
	if ok.Status.Code != codes.Unset || broken.Status.Code != codes.Error {
		t.Errorf("statuses %v and %v, want unset for a 200 and error for a 500", ok.Status.Code, broken.Status.Code)
	}
}
