package eventbus_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/logging"
	"github.com/resellerapi/platform/pkg/testkit"
)

var kit *testkit.Kit

// oneAccount is the accounts topic narrowed to one account, so that each
// test handles its own events only.
type oneAccount string

func (a oneAccount) Pattern() string { return subjects.Accounts.Of(string(a)) }
func (a oneAccount) Subject(e *eventsv1.AccountChanged) string {
	return subjects.Accounts.Subject(e)
}
func (a oneAccount) Check(e *eventsv1.AccountChanged) error { return subjects.Accounts.Check(e) }

func TestMain(m *testing.M) { testkit.Main(m, &kit) }

// startBus starts a bus for a service name unique to the test, so that
// each test has its own durable consumers and dead-letter subject.
func startBus(t *testing.T, reg *prometheus.Registry, setup func(*eventbus.Bus), configure ...func(*eventbus.Config)) (*eventbus.Bus, string) {
	t.Helper()
	cfg := eventbus.Config{NATSURL: kit.NATSURL, Service: "svc" + strings.ReplaceAll(uuid.NewString()[:8], "-", ""), Registerer: reg, MaxRetries: 2}
	for _, c := range configure {
		c(&cfg)
	}
	service := cfg.Service
	bus, err := eventbus.Connect(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.EnsureStreams(infra.Streams()...); err != nil {
		t.Fatal(err)
	}
	setup(bus)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = bus.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; _ = bus.Close() })
	select {
	case <-bus.Running():
	case <-time.After(10 * time.Second):
		t.Fatal("bus not running")
	}
	return bus, service
}

// accountEvent returns an event for a fresh account id, so tests sharing
// the stream do not see each other's events.
func accountEvent(accountID string, version int64) *eventsv1.AccountChanged {
	return &eventsv1.AccountChanged{
		Meta: &eventsv1.EventMeta{
			EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(),
			AggregateId: accountID, Version: version,
		},
		Account: &eventsv1.Account{AccountId: accountID, ResellerId: "r1", Name: "Acme", Status: eventsv1.AccountStatus_ACCOUNT_STATUS_ACTIVE},
	}
}

// recorder records the events a handler saw for one account id.
type recorder struct {
	mu   sync.Mutex
	seen []*eventsv1.AccountChanged
	ctxs []context.Context
}

func (r *recorder) add(ctx context.Context, e *eventsv1.AccountChanged) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, e)
	r.ctxs = append(r.ctxs, ctx)
	return len(r.seen)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen)
}

