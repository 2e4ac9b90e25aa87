package eventbus_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/testkit"
)

// metric finds the metric name with label=value in g.
func metric(t *testing.T, g prometheus.Gatherer, name, label, value string) *dto.Metric {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m
				}
			}
		}
	}
	return nil
}

func TestMetricsReportTheBacklogAndTheProjectionLag(t *testing.T) {
	accountID := uuid.NewString()
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock)
	reg := prometheus.NewRegistry()
	bus, service := startBus(t, reg, func(b *eventbus.Bus) {
		err := eventbus.Handle(b, "accounts", oneAccount(accountID), func(context.Context, *eventsv1.AccountChanged) error {
			<-release
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	durable := service + "_accounts"
	backlog := func() float64 {
		var n float64
		for _, name := range []string{"eventbus_consumer_pending_messages", "eventbus_consumer_ack_pending_messages"} {
			if m := metric(t, reg, name, "consumer", durable); m != nil {
				n += m.GetGauge().GetValue()
			}
		}
		return n
	}
	ev := accountEvent(accountID, 1)
	ev.Meta.OccurredAt = timestamppb.New(time.Now().Add(-2 * time.Second)) // it happened two seconds ago
	if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, ev)); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool { return backlog() == 1 }, "the waiting event is not in the consumer's backlog")
	unblock()
	testkit.Eventually(t, 10*time.Second, func() bool { return backlog() == 0 }, "the handled event is still in the backlog")
	lag := metric(t, reg, "event_projection_lag_seconds", "handler", "accounts")
	if lag == nil || lag.GetHistogram().GetSampleCount() != 1 || lag.GetHistogram().GetSampleSum() < 2 {
		t.Errorf("projection lag %v, want one event of more than 2 s", lag.GetHistogram())
	}
}
