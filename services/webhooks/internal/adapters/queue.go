package adapters

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/services/webhooks/internal/app"
	"github.com/resellerapi/platform/services/webhooks/internal/domain"
)

// QueueName names the queue by default: stream WEBHOOKS, subjects
// webhooks.>, where a subscription's due deliveries are on
// webhooks.due.<subscription> and those set aside while it is paused on
// webhooks.held.<subscription> (proto-events/subjects grants them).
const QueueName = "webhooks"

// QueueConfig configures a queue.
type QueueConfig struct {
	// Name is the queue's subject prefix, and upper-cased its stream's
	// name (default QueueName; tests sharing a server use their own).
	Name string
	// AckWait is how long a replica may hold a delivery before another
	// gets it (default 30 s, more than an attempt's 15 s).
	AckWait time.Duration
}

// Queue keeps the deliveries to be sent on a JetStream work queue that
// every replica takes from: taking one costs the same however many wait,
// a delivery whose replica dies goes to another after the ack wait, and a
// retry waits on the server (a delayed nak), not in a store.
type Queue struct {
	q         *eventbus.WorkQueue
	all       string // every subject of the queue
	due, held string // the prefixes of a subscription's subjects
	log       *slog.Logger
}

var _ app.Queue = (*Queue)(nil)

// NewQueue creates or updates the queue's stream and consumer on bus.
func NewQueue(ctx context.Context, bus *eventbus.Bus, cfg QueueConfig, log *slog.Logger) (*Queue, error) {
	name := cmp.Or(cfg.Name, QueueName)
	q := &Queue{all: name + ".>", due: name + ".due.", held: name + ".held.", log: log}
	var err error
	q.q, err = bus.WorkQueue(ctx, eventbus.WorkQueueConfig{
		Stream: strings.ToUpper(name), Subjects: []string{q.all}, Consumer: name + "_dispatcher",
		Filter: []string{q.due + ">"}, AckWait: cfg.AckWait,
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// queued is a delivery on the queue: everything an attempt needs.
type queued struct {
	ID             string            `json:"id"`
	SubscriptionID string            `json:"subscription_id"`
	ResellerID     string            `json:"reseller_id"`
	EventID        string            `json:"event_id"`
	Type           string            `json:"type"`
	Body           []byte            `json:"body"`
	CreatedAt      time.Time         `json:"created_at"`
	NextAt         time.Time         `json:"next_at"`
	Since          time.Time         `json:"since,omitzero"`
	Tries          int               `json:"tries,omitempty"`
	Trace          map[string]string `json:"trace,omitempty"`
}

// Put queues d: due at d.NextAt, or set aside while d.Held. A due step
// of a schedule (the same id, Since and Tries) put twice within two
// minutes is queued once.
func (q *Queue) Put(ctx context.Context, d domain.Delivery) error {
	data, err := json.Marshal(queued{
		ID: d.ID, SubscriptionID: d.SubscriptionID, ResellerID: d.ResellerID, EventID: d.EventID, Type: string(d.Type),
		Body: d.Body, CreatedAt: d.CreatedAt, NextAt: d.NextAt, Since: d.Since, Tries: d.Tries, Trace: d.Trace,
	})
	if err != nil {
		return fmt.Errorf("queue delivery %s: %w", d.ID, err)
	}
	if d.Held {
		// No message id: a delivery held, released and held again within
		// the duplicate window must not be dropped as a duplicate.
		return q.q.Publish(ctx, q.held+d.SubscriptionID, "", data)
	}
	msgID := d.ID + "/" + d.Since.UTC().Format(time.RFC3339Nano) + "/" + strconv.Itoa(d.Tries)
	return q.q.Publish(ctx, q.due+d.SubscriptionID, msgID, data)
}

// Release makes the deliveries set aside for a subscription due.
func (q *Queue) Release(ctx context.Context, subscriptionID string) (int, error) {
	return q.q.Move(ctx, q.held+subscriptionID, q.due+subscriptionID)
}

// Drop removes a subscription's queued deliveries, due and held.
func (q *Queue) Drop(ctx context.Context, subscriptionID string) error {
	if err := q.q.Purge(ctx, q.due+subscriptionID); err != nil {
		return err
	}
	return q.q.Purge(ctx, q.held+subscriptionID)
}

// Backlog counts the queued deliveries per subscription, held ones
// included.
func (q *Queue) Backlog(ctx context.Context) (map[string]int64, error) {
	counts, err := q.q.Counts(ctx, q.all)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(counts))
	for subject, n := range counts {
		id, ok := strings.CutPrefix(subject, q.due)
		if !ok {
			id, _ = strings.CutPrefix(subject, q.held)
		}
		out[id] += int64(n)
	}
	return out, nil
}

// Work hands each delivery taken from the queue to handle, up to n at
// once, until ctx ends. A message that is not a delivery is terminated
// (never handed out again) and logged.
func (q *Queue) Work(ctx context.Context, n int, handle func(app.Job)) error {
	return q.q.Work(ctx, n, func(m jetstream.Msg) {
		d, err := decodeQueued(m.Data())
		if err != nil {
			q.log.Error("webhooks queue: not a delivery, dropped", "subject", m.Subject(), "err", err)
			_ = m.TermWithReason(err.Error())
			return
		}
		handle(app.Job{Delivery: d, Done: m.Ack, Later: m.NakWithDelay})
	})
}

func decodeQueued(data []byte) (domain.Delivery, error) {
	var m queued
	if err := json.Unmarshal(data, &m); err != nil {
		return domain.Delivery{}, fmt.Errorf("decode a queued delivery: %w", err)
	}
	if m.ID == "" || m.SubscriptionID == "" || len(m.Body) == 0 {
		return domain.Delivery{}, errors.New("a queued delivery needs an id, a subscription and a body")
	}
	return domain.Delivery{
		ID: m.ID, SubscriptionID: m.SubscriptionID, ResellerID: m.ResellerID, EventID: m.EventID, Type: domain.EventType(m.Type),
		Body: m.Body, State: domain.Pending, CreatedAt: m.CreatedAt, NextAt: m.NextAt, Since: m.Since, Tries: m.Tries, Trace: m.Trace,
	}, nil
}