func TestPublishedEventReachesHandlerOnceWithCorrelationID(t *testing.T) {
	accountID := uuid.NewString()
	var rec recorder
	bus, _ := startBus(t, prometheus.NewRegistry(), func(b *eventbus.Bus) {
		err := eventbus.Handle(b, "accounts", oneAccount(accountID), func(ctx context.Context, e *eventsv1.AccountChanged) error {
			if e.GetAccount().GetAccountId() == accountID {
				rec.add(ctx, e)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	ev := accountEvent(accountID, 1)
	ctx := logging.WithCorrelationID(context.Background(), "corr-42")
	// Published twice with the same event id: JetStream's duplicate window
	// must drop the second copy.
	for range 2 {
		if err := bus.Publish(ctx, eventbus.On(subjects.Accounts, ev)); err != nil {
			t.Fatal(err)
		}
	}
	testkit.Eventually(t, 10*time.Second, func() bool { return rec.count() >= 1 }, "event not handled")
	// Give a duplicate every chance to arrive before asserting there is none.
	if err := bus.Publish(ctx, eventbus.On(subjects.Accounts, accountEvent(accountID, 2))); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool { return rec.count() >= 2 }, "second event not handled")
	if n := rec.count(); n != 2 {
		t.Fatalf("handled %d events, want 2 (the duplicate must be dropped)", n)
	}
	if got := logging.CorrelationID(rec.ctxs[0]); got != "corr-42" {
		t.Errorf("correlation id in handler = %q, want corr-42", got)
	}
	if rec.seen[0].GetAccount().GetName() != "Acme" {
		t.Errorf("decoded event = %v", rec.seen[0])
	}
}

func TestInvalidEventsAreDeadLetteredAndDoNotBlock(t *testing.T) {
	accountID := uuid.NewString()
	var rec recorder
	reg := prometheus.NewRegistry()
	bus, service := startBus(t, reg, func(b *eventbus.Bus) {
		err := eventbus.Handle(b, "accounts", oneAccount(accountID), func(ctx context.Context, e *eventsv1.AccountChanged) error {
			if e.GetAccount().GetAccountId() != accountID {
				return nil
			}
			rec.add(ctx, e)
			if e.GetAccount().GetName() == "panic" {
				panic("handler bug")
			}
			if e.GetAccount().GetName() == "reject" {
				return eventbus.Permanent(errors.New("the handler refuses it"))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	deadLetters := kit.Subscribe(t, subjects.DeadLetter(service))

	nc, err := nats.Connect(kit.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := nc.JetStream()
	// The stream keeps the latest message of a subject: each one is
	// published once the one before was taken, or it would replace it.
	taken := func(deadLettered, handled int) {
		t.Helper()
		testkit.Eventually(t, 15*time.Second, func() bool { return len(deadLetters()) == deadLettered && rec.count() == handled },
			"want %d dead letters and %d events handled", deadLettered, handled)
	}
	// 1: not protobuf at all.
	if _, err := js.Publish(subjects.Accounts.Of(accountID), []byte("{not protobuf")); err != nil {
		t.Fatal(err)
	}
	taken(1, 0)
	// 2: decodes, but the envelope has no version.
	noVersion := accountEvent(accountID, 1)
	noVersion.Meta.Version = 0
	raw, _ := proto.Marshal(noVersion)
	if _, err := js.Publish(subjects.Accounts.Of(accountID), raw); err != nil {
		t.Fatal(err)
	}
	taken(2, 0)
	// 3: valid, rejected by the handler.
	invalid := accountEvent(accountID, 1)
	invalid.Account.Name = "reject"
	if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, invalid)); err != nil {
		t.Fatal(err)
	}
	taken(3, 1)
	// 4: an event sent with a header repeated, as a non-watermill publisher
	// may: it must reach the handler (here: valid, so applied).
	repeated := accountEvent(accountID, 3)
	raw, _ = proto.Marshal(repeated)
	msg := nats.NewMsg(subjects.Accounts.Of(accountID))
	msg.Data = raw
	msg.Header.Add("correlation_id", "first")
	msg.Header.Add("correlation_id", "second")
	if _, err := js.PublishMsg(msg); err != nil {
		t.Fatal(err)
	}
	taken(3, 2)
	// 5: an event the handler panics on.
	panicking := accountEvent(accountID, 4)
	panicking.Account.Name = "panic"
	if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, panicking)); err != nil {
		t.Fatal(err)
	}
	taken(4, 3)
	// 6: a good event behind them must still be handled.
	if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, accountEvent(accountID, 5))); err != nil {
		t.Fatal(err)
	}

	taken(4, 4)
	versions := map[int64]string{}
	rec.mu.Lock()
	for i, e := range rec.seen {
		versions[e.GetMeta().GetVersion()] = logging.CorrelationID(rec.ctxs[i])
	}
	rec.mu.Unlock()
	if versions[3] != "first" {
		t.Errorf("event with a repeated header: handled = %v, correlation id %q, want first", versions, versions[3])
	}

	reasons := map[string]bool{}
	for _, m := range deadLetters() {
		reasons[m.Header.Get("reason_poisoned")] = true
	}
	for _, want := range []string{"decode resellerapi.events.v1.AccountChanged", "meta.version must be 1 or more, got 0", "the handler refuses it", "handler panicked: handler bug"} {
		found := false
		for r := range reasons {
			found = found || strings.Contains(r, want)
		}
		if !found {
			t.Errorf("no dead letter with a reason containing %q; reasons: %v", want, reasons)
		}
	}
	if got := testkit.CounterValue(t, reg, "events_handled_total", "outcome", "dead_lettered"); got != 4 {
		t.Errorf("dead_lettered counter = %v, want 4", got)
	}
}

func TestTransientFailuresAreRetriedAndStaleEventsAcked(t *testing.T) {
	accountID := uuid.NewString()
	var rec recorder
	reg := prometheus.NewRegistry()
	bus, _ := startBus(t, reg, func(b *eventbus.Bus) {
		err := eventbus.Handle(b, "accounts", oneAccount(accountID), func(ctx context.Context, e *eventsv1.AccountChanged) error {
			if e.GetAccount().GetAccountId() != accountID {
				return nil
			}
			n := rec.add(ctx, e)
			switch {
			case e.GetMeta().GetVersion() == 1 && n <= 3:
				return errors.New("store unavailable") // fails 3 times: 2 retries, then a nack and a redelivery
			case e.GetMeta().GetVersion() == 0:
				return nil
			case e.GetMeta().GetVersion() == 7:
				return eventbus.ErrStale
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, accountEvent(accountID, 1))); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 20*time.Second, func() bool { return rec.count() >= 4 }, "event not redelivered after failures")
	if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, accountEvent(accountID, 7))); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		return testkit.CounterValue(t, reg, "events_handled_total", "outcome", "stale") == 1
	}, "stale event not counted")
	if got := testkit.CounterValue(t, reg, "events_handled_total", "outcome", "failed"); got != 3 {
		t.Errorf("failed counter = %v, want 3", got)
	}
}

func TestPublishRefusesEventsWithoutEnvelope(t *testing.T) {
	bus, _ := startBus(t, prometheus.NewRegistry(), func(*eventbus.Bus) {})
	accountID := uuid.NewString()
	ev := accountEvent(accountID, 1)
	ev.Meta.AggregateId = ""
	if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, ev)); err == nil {
		t.Error("Publish accepted an event without aggregate id")
	}
	ev = accountEvent(accountID, 1)
	ev.Account.Country = "ZZ"
	if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, ev)); err == nil {
		t.Error("Publish accepted an event that breaks its rules")
	}
	if err := bus.Publish(context.Background(), eventbus.Publication{}); err == nil {
		t.Error("Publish accepted a publication not made with On")
	}
	if got := eventbus.On(subjects.Accounts, accountEvent(accountID, 1)).Subject(); got != subjects.Accounts.Of(accountID) {
		t.Errorf("an account's subject is %q, want its topic's subject of its aggregate id", got)
	}
}

