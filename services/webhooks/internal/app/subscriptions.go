package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/resellerapi/platform/services/webhooks/internal/domain"
)

// MaxSubscriptions is how many subscriptions a reseller may have.
const MaxSubscriptions = 25

// ReplayWindow is how far back a replay may reach.
const ReplayWindow = 30 * 24 * time.Hour

// DefaultGrace is how long a rotated-out secret keeps signing when the
// caller does not say.
const DefaultGrace = 24 * time.Hour

// ErrConflict marks a request the subscription's state or the reseller's
// limit refuses; its message says why.
var ErrConflict = errors.New("conflict")

func conflict(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConflict, fmt.Sprintf(format, args...))
}

// SubscriptionStore keeps the subscriptions and their deliveries for the
// subscriptions API.
type SubscriptionStore interface {
	CreateSubscription(ctx context.Context, sub domain.Subscription) error
	Subscription(ctx context.Context, id string) (domain.Subscription, error)
	// ResellerSubscriptions are all of a reseller's, oldest first.
	ResellerSubscriptions(ctx context.Context, resellerID string) ([]domain.Subscription, error)
	// UpdateSubscription stores sub's url, description, events,
	// includeDownstream, secrets and update time.
	UpdateSubscription(ctx context.Context, sub domain.Subscription) error
	SetStatus(ctx context.Context, id string, status domain.Status, reason string, at time.Time) error
	SetFailingSince(ctx context.Context, id string, since time.Time) error
	// DeleteSubscription removes the subscription and its deliveries' log.
	DeleteSubscription(ctx context.Context, id string) error
	Log
	Deliveries(ctx context.Context, subscriptionID string, limit int64) ([]domain.Delivery, error)
	// Delivery returns the subscription's delivery id as queued;
	// ErrNotFound when the subscription has none of that id.
	Delivery(ctx context.Context, subscriptionID, id string) (domain.Delivery, error)
	// DeliveriesSince returns the subscription's deliveries queued at or
	// after since, as queued.
	DeliveriesSince(ctx context.Context, subscriptionID string, since time.Time) ([]domain.Delivery, error)
}

// Subscriptions are the subscriptions API's use cases. Every method takes
// the caller's reseller and finds only its subscriptions: another's is
// ErrNotFound, like one that does not exist.
type Subscriptions struct {
	store          SubscriptionStore
	queue          Queue
	newSecret      func() (string, error)
	now            func() time.Time
	allowPlainHTTP bool
}

// NewSubscriptions returns the use cases over store and queue; newSecret
// makes signing secrets, allowPlainHTTP admits http URLs (local runs and
// tests only).
func NewSubscriptions(store SubscriptionStore, queue Queue, newSecret func() (string, error), allowPlainHTTP bool) *Subscriptions {
	return &Subscriptions{store: store, queue: queue, newSecret: newSecret, now: time.Now, allowPlainHTTP: allowPlainHTTP}
}

// NewSubscription is what a reseller asks to subscribe.
type NewSubscription struct {
	URL, Description  string
	Events            []string
	IncludeDownstream bool
}

