// Package app holds the webhooks service's use cases: turning changes into
// deliveries (Fanout), sending them to the resellers' endpoints
// (Dispatcher) and the subscriptions API (Subscriptions).
package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
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

// Store keeps the subscriptions and the deliveries' log.
type Store interface {
	Subscription(ctx context.Context, id string) (domain.Subscription, error)
	SetStatus(ctx context.Context, id string, status domain.Status, reason string, at time.Time) error
	SetFailingSince(ctx context.Context, id string, since time.Time) error
	// Record adds a step to d's log: its state after attempt a (nil
	// when there was none).
	Record(ctx context.Context, d domain.Delivery, a *domain.Attempt) error
}

// Queue holds the deliveries to be sent, shared by every replica.
type Queue interface {
	// Put queues d: due at d.NextAt, or set aside while d.Held. A due
	// step of a schedule (the same ID, Since and Tries) put twice within
	// two minutes is queued once.
	Put(ctx context.Context, d domain.Delivery) error
	// Release makes the deliveries set aside for a subscription due.
	Release(ctx context.Context, subscriptionID string) (int, error)
	// Drop removes a subscription's queued deliveries.
	Drop(ctx context.Context, subscriptionID string) error
	// Work hands the deliveries taken by this replica to handle, n at
	// once, until ctx ends; then it waits for the calls in flight.
	Work(ctx context.Context, n int, handle func(Job)) error
}

