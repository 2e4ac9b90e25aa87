package eventbus_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eckey"
	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/eventsig"
	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/testkit"
)

// storedDeadLetters reads what the DEADLETTER stream holds for service:
// what an operator finds, unlike a plain subscription, which also sees
// messages the stream dropped as duplicates.
func storedDeadLetters(t *testing.T, service, accountID string, want int) []*nats.Msg {
	t.Helper()
	nc, err := nats.Connect(kit.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := nc.JetStream()
	var got []*nats.Msg
	testkit.Eventually(t, 20*time.Second, func() bool {
		sub, err := js.SubscribeSync(subjects.DeadLetter(service), nats.DeliverAll(), nats.AckNone())
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = sub.Unsubscribe() }()
		got = got[:0]
		for {
			m, err := sub.NextMsg(200 * time.Millisecond)
			if err != nil {
				break
			}
			// Consumers start at the beginning of the shared stream, so
			// they also refuse other tests' bad events.
			if m.Header.Get(eventbus.SubjectHeader) == subjects.Accounts.Of(accountID) {
				got = append(got, m)
			}
		}
		return len(got) >= want
	}, "want %d dead letters of %s for account %s", want, service, accountID)
	return got
}

func rejectAll(t *testing.T, accountID string) func(*eventbus.Bus) {
	return func(b *eventbus.Bus) {
		err := eventbus.Handle(b, "accounts", oneAccount(accountID), func(_ context.Context, e *eventsv1.AccountChanged) error {
			if e.GetAccount().GetAccountId() == accountID {
				return eventbus.Permanent(errors.New("refused"))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Two services refusing the same event must both leave a dead letter:
// each dead letter has its own message id, so the DEADLETTER stream's
// duplicate window does not drop the second.
func TestTwoServicesDeadLetterTheSameEvent(t *testing.T) {
	accountID := uuid.NewString()
	bus, first := startBus(t, prometheus.NewRegistry(), rejectAll(t, accountID))
	_, second := startBus(t, prometheus.NewRegistry(), rejectAll(t, accountID))
	ev := accountEvent(accountID, 1)
	if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, ev)); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, service := range []string{first, second} {
		msgs := storedDeadLetters(t, service, accountID, 1)
		m := msgs[0]
		if got := m.Header.Get(eventbus.OriginalEventIDHeader); got != ev.GetMeta().GetEventId() {
			t.Errorf("%s: original event id = %q, want %q", service, got, ev.GetMeta().GetEventId())
		}
		if got := m.Header.Get(eventbus.SubjectHeader); got != subjects.Accounts.Of(accountID) {
			t.Errorf("%s: subject header = %q, want the event's own subject", service, got)
		}
		if got := m.Header.Get(eventbus.EventTypeHeader); got != "resellerapi.events.v1.AccountChanged" {
			t.Errorf("%s: event_type = %q", service, got)
		}
		ids[m.Header.Get(nats.MsgIdHdr)] = true
	}
	if len(ids) != 2 || ids[ev.GetMeta().GetEventId()] {
		t.Errorf("dead letter message ids = %v: want two, neither the event's", ids)
	}
}

// A message whose handler keeps failing with a non-permanent error is
// redelivered a bounded number of times, then dead-lettered with the last
// error, instead of holding an ack-pending slot forever.
func TestEndlessFailureIsDeadLetteredAfterMaxDeliveries(t *testing.T) {
	accountID := uuid.NewString()
	var mu sync.Mutex
	attempts := 0
	reg := prometheus.NewRegistry()
	bus, service := startBus(t, reg, func(b *eventbus.Bus) {
		err := eventbus.Handle(b, "accounts", oneAccount(accountID), func(_ context.Context, e *eventsv1.AccountChanged) error {
			if e.GetAccount().GetAccountId() != accountID {
				return nil
			}
			mu.Lock()
			attempts++
			mu.Unlock()
			return errors.New("store unavailable")
		})
		if err != nil {
			t.Fatal(err)
		}
	}, func(c *eventbus.Config) {
		c.MaxRetries = 1
		c.MaxDeliveries = 3
		c.RedeliveryDelay = 10 * time.Millisecond
	})
	if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, accountEvent(accountID, 1))); err != nil {
		t.Fatal(err)
	}
	msgs := storedDeadLetters(t, service, accountID, 1)
	reason := msgs[0].Header.Get(eventbus.ReasonHeader)
	if !strings.Contains(reason, "gave up after 3 deliveries") || !strings.Contains(reason, "store unavailable") {
		t.Errorf("reason = %q, want the delivery count and the last error", reason)
	}
	mu.Lock()
	defer mu.Unlock()
	// Deliveries 1 and 2: one try and one retry each; delivery 3: one try.
	if attempts != 5 {
		t.Errorf("handler called %d times, want 5", attempts)
	}
}

// A handler that takes longer than the ack wait (a batch write on a slow
// store) keeps its message: JetStream is told it is in progress, so it is
// neither delivered again meanwhile nor is the handler's context ended.
func TestASlowHandlerKeepsItsMessage(t *testing.T) {
	accountID := uuid.NewString()
	var mu sync.Mutex
	var calls int
	var errs []error
	handled := make(chan struct{}, 10)
	bus, _ := startBus(t, prometheus.NewRegistry(), func(b *eventbus.Bus) {
		err := eventbus.Handle(b, "accounts", oneAccount(accountID), func(ctx context.Context, e *eventsv1.AccountChanged) error {
			if e.GetAccount().GetAccountId() != accountID {
				return nil
			}
			mu.Lock()
			calls++
			mu.Unlock()
			select {
			case <-time.After(3500 * time.Millisecond): // three and a half ack waits
			case <-ctx.Done():
			}
			mu.Lock()
			errs = append(errs, ctx.Err())
			mu.Unlock()
			handled <- struct{}{}
			return ctx.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
	}, func(c *eventbus.Config) {
		c.AckWait = time.Second
		c.HandlerTimeout = 10 * time.Second
		c.RedeliveryDelay = 10 * time.Millisecond
	})
	if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, accountEvent(accountID, 1))); err != nil {
		t.Fatal(err)
	}
	select {
	case <-handled:
	case <-time.After(20 * time.Second):
		t.Fatal("the event was never handled")
	}
	time.Sleep(2 * time.Second) // two more ack waits: a redelivery would show
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 || len(errs) != 1 || errs[0] != nil {
		t.Errorf("handler called %d times, its context ended with %v; want once, never ended", calls, errs)
	}
}

// Every replica following a subject sees every event, from the start of
// the stream, and is ready once it has caught up.
func TestFollowFeedsEveryReplicaEveryEvent(t *testing.T) {
	accountID := uuid.NewString()
	bus, service := startBus(t, prometheus.NewRegistry(), func(*eventbus.Bus) {})
	for v := int64(1); v <= 3; v++ {
		if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, accountEvent(accountID, v))); err != nil {
			t.Fatal(err)
		}
	}
	type replica struct {
		mu       sync.Mutex
		versions []int64
		f        *eventbus.Follower
	}
	replicas := make([]*replica, 2)
	for i := range replicas {
		r := &replica{}
		replicas[i] = r
		b, err := eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: service})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = b.Close() })
		r.f, err = eventbus.Follow(b, "accounts", oneAccount(accountID), func(_ context.Context, e *eventsv1.AccountChanged) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.versions = append(r.versions, e.GetMeta().GetVersion())
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range replicas {
		testkit.Eventually(t, 10*time.Second, func() bool { return r.f.Ready(context.Background()) == nil }, "replica %d not caught up", i)
		// The stream keeps the latest event of every aggregate: a replica
		// starting now is fed the latest state, not the history.
		r.mu.Lock()
		if !slices.Equal(r.versions, []int64{3}) {
			t.Errorf("replica %d caught up having seen %v, want the latest version, 3", i, r.versions)
		}
		r.mu.Unlock()
	}
	if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, accountEvent(accountID, 4))); err != nil {
		t.Fatal(err)
	}
	for i, r := range replicas {
		testkit.Eventually(t, 10*time.Second, func() bool {
			r.mu.Lock()
			defer r.mu.Unlock()
			return slices.Equal(r.versions, []int64{3, 4})
		}, "replica %d did not receive the new event", i)
	}
}

