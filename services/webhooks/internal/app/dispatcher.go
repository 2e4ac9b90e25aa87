// Package app holds the webhooks service's use cases: delivering queued
// events to the resellers' endpoints (Dispatcher).
package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/resellerapi/platform/pkg/tracing"
	"github.com/resellerapi/platform/services/webhooks/internal/domain"
)

// ErrNotFound is a store's answer for an id it does not hold.
var ErrNotFound = errors.New("not found")

// ErrLeaseLost is a store's answer to a record of a delivery whose lease
// ended and which another claim took meanwhile.
var ErrLeaseLost = errors.New("the delivery's lease was lost")

// Store keeps subscriptions and the delivery queue.
type Store interface {
	Subscription(ctx context.Context, id string) (domain.Subscription, error)
	SetStatus(ctx context.Context, id string, status domain.Status, reason string, at time.Time) error
	SetFailingSince(ctx context.Context, id string, since time.Time) error
	Enqueue(ctx context.Context, ds []domain.Delivery) (int, error)
	Claim(ctx context.Context, now time.Time, lease time.Duration, skip []string) (domain.Delivery, bool, error)
	Record(ctx context.Context, d domain.Delivery) error
}

// Sender sends one attempt: an *http.Client from
// adapters.NewDeliveryClient.
type Sender interface {
	Do(*http.Request) (*http.Response, error)
}

// Signer returns a delivery attempt's signed headers.
type Signer func(id string, at time.Time, body []byte, secrets []string) (http.Header, error)

// Answer reads the body of what an endpoint answered, up to a cap.
type Answer func(ctx context.Context, body io.Reader) []byte