func TestAnOlderVersionPublishedLateDoesNotReplaceTheNewerInTheStream(t *testing.T) {
	accountID := uuid.NewString()
	var rec recorder
	bus, _ := startBus(t, prometheus.NewRegistry(), func(b *eventbus.Bus) {
		err := eventbus.Handle(b, "accounts", oneAccount(accountID), func(ctx context.Context, e *eventsv1.AccountChanged) error {
			rec.add(ctx, e)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	// Version 2 (twice), then version 1 late: the
	// stream, which keeps the subject's latest message, keeps version 2.
	for _, v := range []int64{2, 2, 1} {
		if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, accountEvent(accountID, v))); err != nil {
			t.Fatal(err)
		}
	}
	nc, err := nats.Connect(kit.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := nc.JetStream()
	last, err := js.GetLastMsg("DIRECTORY", subjects.Accounts.Of(accountID))
	if err != nil {
		t.Fatal(err)
	}
	var stored eventsv1.AccountChanged
	if err := proto.Unmarshal(last.Data, &stored); err != nil || stored.GetMeta().GetVersion() != 2 {
		t.Errorf("the stream holds version %d (%v), want 2", stored.GetMeta().GetVersion(), err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return len(rec.seen) > 0 && rec.seen[len(rec.seen)-1].GetMeta().GetVersion() == 2
	}, "version 2 not handled")
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, e := range rec.seen {
		if e.GetMeta().GetVersion() != 2 {
			t.Errorf("the handler saw version %d", e.GetMeta().GetVersion())
		}
	}
}
