package tracing

import (
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Not parallel: it installs the global tracer provider.
func TestRecordingFollowsTheInstalledProvider(t *testing.T) {
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })
	if Recording() {
		t.Fatal("recording before any provider is installed")
	}
	tp := sdktrace.NewTracerProvider()
	otel.SetTracerProvider(tp)
	if !Recording() {
		t.Error("not recording with an SDK provider installed")
	}
	otel.SetTracerProvider(noop.NewTracerProvider())
	if Recording() {
		t.Error("recording with the no-op provider")
	}
}