// Create stores an active subscription of reseller with a new secret,
// which only this answer carries.
func (s *Subscriptions) Create(ctx context.Context, resellerID string, in NewSubscription) (domain.Subscription, error) {
	u, err := domain.ParseURL(in.URL, s.allowPlainHTTP)
	if err != nil {
		return domain.Subscription{}, err
	}
	events, err := domain.ParseEvents(in.Events)
	if err != nil {
		return domain.Subscription{}, err
	}
	existing, err := s.store.ResellerSubscriptions(ctx, resellerID)
	if err != nil {
		return domain.Subscription{}, err
	}
	if len(existing) >= MaxSubscriptions {
		return domain.Subscription{}, conflict("a reseller may have at most %d webhook subscriptions; delete one first", MaxSubscriptions)
	}
	secret, err := s.newSecret()
	if err != nil {
		return domain.Subscription{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	sub := domain.Subscription{
		ID: "wh_" + uuid.Must(uuid.NewV7()).String(), ResellerID: resellerID, URL: u.String(), Description: in.Description,
		Events: events, IncludeDownstream: in.IncludeDownstream, Status: domain.Active,
		Secrets: []domain.Secret{{Value: secret}}, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.store.CreateSubscription(ctx, sub); err != nil {
		return domain.Subscription{}, err
	}
	return sub, nil
}

// List returns reseller's subscriptions, oldest first.
func (s *Subscriptions) List(ctx context.Context, resellerID string) ([]domain.Subscription, error) {
	return s.store.ResellerSubscriptions(ctx, resellerID)
}

// Get returns reseller's subscription id.
func (s *Subscriptions) Get(ctx context.Context, resellerID, id string) (domain.Subscription, error) {
	sub, err := s.store.Subscription(ctx, id)
	if err != nil {
		return domain.Subscription{}, err
	}
	if sub.ResellerID != resellerID {
		return domain.Subscription{}, ErrNotFound
	}
	return sub, nil
}

// Update is a change to a subscription: nil fields stay as they are.
type Update struct {
	URL, Description  *string
	Events            []string // nil: unchanged
	IncludeDownstream *bool
	// Status is Active (resume, also a disabled one) or Paused.
	Status *domain.Status
}

// Update changes reseller's subscription id and returns it as changed.
func (s *Subscriptions) Update(ctx context.Context, resellerID, id string, u Update) (domain.Subscription, error) {
	if u.Status != nil && *u.Status != domain.Active && *u.Status != domain.Paused {
		return domain.Subscription{}, fmt.Errorf("%w: status must be active or paused", domain.ErrInvalid)
	}
	sub, err := s.Get(ctx, resellerID, id)
	if err != nil {
		return domain.Subscription{}, err
	}
	if u.URL != nil {
		parsed, err := domain.ParseURL(*u.URL, s.allowPlainHTTP)
		if err != nil {
			return domain.Subscription{}, err
		}
		sub.URL = parsed.String()
	}
	if u.Events != nil {
		if sub.Events, err = domain.ParseEvents(u.Events); err != nil {
			return domain.Subscription{}, err
		}
	}
	if u.Description != nil {
		sub.Description = *u.Description
	}
	if u.IncludeDownstream != nil {
		sub.IncludeDownstream = *u.IncludeDownstream
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	sub.UpdatedAt = now
	if err := s.store.UpdateSubscription(ctx, sub); err != nil {
		return domain.Subscription{}, err
	}
	if u.Status != nil && *u.Status != sub.Status {
		if err := s.store.SetStatus(ctx, sub.ID, *u.Status, "", now); err != nil {
			return domain.Subscription{}, err
		}
		if sub.Status == domain.Disabled {
			// Resumed after the endpoint was fixed: its failures so far
			// no longer count towards disabling it again.
			if err := s.store.SetFailingSince(ctx, sub.ID, time.Time{}); err != nil {
				return domain.Subscription{}, err
			}
			sub.FailingSince = time.Time{}
		}
		sub.Status, sub.DisabledReason = *u.Status, ""
		if sub.Status == domain.Active {
			// What was set aside while paused is sent now.
			if _, err := s.queue.Release(ctx, sub.ID); err != nil {
				return domain.Subscription{}, err
			}
		}
	}
	return sub, nil
}

// Delete removes reseller's subscription id: nothing more is sent to it.
func (s *Subscriptions) Delete(ctx context.Context, resellerID, id string) error {
	if _, err := s.Get(ctx, resellerID, id); err != nil {
		return err
	}
	if err := s.store.DeleteSubscription(ctx, id); err != nil {
		return err
	}
	return s.queue.Drop(ctx, id)
}

// RotateSecret gives reseller's subscription id a new secret; the
// current one keeps signing beside it for grace. It returns the new
// secret and when the old one stops signing.
func (s *Subscriptions) RotateSecret(ctx context.Context, resellerID, id string, grace time.Duration) (secret string, oldExpires time.Time, err error) {
	sub, err := s.Get(ctx, resellerID, id)
	if err != nil {
		return "", time.Time{}, err
	}
	if secret, err = s.newSecret(); err != nil {
		return "", time.Time{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	oldExpires = now.Add(grace)
	secrets := []domain.Secret{{Value: secret}}
	for _, old := range sub.Secrets {
		switch {
		case old.Expires.IsZero():
			// The current secret: signs until the grace period ends.
			secrets = append(secrets, domain.Secret{Value: old.Value, Expires: oldExpires})
		case now.Before(old.Expires):
			// An earlier rotation's, still in its grace period.
			secrets = append(secrets, old)
		}
	}
	sub.Secrets, sub.UpdatedAt = secrets, now
	if err := s.store.UpdateSubscription(ctx, sub); err != nil {
		return "", time.Time{}, err
	}
	return secret, oldExpires, nil
}

// sendable refuses to queue for a disabled subscription.
func sendable(sub domain.Subscription) error {
	if sub.Status == domain.Disabled {
		return conflict("the subscription is disabled (%s); set its status to active first", sub.DisabledReason)
	}
	return nil
}

// Test queues a webhook.ping to reseller's subscription id.
func (s *Subscriptions) Test(ctx context.Context, resellerID, id string) (domain.Delivery, error) {
	sub, err := s.Get(ctx, resellerID, id)
	if err != nil {
		return domain.Delivery{}, err
	}
	if err := sendable(sub); err != nil {
		return domain.Delivery{}, err
	}
	now := s.now().UTC()
	data, err := json.Marshal(struct {
		WebhookID string `json:"webhookId"`
	}{sub.ID})
	if err != nil {
		return domain.Delivery{}, err
	}
	body, err := json.Marshal(payload{Type: domain.Ping, Timestamp: now.Format(TimestampFormat), Data: data})
	if err != nil {
		return domain.Delivery{}, err
	}
	eventID := "ping_" + uuid.Must(uuid.NewV7()).String()
	d := domain.Delivery{
		ID: domain.DeliveryID(eventID, domain.Ping, sub.ID), SubscriptionID: sub.ID, ResellerID: sub.ResellerID,
		EventID: eventID, Type: domain.Ping, Body: body, State: domain.Pending, Held: sub.Status == domain.Paused,
		NextAt: now, CreatedAt: now, Attempts: []domain.Attempt{},
	}
	if _, err := enqueue(ctx, s.store, s.queue, []domain.Delivery{d}); err != nil {
		return domain.Delivery{}, err
	}
	return d, nil
}

// requeue sends d again from the start of a new schedule, keeping its
// id (the webhook-id), and records that it is pending again.
func (s *Subscriptions) requeue(ctx context.Context, sub domain.Subscription, d domain.Delivery, at time.Time) (domain.Delivery, error) {
	d.State, d.Held, d.NextAt, d.Since, d.Tries = domain.Pending, sub.Status == domain.Paused, at, at, 0
	if err := s.queue.Put(ctx, d); err != nil {
		return domain.Delivery{}, err
	}
	if err := s.store.Record(ctx, d, nil); err != nil {
		return domain.Delivery{}, err
	}
	return d, nil
}

// Deliveries returns the most recent deliveries of reseller's
// subscription id, newest first.
func (s *Subscriptions) Deliveries(ctx context.Context, resellerID, id string, limit int) ([]domain.Delivery, error) {
	if _, err := s.Get(ctx, resellerID, id); err != nil {
		return nil, err
	}
	return s.store.Deliveries(ctx, id, int64(limit))
}

// Retry sends delivery deliveryID of reseller's subscription id again
// now, with the same webhook-id.
func (s *Subscriptions) Retry(ctx context.Context, resellerID, id, deliveryID string) (domain.Delivery, error) {
	sub, err := s.Get(ctx, resellerID, id)
	if err != nil {
		return domain.Delivery{}, err
	}
	if err := sendable(sub); err != nil {
		return domain.Delivery{}, err
	}
	d, err := s.store.Delivery(ctx, sub.ID, deliveryID)
	if err != nil {
		return domain.Delivery{}, err
	}
	return s.requeue(ctx, sub, d, s.now().UTC())
}

// Replay sends again every delivery queued for reseller's subscription
// id since since (within ReplayWindow) and says how many.
func (s *Subscriptions) Replay(ctx context.Context, resellerID, id string, since time.Time) (int, error) {
	sub, err := s.Get(ctx, resellerID, id)
	if err != nil {
		return 0, err
	}
	now := s.now().UTC()
	if since.Before(now.Add(-ReplayWindow)) {
		return 0, fmt.Errorf("%w: since may be at most %d days ago", domain.ErrInvalid, int(ReplayWindow.Hours()/24))
	}
	if err := sendable(sub); err != nil {
		return 0, err
	}
	ds, err := s.store.DeliveriesSince(ctx, sub.ID, since)
	if err != nil {
		return 0, err
	}
	for _, d := range ds {
		if _, err := s.requeue(ctx, sub, d, now); err != nil {
			return 0, err
		}
	}
	return len(ds), nil
}
