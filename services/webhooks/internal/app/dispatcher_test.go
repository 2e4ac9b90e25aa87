package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/secretbox"
	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/services/webhooks/internal/adapters"
	"github.com/resellerapi/platform/services/webhooks/internal/app"
	"github.com/resellerapi/platform/services/webhooks/internal/domain"
)

var kit *testkit.Kit

func TestMain(m *testing.M) { testkit.Main(m, &kit) }

// clock is a test's time, moved on by hand past the retry schedule.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}
func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// receiver is a reseller's endpoint: it verifies each delivery with the
// specification's library and answers what answer says.
type receiver struct {
	t       *testing.T
	secrets []string
	answer  func(n int) int // the status of the n-th delivery (from 1)
	block   chan struct{}   // when set, each request waits on it

	mu       sync.Mutex
	ids      []string
	types    []string
	verified []int // per delivery, how many of the secrets verified it
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body) // first: then a client that gives up cancels r's context
	if rc.block != nil {
		select {
		case <-rc.block:
		case <-r.Context().Done():
			return
		}
	}
	ok := 0
	for _, s := range rc.secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			rc.t.Error(err)
			return
		}
		// The test's clock runs ahead of the library's.
		if wh.VerifyIgnoringTimestamp(body, r.Header) == nil {
			ok++
		}
	}
	var payload struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(body, &payload)
	rc.mu.Lock()
	rc.ids = append(rc.ids, r.Header.Get("webhook-id"))
	rc.types = append(rc.types, payload.Type)
	rc.verified = append(rc.verified, ok)
	n := len(rc.ids)
	rc.mu.Unlock()
	status := http.StatusNoContent
	if rc.answer != nil {
		status = rc.answer(n)
	}
	w.WriteHeader(status)
}

func (rc *receiver) received() (ids []string, verified []int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.ids...), append([]int(nil), rc.verified...)
}

type fixture struct {
	store *adapters.Store
	queue *adapters.Queue
	name  string // the queue's, of this test alone
	clock *clock
}

// ackWait is how long the tests' replicas may hold a delivery: more than
// their attempts' 5 s timeout.
const ackWait = 6 * time.Second

