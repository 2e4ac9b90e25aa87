package testkit

import (
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace/noop"
)

// RecordSpans makes the process's tracer provider record every span in
// memory, with W3C trace context propagation, until the test ends; it
// returns the spans' exporter and the provider (to start a test's root
// span). It changes process-wide state: a test calling it is not
// parallel.
func RecordSpans(tb testing.TB) (*tracetest.InMemoryExporter, *sdktrace.TracerProvider) {
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	tb.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })
	return exporter, tp
}
