package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/resellerapi/platform/pkg/tracing"
	"github.com/resellerapi/platform/services/webhooks/internal/domain"
)

// SeenStore keeps the newest state seen of each object.
type SeenStore interface {
	// Seen returns the newest state seen of the object, or nil.
	Seen(ctx context.Context, kind, id string) (*domain.State, error)
	// Remember stores s unless a newer version is stored.
	Remember(ctx context.Context, s domain.State) error
}

// Log stores the deliveries as queued, and their records.
type Log interface {
	// Enqueue stores the deliveries not stored yet and says how many
	// were new.
	Enqueue(ctx context.Context, ds []domain.Delivery) (int, error)
	Record(ctx context.Context, d domain.Delivery, a *domain.Attempt) error
}

// enqueue stores ds in the log and puts them on the queue (each, also
// one stored before: the log may hold a delivery whose queueing failed;
// the queue's duplicate window drops one queued twice). It returns how
// many were new.
func enqueue(ctx context.Context, log Log, queue Queue, ds []domain.Delivery) (int, error) {
	added, err := log.Enqueue(ctx, ds)
	if err != nil {
		return 0, err
	}
	for _, d := range ds {
		if err := queue.Put(ctx, d); err != nil {
			return 0, err
		}
		if d.Held {
			if err := log.Record(ctx, d, nil); err != nil {
				return 0, err
			}
		}
	}
	return added, nil
}

// SubscriptionFinder finds the subscriptions an object's events may go
// to.
type SubscriptionFinder interface {
	// SubscriptionsOf returns the subscriptions of the resellers, except
	// disabled ones.
	SubscriptionsOf(ctx context.Context, resellerIDs []string) ([]domain.Subscription, error)
}

// Change is a new version of an object of a reseller, with its API
// representation.
type Change struct {
	// EventID is the bus event's id: with the type and the
	// subscription it makes the delivery's id, so a redelivered event is
	// queued once.
	EventID string
	State   domain.State
	// ResellerID owns the object (for a profile, the reseller itself);
	// Ancestors are its parent, its parent's parent and so on, whose
	// subscriptions with includeDownstream are sent its profile changes.
	ResellerID string
	Ancestors  []string
	// Resellers, for an object many resellers see alike (a product as a
	// price list offers it), are all of them; ResellerID is "" then.
	Resellers []string
	// Data is the object as the API shows it at this version (the same
	// JSON as GET /api/...).
	Data json.RawMessage
}

// Fanout turns changes into queued deliveries.
type Fanout struct {
	seen   SeenStore
	finder SubscriptionFinder
	log    Log
	queue  Queue
}

// NewFanout returns a fanout storing deliveries in log and queueing them
// on queue.
func NewFanout(seen SeenStore, finder SubscriptionFinder, log Log, queue Queue) *Fanout {
	return &Fanout{seen: seen, finder: finder, log: log, queue: queue}
}

// TimestampFormat is a payload's timestamp: RFC 3339 in UTC with
// milliseconds, as the API's JSON:API documents write times.
const TimestampFormat = "2006-01-02T15:04:05.000Z07:00"

// payload is a delivery's body.
type payload struct {
	Type      domain.EventType `json:"type"`
	Timestamp string           `json:"timestamp"`
	Data      json.RawMessage  `json:"data"`
}

// Apply queues the deliveries c makes and then remembers c's state, so a
// failure between the two (the event is redelivered) queues nothing
// twice: the deliveries' ids derive from the event.
func (f *Fanout) Apply(ctx context.Context, c Change) (queued int, err error) {
	prev, err := f.seen.Seen(ctx, c.State.Kind, c.State.ID)
	if err != nil {
		return 0, err
	}
	types := domain.Changes(prev, c.State)
	if len(types) > 0 {
		if queued, err = f.queueDeliveries(ctx, c, types); err != nil {
			return 0, err
		}
	}
	if prev == nil || c.State.Version > prev.Version {
		if err := f.seen.Remember(ctx, c.State); err != nil {
			return queued, err
		}
	}
	return queued, nil
}

func (f *Fanout) queueDeliveries(ctx context.Context, c Change, types []domain.EventType) (int, error) {
	owners := []string{c.ResellerID}
	switch {
	case len(c.Resellers) > 0:
		owners = c.Resellers
	case c.State.Kind == "reseller":
		owners = append(owners, c.Ancestors...)
	}
	subs, err := f.finder.SubscriptionsOf(ctx, owners)
	if err != nil {
		return 0, err
	}
	var ds []domain.Delivery
	at, now := c.State.At.UTC(), time.Now()
	// The attempts continue the trace of the event that made the change.
	trace := map[string]string{}
	tracing.Inject(ctx, trace)
	for _, t := range types {
		body, err := json.Marshal(payload{Type: t, Timestamp: at.Format(TimestampFormat), Data: c.Data})
		if err != nil {
			return 0, fmt.Errorf("payload of %s %s: %w", t, c.State.ID, err)
		}
		for _, s := range subs {
			downstream := c.State.Kind == "reseller" && s.ResellerID != c.ResellerID
			if s.Status == domain.Disabled || !s.Wants(t, downstream) {
				continue
			}
			ds = append(ds, domain.Delivery{
				ID: domain.DeliveryID(c.EventID, t, s.ID), SubscriptionID: s.ID, ResellerID: s.ResellerID,
				EventID: c.EventID, Type: t, Body: body, Held: s.Status == domain.Paused,
				NextAt: now, CreatedAt: now, Trace: trace,
			})
		}
	}
	if len(ds) == 0 {
		return 0, nil
	}
	return enqueue(ctx, f.log, f.queue, ds)
}