func newFixture(t *testing.T) fixture {
	t.Helper()
	box, err := secretbox.New([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	db := kit.DatabaseName(t)
	store := adapters.NewStore(kit.Mongo.Database(db), box)
	if err := store.EnsureIndexes(t.Context()); err != nil {
		t.Fatal(err)
	}
	f := fixture{store: store, name: "wh_" + db, clock: newClock()}
	f.queue = f.newQueue(t)
	return f
}

// newQueue connects to the test's queue as a replica does.
func (f fixture) newQueue(t *testing.T) *adapters.Queue {
	t.Helper()
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: f.name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bus.Close() })
	q, err := adapters.NewQueue(t.Context(), bus, adapters.QueueConfig{Name: f.name, AckWait: ackWait}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// start runs a dispatcher (a replica) until the returned stop is called.
func (f fixture) start(t *testing.T, allowPrivate bool, cfg app.DispatcherConfig) (stop func()) {
	cfg.Now, cfg.Recheck, cfg.Busy = f.clock.Now, 20*time.Millisecond, 20*time.Millisecond
	client := adapters.NewDeliveryClient(adapters.DeliveryClientConfig{Timeout: 5 * time.Second, AllowPrivateTargets: allowPrivate})
	d := app.NewDispatcher(f.store, f.queue, client, adapters.SignedHeaders, adapters.ReadCapped, slog.New(slog.DiscardHandler), cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

func (f fixture) subscribe(t *testing.T, id, url string, secrets ...domain.Secret) domain.Subscription {
	t.Helper()
	if len(secrets) == 0 {
		s, _ := adapters.NewSecret()
		secrets = []domain.Secret{{Value: s}}
	}
	sub := domain.Subscription{ID: id, ResellerID: "res-" + id, URL: url, Events: []domain.EventType{domain.AllEvents},
		Status: domain.Active, Secrets: secrets, CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now()}
	if err := f.store.CreateSubscription(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	return sub
}

func (f fixture) enqueue(t *testing.T, sub domain.Subscription, events ...string) []string {
	t.Helper()
	var ds []domain.Delivery
	var ids []string
	for _, ev := range events {
		d := domain.Delivery{ID: domain.DeliveryID(ev, domain.InvoiceIssued, sub.ID), SubscriptionID: sub.ID, ResellerID: sub.ResellerID, EventID: ev,
			Type: domain.InvoiceIssued, Body: fmt.Appendf(nil, `{"type":"invoice.issued","timestamp":"2026-12-06T12:00:00Z","data":{"id":%q}}`, ev),
			NextAt: f.clock.Now(), CreatedAt: f.clock.Now()}
		ds = append(ds, d)
		ids = append(ids, d.ID)
	}
	if n, err := f.store.Enqueue(t.Context(), append(ds, ds...)); err != nil || n != len(ds) { // twice: stored once
		t.Fatalf("stored %d of %d: %v", n, len(ds), err)
	}
	for _, d := range append(ds, ds...) { // twice: queued once
		if err := f.queue.Put(t.Context(), d); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testkit.Eventually(t, 20*time.Second, cond, "%s", what)
}

// A receiver that fails three times and then succeeds gets the same
// webhook-id every time, each attempt signed; the delivery log shows the
// four attempts and the subscription is healthy again.
func TestRetriesKeepTheWebhookID(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	secret, _ := adapters.NewSecret()
	rc := &receiver{t: t, secrets: []string{secret}, answer: func(n int) int {
		if n <= 3 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	sub := f.subscribe(t, "retry", srv.URL, domain.Secret{Value: secret})
	want := f.enqueue(t, sub, "evt-1")[0]
	f.start(t, true, app.DispatcherConfig{Workers: 2})
	for attempt := 1; attempt <= 4; attempt++ {
		eventually(t, fmt.Sprintf("attempt %d", attempt), func() bool { ids, _ := rc.received(); return len(ids) >= attempt })
		// The clock moves on once the attempt is recorded.
		eventually(t, fmt.Sprintf("attempt %d recorded", attempt), func() bool {
			log, _ := f.store.Deliveries(t.Context(), sub.ID, 1)
			return len(log) == 1 && len(log[0].Attempts) >= attempt
		})
		if attempt < 4 {
			f.clock.Advance(domain.RetrySchedule[attempt-1] + domain.RetrySchedule[attempt-1]/5 + time.Second)
		}
	}
	ids, verified := rc.received()
	for i := range ids {
		if ids[i] != want || verified[i] != 1 {
			t.Errorf("attempt %d: webhook-id %q (want %q), verified by %d secrets", i+1, ids[i], want, verified[i])
		}
	}
	var log []domain.Delivery
	eventually(t, "the log shows success", func() bool {
		log, _ = f.store.Deliveries(t.Context(), sub.ID, 10)
		return len(log) == 1 && log[0].State == domain.Succeeded
	})
	if got := log[0].Attempts; len(got) != 4 || got[0].Status != 500 || got[3].Status != 200 || got[3].Outcome != domain.Delivered {
		t.Errorf("attempts %+v", got)
	}
	eventually(t, "the subscription healthy", func() bool {
		s, _ := f.store.Subscription(t.Context(), sub.ID)
		return s.FailingSince.IsZero()
	})
	time.Sleep(100 * time.Millisecond)
	if ids, _ := rc.received(); len(ids) != 4 {
		t.Errorf("%d deliveries after success, want 4", len(ids))
	}
}

// A hanging endpoint holds at most its bound of workers: another
// reseller's deliveries arrive while it hangs.
func TestAHangingEndpointDoesNotDelayOthers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hanging := &receiver{t: t, block: make(chan struct{})}
	slow := httptest.NewServer(hanging)
	defer slow.Close()
	defer close(hanging.block) // before Close, which waits for the requests
	fine := &receiver{t: t}
	fast := httptest.NewServer(fine)
	defer fast.Close()
	slowSub := f.subscribe(t, "hangs", slow.URL)
	fastSub := f.subscribe(t, "answers", fast.URL)
	var events []string
	for i := range 20 {
		events = append(events, fmt.Sprintf("slow-%d", i))
	}
	f.enqueue(t, slowSub, events...)
	f.enqueue(t, fastSub, "fast-1", "fast-2", "fast-3", "fast-4", "fast-5")
	f.start(t, true, app.DispatcherConfig{Workers: 4, PerEndpoint: 2})
	eventually(t, "the other reseller's five deliveries", func() bool { ids, _ := fine.received(); return len(ids) == 5 })
	if ids, _ := hanging.received(); len(ids) != 0 {
		t.Errorf("the hanging endpoint answered %d", len(ids))
	}
}

// 410 Gone disables the subscription, says why, and cancels what was
// queued for it.
func TestGoneDisables(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := &receiver{t: t, answer: func(int) int { return http.StatusGone }}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	sub := f.subscribe(t, "gone", srv.URL)
	f.enqueue(t, sub, "g-1", "g-2", "g-3")
	f.start(t, true, app.DispatcherConfig{Workers: 1, PerEndpoint: 1})
	eventually(t, "disabled", func() bool {
		s, _ := f.store.Subscription(t.Context(), sub.ID)
		return s.Status == domain.Disabled && strings.Contains(s.DisabledReason, "410 Gone")
	})
	eventually(t, "the rest cancelled", func() bool {
		log, _ := f.store.Deliveries(t.Context(), sub.ID, 10)
		cancelled := 0
		for _, d := range log {
			if d.State == domain.Cancelled {
				cancelled++
			}
		}
		return cancelled == 3
	})
	if ids, _ := rc.received(); len(ids) != 1 {
		t.Errorf("%d deliveries reached a gone endpoint, want 1", len(ids))
	}
	if backlog, err := f.queue.Backlog(t.Context()); err != nil || backlog[sub.ID] != 0 {
		t.Errorf("left queued for a disabled subscription: %v %v", backlog, err)
	}
}

// During a rotation's grace period both secrets sign; after it only the
// new one.
func TestRotationSignsWithBothSecrets(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	oldSecret, _ := adapters.NewSecret()
	newSecret, _ := adapters.NewSecret()
	rc := &receiver{t: t, secrets: []string{oldSecret, newSecret}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	sub := f.subscribe(t, "rotated", srv.URL, domain.Secret{Value: newSecret}, domain.Secret{Value: oldSecret, Expires: f.clock.Now().Add(time.Hour)})
	f.enqueue(t, sub, "r-1")
	stop := f.start(t, true, app.DispatcherConfig{Workers: 1})
	eventually(t, "the first delivery", func() bool { ids, _ := rc.received(); return len(ids) == 1 })
	stop()
	f.clock.Advance(2 * time.Hour)
	f.enqueue(t, sub, "r-2")
	f.start(t, true, app.DispatcherConfig{Workers: 1})
	eventually(t, "the second delivery", func() bool { ids, _ := rc.received(); return len(ids) == 2 })
	if _, verified := rc.received(); verified[0] != 2 || verified[1] != 1 {
		t.Errorf("verified by %v secrets, want 2 in the grace period then 1", verified)
	}
}

// A replica that stops in the middle of a retry schedule, or dies holding
// a delivery, loses nothing: another replica sends it.
func TestARestartLosesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := &receiver{t: t, answer: func(n int) int {
		if n == 1 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	sub := f.subscribe(t, "restart", srv.URL)
	f.enqueue(t, sub, "x-1")
	stop := f.start(t, true, app.DispatcherConfig{Workers: 1})
	eventually(t, "the failed first attempt", func() bool {
		log, _ := f.store.Deliveries(t.Context(), sub.ID, 10)
		return len(log) == 1 && len(log[0].Attempts) == 1
	})
	stop()
	// A replica takes the second and dies without a word.
	f.enqueue(t, sub, "x-2")
	dead := f.newQueue(t)
	taken := make(chan struct{})
	var once sync.Once
	ctx, die := context.WithCancel(t.Context())
	go func() { _ = dead.Work(ctx, 1, func(app.Job) { once.Do(func() { close(taken) }) }) }()
	select {
	case <-taken:
	case <-time.After(20 * time.Second):
		t.Fatal("the replica that dies took nothing")
	}
	die()
	f.clock.Advance(domain.RetrySchedule[0] * 2) // past the retry
	f.start(t, true, app.DispatcherConfig{Workers: 1})
	testkit.Eventually(t, ackWait+20*time.Second, func() bool {
		log, _ := f.store.Deliveries(t.Context(), sub.ID, 10)
		return len(log) == 2 && log[0].State == domain.Succeeded && log[1].State == domain.Succeeded
	}, "both delivered")
}

// With the allowance off, a target on loopback is refused on the address
// dialled, and the log says so.
func TestPrivateTargetsAreRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := &receiver{t: t}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	sub := f.subscribe(t, "internal", strings.Replace(srv.URL, "127.0.0.1", "localhost", 1))
	f.enqueue(t, sub, "p-1")
	f.start(t, false, app.DispatcherConfig{Workers: 1})
	var log []domain.Delivery
	eventually(t, "a refused attempt", func() bool {
		log, _ = f.store.Deliveries(t.Context(), sub.ID, 10)
		return len(log) == 1 && len(log[0].Attempts) == 1
	})
	if a := log[0].Attempts[0]; a.Outcome != domain.Refused || !strings.Contains(a.Error, "loopback") || log[0].State != domain.Pending {
		t.Errorf("attempt %+v, state %s", a, log[0].State)
	}
	if ids, _ := rc.received(); len(ids) != 0 {
		t.Errorf("%d deliveries reached loopback", len(ids))
	}
}

// A subscription paused after its deliveries were queued holds them (they
// are set aside, not sent nor taken again and again) until it is resumed.
func TestAPausedSubscriptionHoldsItsDeliveries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := &receiver{t: t}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	sub := f.subscribe(t, "paused", srv.URL)
	f.enqueue(t, sub, "h-1", "h-2")
	if err := f.store.SetStatus(t.Context(), sub.ID, domain.Paused, "", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// Queued as not held, as if the pause came between the queueing and
	// the claim.
	f.enqueue(t, sub, "h-3")
	f.start(t, true, app.DispatcherConfig{Workers: 2})
	eventually(t, "all three held", func() bool {
		log, _ := f.store.Deliveries(t.Context(), sub.ID, 10)
		held := 0
		for _, d := range log {
			if d.Held && d.State == domain.Pending && len(d.Attempts) == 0 {
				held++
			}
		}
		return held == 3
	})
	time.Sleep(100 * time.Millisecond)
	if ids, _ := rc.received(); len(ids) != 0 {
		t.Fatalf("a paused subscription was sent %d deliveries", len(ids))
	}
	if backlog, err := f.queue.Backlog(t.Context()); err != nil || backlog[sub.ID] != 3 {
		t.Errorf("backlog %v (%v), want the three held", backlog, err)
	}
	if err := f.store.SetStatus(t.Context(), sub.ID, domain.Active, "", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.queue.Release(t.Context(), sub.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the three sent once resumed", func() bool { ids, _ := rc.received(); return len(ids) == 3 })
}