// Job is a delivery taken from the queue: until Done, or until its
// holder dies, no other replica gets it; Later gives it back to be taken
// again after a while.
type Job struct {
	Delivery domain.Delivery
	Done     func() error
	Later    func(time.Duration) error
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
	// Busy is how long a delivery of an endpoint at its bound waits
	// before it is taken again (default 1 s, with up to as much jitter).
	Busy time.Duration
	// Recheck is the longest a delivery not due yet waits before it is
	// looked at again (default 10 minutes; it is due when the clock says
	// so, which tests move on by hand).
	Recheck time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Dispatcher sends the deliveries it takes from the queue, signed,
// records each attempt and queues what follows: the next retry, or
// nothing after success; it disables a subscription whose endpoint
// answers 410 Gone or fails for FailingFor.
type Dispatcher struct {
	store   Store
	queue   Queue
	send    Sender
	sign    Signer
	answer  Answer
	log     *slog.Logger
	now     func() time.Time
	cfg     DispatcherConfig
	observe func(domain.Outcome, time.Duration)

	mu       sync.Mutex
	inFlight map[string]int
}

// NewDispatcher returns a dispatcher; Run starts it.
func NewDispatcher(store Store, queue Queue, send Sender, sign Signer, answer Answer, log *slog.Logger, cfg DispatcherConfig) *Dispatcher {
	if cfg.Workers <= 0 {
		cfg.Workers = 32
	}
	if cfg.PerEndpoint <= 0 {
		cfg.PerEndpoint = 4
	}
	if cfg.Busy <= 0 {
		cfg.Busy = time.Second
	}
	if cfg.Recheck <= 0 {
		cfg.Recheck = 10 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Dispatcher{store: store, queue: queue, send: send, sign: sign, answer: answer, log: log, now: cfg.Now, cfg: cfg,
		observe: func(domain.Outcome, time.Duration) {}, inFlight: map[string]int{}}
}

// ObserveAttempts has f called after every attempt (metrics).
func (d *Dispatcher) ObserveAttempts(f func(domain.Outcome, time.Duration)) { d.observe = f }

// Run delivers until ctx ends, then waits for the attempts in flight
// (each is recorded).
func (d *Dispatcher) Run(ctx context.Context) error {
	return d.queue.Work(ctx, d.cfg.Workers, func(j Job) { d.handle(ctx, j) })
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

// handle does what job's delivery needs now; when that fails, the job is
// taken again a little later.
func (d *Dispatcher) handle(ctx context.Context, job Job) {
	del := job.Delivery
	if wait := del.NextAt.Sub(d.now()); wait > 0 {
		d.later(job, min(wait, d.cfg.Recheck))
		return
	}
	if !d.acquire(del.SubscriptionID) {
		d.later(job, d.cfg.Busy+rand.N(d.cfg.Busy))
		return
	}
	defer d.release(del.SubscriptionID)
	// The attempt and its record outlive a shutdown that starts meanwhile.
	if err := d.deliver(context.WithoutCancel(ctx), job); err != nil {
		d.log.Warn("webhook delivery", "delivery", del.ID, "subscription", del.SubscriptionID, "err", err)
		d.later(job, d.cfg.Busy)
	}
}

func (d *Dispatcher) later(job Job, wait time.Duration) {
	if err := job.Later(wait); err != nil {
		d.log.Warn("webhook delivery: put off", "delivery", job.Delivery.ID, "err", err)
	}
}

func (d *Dispatcher) done(job Job) {
	if err := job.Done(); err != nil {
		d.log.Warn("webhook delivery: done", "delivery", job.Delivery.ID, "err", err)
	}
}

// record adds to the delivery log; a failure is logged, since the queue,
// not the log, decides what is sent.
func (d *Dispatcher) record(ctx context.Context, del domain.Delivery, a *domain.Attempt) {
	if err := d.store.Record(ctx, del, a); err != nil {
		d.log.Warn("webhook delivery log", "delivery", del.ID, "err", err)
	}
}

func (d *Dispatcher) deliver(ctx context.Context, job Job) error {
	del := job.Delivery
	sub, err := d.store.Subscription(ctx, del.SubscriptionID)
	if errors.Is(err, ErrNotFound) {
		d.done(job) // deleted since it was queued
		return nil
	}
	if err != nil {
		return err
	}
	switch sub.Status {
	case domain.Disabled:
		d.done(job) // its log shows it cancelled
		return nil
	case domain.Paused:
		del.Held = true
		if err := d.queue.Put(ctx, del); err != nil {
			return err
		}
		d.done(job)
		d.record(ctx, del, nil)
		// Resumed meanwhile, after the resume released what was set
		// aside: release this one too.
		if now, err := d.store.Subscription(ctx, sub.ID); err == nil && now.Status == domain.Active {
			_, err = d.queue.Release(ctx, sub.ID)
			return err
		}
		return nil
	}
	a := d.attempt(ctx, sub, del)
	del.After(a)
	d.observe(a.Outcome, a.Duration)
	if del.State == domain.Pending {
		if err := d.queue.Put(ctx, del); err != nil {
			return err
		}
	}
	d.done(job)
	d.record(ctx, del, &a)
	switch a.Outcome {
	case domain.Delivered:
		if !sub.FailingSince.IsZero() {
			return d.store.SetFailingSince(ctx, sub.ID, time.Time{})
		}
	case domain.Gone:
		d.log.Info("webhook endpoint gone: subscription disabled", "subscription", sub.ID, "reseller", sub.ResellerID)
		return d.disable(ctx, sub.ID, fmt.Sprintf("the endpoint answered 410 Gone at %s", a.At.UTC().Format(time.RFC3339)), a.At)
	default:
		if sub.FailingSince.IsZero() {
			return d.store.SetFailingSince(ctx, sub.ID, a.At)
		}
		if a.At.Sub(sub.FailingSince) >= domain.FailingFor {
			d.log.Info("webhook endpoint failing: subscription disabled", "subscription", sub.ID, "reseller", sub.ResellerID)
			return d.disable(ctx, sub.ID, fmt.Sprintf("every attempt failed from %s to %s (last: %s)", sub.FailingSince.UTC().Format(time.RFC3339),
				a.At.UTC().Format(time.RFC3339), a.Describe()), a.At)
		}
	}
	return nil
}

// disable disables a subscription and drops what was queued for it.
func (d *Dispatcher) disable(ctx context.Context, id, reason string, at time.Time) error {
	if err := d.store.SetStatus(ctx, id, domain.Disabled, reason, at); err != nil {
		return err
	}
	return d.queue.Drop(ctx, id)
}

// attempt sends del to sub's endpoint once, as a span of the trace of
// the change that queued it.
func (d *Dispatcher) attempt(ctx context.Context, sub domain.Subscription, del domain.Delivery) (a domain.Attempt) {
	ctx, span := tracing.Tracer().Start(tracing.Extract(ctx, del.Trace), "webhook "+string(del.Type), trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("webhook.id", del.ID), attribute.String("webhook.subscription", sub.ID),
			attribute.Int("webhook.attempt", del.Tries+1)))
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
