package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/services/webhooks/internal/adapters"
)

// A back-office change and the webhook it makes are one trace: the
// delivery's attempt is a client span in the trace of the publish, after
// the webhooks consumer's span. (Not parallel: it sets the process's
// tracer provider.)
func TestADeliveryContinuesThePublishersTrace(t *testing.T) {
	exporter, tp := testkit.RecordSpans(t)

	svc, _, _ := start(t)
	reseller, account := "res-tr-"+uuid.NewString()[:8], "acc-tr-"+uuid.NewString()[:8]
	secret, _ := adapters.NewSecret()
	in := &inbox{t: t, secret: secret}
	subscribe(t, svc, reseller, in)

	bus, err := eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: "test-backoffice"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	ctx, root := tp.Tracer("test").Start(context.Background(), "back-office change")
	if err := bus.Publish(ctx, eventbus.On(subjects.Accounts, &eventsv1.AccountChanged{
		Meta:    &eventsv1.EventMeta{EventId: uuid.NewString(), OccurredAt: timestamppb.Now(), AggregateId: account, Version: 1},
		Account: &eventsv1.Account{AccountId: account, ResellerId: reseller, Name: "Traced", Status: eventsv1.AccountStatus_ACCOUNT_STATUS_ACTIVE},
	})); err != nil {
		t.Fatal(err)
	}
	root.End()
	testkit.Eventually(t, 20*time.Second, func() bool { return len(in.types()) == 1 }, "the delivery")

	var attempt tracetest.SpanStub
	testkit.Eventually(t, 10*time.Second, func() bool {
		for _, s := range exporter.GetSpans() {
			if s.SpanKind == trace.SpanKindClient && s.Name == "webhook account.created" {
				attempt = s
				return true
			}
		}
		return false
	}, "no span of the delivery's attempt")
	if attempt.SpanContext.TraceID() != root.SpanContext().TraceID() {
		t.Fatalf("the attempt's span is in trace %s, not the publish's %s", attempt.SpanContext.TraceID(), root.SpanContext().TraceID())
	}
	// The consumer's span ends when its handler returns, which can be
	// after the attempt it queued was made.
	var parent tracetest.SpanStub
	testkit.Eventually(t, 10*time.Second, func() bool {
		for _, s := range exporter.GetSpans() {
			if s.SpanContext.SpanID() == attempt.Parent.SpanID() {
				parent = s
				return true
			}
		}
		return false
	}, "no span of the attempt's parent")
	if parent.SpanKind != trace.SpanKindConsumer {
		t.Errorf("the attempt's parent is %q (%v), want the webhooks consumer's span", parent.Name, parent.SpanKind)
	}
}