// DispatcherConfig sizes a dispatcher.
type DispatcherConfig struct {
	// Workers is how many attempts a replica makes at once (default 32).
	Workers int
	// PerEndpoint bounds one subscription's attempts in flight on a
	// replica (default 4), so a slow endpoint holds at most that many
	// workers and never the others' deliveries.
	PerEndpoint int
	// Lease is how long a claimed delivery is this replica's (default
	// 60 s, more than an attempt's timeout); one that dies holding it
	// loses it then.
	Lease time.Duration
	// Idle is how long a worker waits when nothing is due (default 500
	// ms), unless woken.
	Idle time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Dispatcher claims due deliveries from the store and sends them, signed,
// recording each attempt and what follows: the next retry, success, or
// the subscription disabled (410 Gone, or failing for FailingFor).
type Dispatcher struct {
	store   Store
	send    Sender
	sign    Signer
	answer  Answer
	log     *slog.Logger
	now     func() time.Time
	cfg     DispatcherConfig
	observe func(domain.Outcome, time.Duration)

	mu       sync.Mutex
	inFlight map[string]int
	wake     chan struct{}
	// claiming makes a replica's claims one at a time: MongoDB's
	// findOneAndUpdate is atomic, but FerretDB's (the embedded store)
	// is a find and then an update, so two concurrent claims could take
	// the same delivery. Between replicas on FerretDB that can still
	// happen; a receiver deduplicates on webhook-id.
	claiming sync.Mutex
}

// NewDispatcher returns a dispatcher; Run starts it.
func NewDispatcher(store Store, send Sender, sign Signer, answer Answer, log *slog.Logger, cfg DispatcherConfig) *Dispatcher {
	if cfg.Workers <= 0 {
		cfg.Workers = 32
	}
	if cfg.PerEndpoint <= 0 {
		cfg.PerEndpoint = 4
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	if cfg.Idle <= 0 {
		cfg.Idle = 500 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Dispatcher{store: store, send: send, sign: sign, answer: answer, log: log, now: cfg.Now, cfg: cfg,
		observe: func(domain.Outcome, time.Duration) {}, inFlight: map[string]int{}, wake: make(chan struct{}, 1)}
}

// ObserveAttempts has f called after every attempt (metrics).
func (d *Dispatcher) ObserveAttempts(f func(domain.Outcome, time.Duration)) { d.observe = f }

// Wake has an idle worker look for due deliveries now (after an enqueue).
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, then waits for the attempts in flight
// (each is recorded).
func (d *Dispatcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range d.cfg.Workers {
		wg.Go(func() { d.work(ctx) })
	}
	wg.Wait()
}

func (d *Dispatcher) work(ctx context.Context) {
	for ctx.Err() == nil {
		worked, err := d.next(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Warn("webhook delivery", "err", err)
		}
		if worked {
			continue
		}
		select {
		case <-ctx.Done():
		case <-d.wake:
		case <-time.After(d.cfg.Idle):
		}
	}
}

// busy lists the subscriptions at their bound on this replica.
func (d *Dispatcher) busy() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for id, n := range d.inFlight {
		if n >= d.cfg.PerEndpoint {
			out = append(out, id)
		}
	}
	return out
}

func (d *Dispatcher) acquire(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inFlight[id] >= d.cfg.PerEndpoint {
		return false
	}
	d.inFlight[id]++
	return true
}

func (d *Dispatcher) release(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inFlight[id]--; d.inFlight[id] <= 0 {
		delete(d.inFlight, id)
	}
}

// next claims and sends one due delivery; worked is false when none was
// due.
func (d *Dispatcher) next(ctx context.Context) (worked bool, err error) {
	d.claiming.Lock()
	del, ok, err := d.store.Claim(ctx, d.now(), d.cfg.Lease, d.busy())
	if ok && err == nil && !d.acquire(del.SubscriptionID) {
		d.claiming.Unlock()
		// The endpoint is at its bound (another worker's attempt began
		// between busy and the claim): give the delivery back as it was.
		return true, d.store.Record(context.WithoutCancel(ctx), del)
	}
	d.claiming.Unlock()
	if err != nil || !ok {
		return false, err
	}
	// The attempt and its record outlive a shutdown that starts meanwhile.
	ctx = context.WithoutCancel(ctx)
	defer d.release(del.SubscriptionID)
	return true, d.deliver(ctx, del)
}

func (d *Dispatcher) deliver(ctx context.Context, del domain.Delivery) error {
	sub, err := d.store.Subscription(ctx, del.SubscriptionID)
	if errors.Is(err, ErrNotFound) {
		del.State = domain.Cancelled // deleted since it was queued
		return d.store.Record(ctx, del)
	}
	if err != nil {
		return err
	}
	switch sub.Status {
	case domain.Disabled:
		del.State = domain.Cancelled
		return d.store.Record(ctx, del)
	case domain.Paused:
		del.Held = true
		return d.store.Record(ctx, del)
	}
	a := d.attempt(ctx, sub, del)
	del.After(a)
	d.observe(a.Outcome, a.Duration)
	if err := d.store.Record(ctx, del); err != nil {
		return err
	}
	switch a.Outcome {
	case domain.Delivered:
		if !sub.FailingSince.IsZero() {
			return d.store.SetFailingSince(ctx, sub.ID, time.Time{})
		}
	case domain.Gone:
		d.log.Info("webhook endpoint gone: subscription disabled", "subscription", sub.ID, "reseller", sub.ResellerID)
		return d.store.SetStatus(ctx, sub.ID, domain.Disabled,
			fmt.Sprintf("the endpoint answered 410 Gone at %s", a.At.UTC().Format(time.RFC3339)), a.At)
	default:
		if sub.FailingSince.IsZero() {
			return d.store.SetFailingSince(ctx, sub.ID, a.At)
		}
		if a.At.Sub(sub.FailingSince) >= domain.FailingFor {
			d.log.Info("webhook endpoint failing: subscription disabled", "subscription", sub.ID, "reseller", sub.ResellerID)
			return d.store.SetStatus(ctx, sub.ID, domain.Disabled,
				fmt.Sprintf("every attempt failed from %s to %s (last: %s)", sub.FailingSince.UTC().Format(time.RFC3339),
					a.At.UTC().Format(time.RFC3339), a.Describe()), a.At)
		}
	}
	return nil
}

// attempt sends del to sub's endpoint once, as a span of the trace of
// the change that queued it.
func (d *Dispatcher) attempt(ctx context.Context, sub domain.Subscription, del domain.Delivery) (a domain.Attempt) {
	ctx, span := tracing.Tracer().Start(tracing.Extract(ctx, del.Trace), "webhook "+string(del.Type), trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("webhook.id", del.ID), attribute.String("webhook.subscription", sub.ID),
			attribute.Int("webhook.attempt", len(del.Attempts)+1)))
	defer func() {
		span.SetAttributes(attribute.String("webhook.outcome", string(a.Outcome)), attribute.Int("http.response.status_code", a.Status))
		if a.Outcome != domain.Delivered {
			span.SetStatus(codes.Error, a.Describe())
		}
		span.End()
	}()
	start := d.now()
	a = domain.Attempt{At: start}
	fail := func(err error) domain.Attempt {
		a.Outcome, a.Error, a.Duration = domain.Failed, err.Error(), d.now().Sub(start)
		if errors.Is(err, ErrForbiddenTarget) {
			a.Outcome = domain.Refused
		}
		return a
	}
	headers, err := d.sign(del.ID, start, del.Body, sub.SigningSecrets(start))
	if err != nil {
		return fail(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(del.Body))
	if err != nil {
		return fail(err)
	}
	for k, v := range headers {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ResellerAPI-Webhooks/1")
	resp, err := d.send.Do(req)
	if err != nil {
		return fail(err)
	}
	body := d.answer(ctx, resp.Body)
	_ = resp.Body.Close()
	a.Status, a.Response, a.Duration = resp.StatusCode, string(body), d.now().Sub(start)
	a.Outcome = domain.OutcomeOf(resp.StatusCode)
	return a
}

// ErrForbiddenTarget marks a send the target policy refused; the sender's
// error wraps it (adapters.ErrForbiddenTarget is this error).
var ErrForbiddenTarget = errors.New("forbidden webhook target")
