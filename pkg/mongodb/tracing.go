package mongodb

import (
	"context"
	"sync"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/resellerapi/platform/pkg/tracing"
)

// commandSpans makes a client span of every MongoDB command, child of the
// operation's context: an HTTP request's reads, a consumer's writes. It
// records the command's name and collection, never its documents.
func commandSpans() *event.CommandMonitor {
	var spans sync.Map // request id -> trace.Span
	end := func(id int64, err string) {
		if s, ok := spans.LoadAndDelete(id); ok {
			span := s.(trace.Span)
			if err != "" {
				span.SetStatus(codes.Error, err)
			}
			span.End()
		}
	}
	return &event.CommandMonitor{
		Started: func(ctx context.Context, e *event.CommandStartedEvent) {
			if !trace.SpanFromContext(ctx).SpanContext().IsValid() {
				return // only commands of a traced operation
			}
			collection, _ := e.Command.Lookup(e.CommandName).StringValueOK()
			_, span := tracing.Tracer().Start(ctx, e.CommandName+" "+e.DatabaseName+"."+collection, trace.WithSpanKind(trace.SpanKindClient),
				trace.WithAttributes(attribute.String("db.system", "mongodb"), attribute.String("db.operation.name", e.CommandName),
					attribute.String("db.namespace", e.DatabaseName), attribute.String("db.collection.name", collection)))
			spans.Store(e.RequestID, span)
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) { end(e.RequestID, "") },
		Failed:    func(_ context.Context, e *event.CommandFailedEvent) { end(e.RequestID, e.Failure.Error()) },
	}
}
