package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/testkit"
)

// TestOneTraceFromThePublishToTheStoreWrite follows one back-office change:
// its publish, through the NATS headers, into the directory's consumer and
// the consumer's MongoDB write, all one trace.
func TestOneTraceFromThePublishToTheStoreWrite(t *testing.T) {
	exporter, tp := testkit.RecordSpans(t)

	e := start(t, 1)
	id := "acc-traced-" + uuid.NewString()[:8]
	ctx, root := tp.Tracer("test").Start(context.Background(), "back-office change")
	if err := e.pub.Publish(ctx, eventbus.On(subjects.Accounts, accountChanged(id, "Traced", 1))); err != nil {
		t.Fatal(err)
	}
	root.End()
	traceID := root.SpanContext().TraceID()

	var publish, consume, write tracetest.SpanStub
	testkit.Eventually(t, 10*time.Second, func() bool {
		publish, consume, write = tracetest.SpanStub{}, tracetest.SpanStub{}, tracetest.SpanStub{}
		for _, s := range exporter.GetSpans() {
			if s.SpanContext.TraceID() != traceID {
				continue
			}
			switch {
			case s.SpanKind == trace.SpanKindProducer && s.Parent.SpanID() == root.SpanContext().SpanID():
				publish = s
			case s.SpanKind == trace.SpanKindConsumer && strings.HasPrefix(s.Name, "accounts "):
				consume = s
			case s.SpanKind == trace.SpanKindClient && strings.HasPrefix(s.Name, "update ") && strings.HasSuffix(s.Name, ".accounts"):
				write = s
			}
		}
		return publish.Name != "" && consume.Name != "" && write.Name != ""
	}, "no trace from the publish to the store write")
	if consume.Parent.SpanID() != publish.SpanContext.SpanID() {
		t.Errorf("the consumer span %q is not a child of the publish %q", consume.Name, publish.Name)
	}
	if write.Parent.SpanID() != consume.SpanContext.SpanID() {
		t.Errorf("the write span %q is not a child of the consumer span %q", write.Name, consume.Name)
	}
	t.Logf("%s -> %s -> %s", publish.Name, consume.Name, write.Name)
}