// A replica that stops must not take the shared durable consumer with it:
// the other replicas go on receiving events.
func TestStoppingAReplicaKeepsTheSharedConsumer(t *testing.T) {
	accountID := uuid.NewString()
	var mu sync.Mutex
	var second []int64
	service := "svc" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	// An event the server pushed to the stopping replica just before it
	// left is redelivered to the other after AckWait: keep it short here.
	named := func(c *eventbus.Config) { c.Service, c.AckWait = service, time.Second }
	ignore := func(b *eventbus.Bus) {
		if err := eventbus.Handle(b, "accounts", oneAccount(accountID), func(context.Context, *eventsv1.AccountChanged) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	// The first replica creates the consumer, then stops.
	first, err := eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: service, AckWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.EnsureStreams(infra.Streams()...); err != nil {
		t.Fatal(err)
	}
	ignore(first)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = first.Run(ctx) }()
	<-first.Running()

	bus, _ := startBus(t, prometheus.NewRegistry(), func(b *eventbus.Bus) {
		err := eventbus.Handle(b, "accounts", oneAccount(accountID), func(_ context.Context, e *eventsv1.AccountChanged) error {
			if e.GetAccount().GetAccountId() == accountID {
				mu.Lock()
				second = append(second, e.GetMeta().GetVersion())
				mu.Unlock()
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}, named)
	cancel()
	<-done
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	for v := int64(1); v <= 3; v++ {
		if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, accountEvent(accountID, v))); err != nil {
			t.Fatal(err)
		}
	}
	// The stream keeps the latest event of the account: versions 1 and 2
	// may be replaced before they are delivered, never version 3.
	testkit.Eventually(t, 10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(second) > 0 && second[len(second)-1] == 3
	}, "the remaining replica stopped receiving events when the first stopped")
}

// A follower that verifies applies the events its publisher signed and
// skips the rest: unsigned ones and those signed with another key.
func TestFollowVerifiedSkipsForgeries(t *testing.T) {
	newSigner := func() (*eventsig.Signer, *ecdsa.PublicKey) {
		k, err := eckey.New()
		if err != nil {
			t.Fatal(err)
		}
		s, err := eventsig.NewSigner(k)
		if err != nil {
			t.Fatal(err)
		}
		return s, &k.PublicKey
	}
	signer, public := newSigner()
	impostor, _ := newSigner()
	verifier, err := eventsig.NewVerifier(public)
	if err != nil {
		t.Fatal(err)
	}
	accountID := uuid.NewString()
	publisher, _ := startBus(t, prometheus.NewRegistry(), func(*eventbus.Bus) {}, func(c *eventbus.Config) { c.Signer = signer })
	unsigned, _ := startBus(t, prometheus.NewRegistry(), func(*eventbus.Bus) {})
	forger, _ := startBus(t, prometheus.NewRegistry(), func(*eventbus.Bus) {}, func(c *eventbus.Config) { c.Signer = impostor })

	reg := prometheus.NewRegistry()
	follower, _ := startBus(t, reg, func(*eventbus.Bus) {})
	var mu sync.Mutex
	var versions []int64
	if _, err := eventbus.Follow(follower, "accounts", oneAccount(accountID), func(_ context.Context, e *eventsv1.AccountChanged) error {
		mu.Lock()
		defer mu.Unlock()
		versions = append(versions, e.GetMeta().GetVersion())
		return nil
	}, eventbus.VerifiedBy(verifier)); err != nil {
		t.Fatal(err)
	}
	for v, bus := range []*eventbus.Bus{publisher, unsigned, forger, publisher} {
		if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, accountEvent(accountID, int64(v+1)))); err != nil {
			t.Fatal(err)
		}
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		return testkit.CounterValue(t, reg, "events_handled_total", "outcome", "applied") == 2
	}, "the signed events were not applied")
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(versions, []int64{1, 4}) {
		t.Errorf("applied versions %v, want [1 4] (2 unsigned, 3 signed by another key)", versions)
	}
	if got := testkit.CounterValue(t, reg, "events_handled_total", "outcome", "unverified"); got != 2 {
		t.Errorf("%v events counted unverified, want 2", got)
	}
}

// A follower whose bus was closed first (a service's Run closes it when it
// stops) stops without an error; one stopped twice too.
func TestAFollowerStopsAfterItsBus(t *testing.T) {
	b, err := eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: "follow-stop"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.EnsureStreams(infra.Streams()...); err != nil {
		t.Fatal(err)
	}
	f, err := eventbus.Follow(b, "accounts", oneAccount(uuid.NewString()), func(context.Context, *eventsv1.AccountChanged) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Stop(); err != nil {
		t.Errorf("stop after the bus closed: %v", err)
	}
	if err := f.Stop(); err != nil {
		t.Errorf("stop again: %v", err)
	}
}
