package adapters

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/secretbox"
	"github.com/resellerapi/platform/services/webhooks/internal/app"
	"github.com/resellerapi/platform/services/webhooks/internal/domain"
)

// The webhooks service's collections, in its own database.
const (
	SubscriptionsCollection = "subscriptions"
	DeliveriesCollection    = "deliveries"
	RecordsCollection       = "delivery_records"
)

// Store keeps subscriptions, with their secrets sealed, and the log of
// the deliveries: each as queued, and a record of every step since (the
// queue itself is the Queue's).
type Store struct {
	subscriptions, deliveries, records, seen *mongo.Collection
	box                                      *secretbox.Box
}

var (
	_ app.Store              = (*Store)(nil)
	_ app.SeenStore          = (*Store)(nil)
	_ app.SubscriptionFinder = (*Store)(nil)
	_ app.SubscriptionStore  = (*Store)(nil)
)

// NewStore returns a store over db sealing secrets with box.
func NewStore(db *mongo.Database, box *secretbox.Box) *Store {
	return &Store{
		subscriptions: db.Collection(SubscriptionsCollection),
		deliveries:    db.Collection(DeliveriesCollection),
		records:       db.Collection(RecordsCollection),
		seen:          db.Collection(SeenCollection),
		box:           box,
	}
}

// EnsureIndexes creates the indexes of the delivery log and a reseller's
// subscriptions.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	return errors.Join(
		mongodb.EnsureIndexes(ctx, s.subscriptions,
			mongo.IndexModel{Keys: bson.D{{Key: "reseller_id", Value: 1}, {Key: "created_at", Value: 1}}}),
		mongodb.EnsureIndexes(ctx, s.deliveries,
			mongo.IndexModel{Keys: bson.D{{Key: "subscription_id", Value: 1}, {Key: "created_at", Value: -1}}}),
		mongodb.EnsureIndexes(ctx, s.records,
			mongo.IndexModel{Keys: bson.D{{Key: "subscription_id", Value: 1}, {Key: "delivery_id", Value: 1}}}),
	)
}

type subscriptionDoc struct {
	ID                string      `bson:"_id"`
	ResellerID        string      `bson:"reseller_id"`
	URL               string      `bson:"url"`
	Description       string      `bson:"description"`
	Events            []string    `bson:"events"`
	IncludeDownstream bool        `bson:"include_downstream"`
	Status            string      `bson:"status"`
	DisabledReason    string      `bson:"disabled_reason"`
	FailingSince      time.Time   `bson:"failing_since"`
	Secrets           []secretDoc `bson:"secrets"`
	CreatedAt         time.Time   `bson:"created_at"`
	UpdatedAt         time.Time   `bson:"updated_at"`
}

type secretDoc struct {
	Sealed  []byte    `bson:"sealed"`
	Expires time.Time `bson:"expires"`
}

func (s *Store) subscriptionDoc(sub domain.Subscription) (subscriptionDoc, error) {
	d := subscriptionDoc{
		ID: sub.ID, ResellerID: sub.ResellerID, URL: sub.URL, Description: sub.Description,
		IncludeDownstream: sub.IncludeDownstream, Status: string(sub.Status), DisabledReason: sub.DisabledReason,
		FailingSince: sub.FailingSince, CreatedAt: sub.CreatedAt, UpdatedAt: sub.UpdatedAt,
	}
	for _, e := range sub.Events {
		d.Events = append(d.Events, string(e))
	}
	for _, sec := range sub.Secrets {
		sealed, err := s.box.Seal([]byte(sec.Value))
		if err != nil {
			return d, fmt.Errorf("seal the secret of subscription %s: %w", sub.ID, err)
		}
		d.Secrets = append(d.Secrets, secretDoc{Sealed: sealed, Expires: sec.Expires})
	}
	return d, nil
}

func (s *Store) subscription(d subscriptionDoc) (domain.Subscription, error) {
	sub := domain.Subscription{
		ID: d.ID, ResellerID: d.ResellerID, URL: d.URL, Description: d.Description,
		IncludeDownstream: d.IncludeDownstream, Status: domain.Status(d.Status), DisabledReason: d.DisabledReason,
		FailingSince: d.FailingSince, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
	for _, e := range d.Events {
		sub.Events = append(sub.Events, domain.EventType(e))
	}
	for _, sec := range d.Secrets {
		plain, err := s.box.Open(sec.Sealed)
		if err != nil {
			return sub, fmt.Errorf("open the secret of subscription %s: %w", d.ID, err)
		}
		sub.Secrets = append(sub.Secrets, domain.Secret{Value: string(plain), Expires: sec.Expires})
	}
	return sub, nil
}

// CreateSubscription stores a new subscription.
func (s *Store) CreateSubscription(ctx context.Context, sub domain.Subscription) error {
	d, err := s.subscriptionDoc(sub)
	if err != nil {
		return err
	}
	if _, err := s.subscriptions.InsertOne(ctx, d); err != nil {
		return fmt.Errorf("store subscription %s: %w", sub.ID, err)
	}
	return nil
}

// Subscription returns the subscription id; app.ErrNotFound when there is
// none.
func (s *Store) Subscription(ctx context.Context, id string) (domain.Subscription, error) {
	d, err := mongodb.FindOne[subscriptionDoc](ctx, s.subscriptions, bson.D{{Key: "_id", Value: id}})
	if errors.Is(err, mongodb.ErrNotFound) {
		return domain.Subscription{}, app.ErrNotFound
	}
	if err != nil {
		return domain.Subscription{}, err
	}
	return s.subscription(d)
}

// ResellerSubscriptions returns all of a reseller's subscriptions, oldest
// first.
func (s *Store) ResellerSubscriptions(ctx context.Context, resellerID string) ([]domain.Subscription, error) {
	return s.findSubscriptions(ctx, bson.D{{Key: "reseller_id", Value: resellerID}})
}

func (s *Store) findSubscriptions(ctx context.Context, filter bson.D) ([]domain.Subscription, error) {
	docs, err := mongodb.FindAll[subscriptionDoc](ctx, s.subscriptions, filter,
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := make([]domain.Subscription, 0, len(docs))
	for _, d := range docs {
		sub, err := s.subscription(d)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, nil
}

// UpdateSubscription stores sub's URL, description, events,
// includeDownstream, secrets (sealed) and update time; its status is
// SetStatus's.
func (s *Store) UpdateSubscription(ctx context.Context, sub domain.Subscription) error {
	d, err := s.subscriptionDoc(sub)
	if err != nil {
		return err
	}
	res, err := s.subscriptions.UpdateOne(ctx, bson.D{{Key: "_id", Value: sub.ID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "url", Value: d.URL}, {Key: "description", Value: d.Description}, {Key: "events", Value: d.Events},
		{Key: "include_downstream", Value: d.IncludeDownstream}, {Key: "secrets", Value: d.Secrets}, {Key: "updated_at", Value: d.UpdatedAt},
	}}})
	if err != nil {
		return fmt.Errorf("update subscription %s: %w", sub.ID, err)
	}
	if res.MatchedCount == 0 {
		return app.ErrNotFound
	}
	return nil
}

// DeleteSubscription removes a subscription and its delivery log.
func (s *Store) DeleteSubscription(ctx context.Context, id string) error {
	if _, err := s.subscriptions.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete subscription %s: %w", id, err)
	}
	for _, c := range []*mongo.Collection{s.deliveries, s.records} {
		if _, err := c.DeleteMany(ctx, bson.D{{Key: "subscription_id", Value: id}}); err != nil {
			return fmt.Errorf("delete the deliveries of subscription %s: %w", id, err)
		}
	}
	return nil
}

// SetStatus sets a subscription's status and the reason it is disabled.
func (s *Store) SetStatus(ctx context.Context, id string, status domain.Status, reason string, at time.Time) error {
	if _, err := s.subscriptions.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "status", Value: string(status)}, {Key: "disabled_reason", Value: reason}, {Key: "updated_at", Value: at},
	}}}); err != nil {
		return fmt.Errorf("set the status of subscription %s: %w", id, err)
	}
	return nil
}

// SetFailingSince records when a subscription's endpoint started failing
// (unless an earlier time is recorded), or clears it (a zero since).
func (s *Store) SetFailingSince(ctx context.Context, id string, since time.Time) error {
	filter := bson.D{{Key: "_id", Value: id}}
	if !since.IsZero() {
		filter = append(filter, bson.E{Key: "failing_since", Value: time.Time{}})
	}
	if _, err := s.subscriptions.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "failing_since", Value: since}}}}); err != nil {
		return fmt.Errorf("record the failures of subscription %s: %w", id, err)
	}
	return nil
}

// deliveryDoc is a delivery as it was queued; it never changes. What
// became of it is in its records.
type deliveryDoc struct {
	ID             string    `bson:"_id"`
	SubscriptionID string    `bson:"subscription_id"`
	ResellerID     string    `bson:"reseller_id"`
	EventID        string    `bson:"event_id"`
	Type           string    `bson:"type"`
	Body           []byte    `bson:"body"`
	CreatedAt      time.Time `bson:"created_at"`
	// Trace is the queuing change's trace context.
	Trace map[string]string `bson:"trace,omitempty"`
}

// recordDoc is one step of a delivery: an attempt and what follows it,
// or its being held, retried or replayed. Its id is a UUIDv7, so ids
// sort in the order records were written.
type recordDoc struct {
	ID             string      `bson:"_id"`
	DeliveryID     string      `bson:"delivery_id"`
	SubscriptionID string      `bson:"subscription_id"`
	State          string      `bson:"state"`
	Held           bool        `bson:"held"`
	NextAt         time.Time   `bson:"next_at"`
	Attempt        *attemptDoc `bson:"attempt,omitempty"`
}

type attemptDoc struct {
	At         time.Time `bson:"at"`
	Outcome    string    `bson:"outcome"`
	Status     int       `bson:"status"`
	DurationMS int64     `bson:"duration_ms"`
	Error      string    `bson:"error"`
	Response   string    `bson:"response"`
}

func deliveryFromDoc(d deliveryDoc) domain.Delivery {
	return domain.Delivery{
		ID: d.ID, SubscriptionID: d.SubscriptionID, ResellerID: d.ResellerID, EventID: d.EventID,
		Type: domain.EventType(d.Type), Body: d.Body, State: domain.Pending, NextAt: d.CreatedAt, CreatedAt: d.CreatedAt,
		Trace: d.Trace, Attempts: []domain.Attempt{},
	}
}

// Enqueue stores deliveries that are not stored yet (their ids derive
// from the event and the subscription, so an event seen twice is stored
// once) and returns how many were new. Only inserts: the log of a
// delivery grows by records, whatever the store's cost of an update.
func (s *Store) Enqueue(ctx context.Context, ds []domain.Delivery) (int, error) {
	added := 0
	for _, d := range ds {
		_, err := s.deliveries.InsertOne(ctx, deliveryDoc{
			ID: d.ID, SubscriptionID: d.SubscriptionID, ResellerID: d.ResellerID, EventID: d.EventID, Type: string(d.Type),
			Body: d.Body, CreatedAt: d.CreatedAt, Trace: d.Trace,
		})
		switch {
		case err == nil:
			added++
		case mongo.IsDuplicateKeyError(err):
		default:
			return added, fmt.Errorf("store delivery %s: %w", d.ID, err)
		}
	}
	return added, nil
}

// Record adds a step to d's log: its state, whether it is held, its
// next attempt, and the attempt a that led there (nil for none).
func (s *Store) Record(ctx context.Context, d domain.Delivery, a *domain.Attempt) error {
	r := recordDoc{ID: uuid.Must(uuid.NewV7()).String(), DeliveryID: d.ID, SubscriptionID: d.SubscriptionID,
		State: string(d.State), Held: d.Held, NextAt: d.NextAt}
	if a != nil {
		r.Attempt = &attemptDoc{At: a.At, Outcome: string(a.Outcome), Status: a.Status,
			DurationMS: a.Duration.Milliseconds(), Error: a.Error, Response: a.Response}
	}
	if _, err := s.records.InsertOne(ctx, r); err != nil {
		return fmt.Errorf("record delivery %s: %w", d.ID, err)
	}
	return nil
}

// Delivery returns the subscription's delivery id as it was queued;
// app.ErrNotFound when the subscription has none of that id.
func (s *Store) Delivery(ctx context.Context, subscriptionID, id string) (domain.Delivery, error) {
	d, err := mongodb.FindOne[deliveryDoc](ctx, s.deliveries, bson.D{{Key: "_id", Value: id}})
	if errors.Is(err, mongodb.ErrNotFound) || (err == nil && d.SubscriptionID != subscriptionID) {
		return domain.Delivery{}, app.ErrNotFound
	}
	if err != nil {
		return domain.Delivery{}, err
	}
	return deliveryFromDoc(d), nil
}

// DeliveriesSince returns the subscription's deliveries queued at or
// after since, oldest first, as they were queued.
func (s *Store) DeliveriesSince(ctx context.Context, subscriptionID string, since time.Time) ([]domain.Delivery, error) {
	docs, err := mongodb.FindAll[deliveryDoc](ctx, s.deliveries, bson.D{{Key: "subscription_id", Value: subscriptionID},
		{Key: "created_at", Value: bson.D{{Key: "$gte", Value: since}}}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := make([]domain.Delivery, 0, len(docs))
	for _, d := range docs {
		out = append(out, deliveryFromDoc(d))
	}
	return out, nil
}

// Deliveries returns a subscription's most recent deliveries, newest
// first, each as its last record leaves it, with its attempts (two
// finds, and the subscription's). A delivery still pending when its
// subscription was disabled shows as cancelled.
func (s *Store) Deliveries(ctx context.Context, subscriptionID string, limit int64) ([]domain.Delivery, error) {
	sub, err := s.Subscription(ctx, subscriptionID)
	if err != nil && !errors.Is(err, app.ErrNotFound) {
		return nil, err
	}
	docs, err := mongodb.FindAll[deliveryDoc](ctx, s.deliveries, bson.D{{Key: "subscription_id", Value: subscriptionID}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(limit))
	if err != nil || len(docs) == 0 {
		return []domain.Delivery{}, err
	}
	ids := make([]string, 0, len(docs))
	for _, d := range docs {
		ids = append(ids, d.ID)
	}
	records, err := mongodb.FindAll[recordDoc](ctx, s.records, bson.D{{Key: "subscription_id", Value: subscriptionID},
		{Key: "delivery_id", Value: bson.D{{Key: "$in", Value: ids}}}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*domain.Delivery, len(docs))
	out := make([]domain.Delivery, len(docs))
	for i, d := range docs {
		out[i] = deliveryFromDoc(d)
		byID[d.ID] = &out[i]
	}
	for _, r := range records {
		d := byID[r.DeliveryID]
		d.State, d.Held, d.NextAt = domain.DeliveryState(r.State), r.Held, r.NextAt
		if a := r.Attempt; a != nil {
			d.Attempts = append(d.Attempts, domain.Attempt{At: a.At, Outcome: domain.Outcome(a.Outcome), Status: a.Status,
				Duration: time.Duration(a.DurationMS) * time.Millisecond, Error: a.Error, Response: a.Response})
		}
	}
	if sub.Status == domain.Disabled {
		for i := range out {
			if out[i].State == domain.Pending {
				out[i].State, out[i].Held = domain.Cancelled, false
			}
		}
	}
	return out, nil
}

// SeenCollection keeps the last version seen of each object.
const SeenCollection = "seen"

type seenDoc struct {
	ID      string    `bson:"_id"` // kind/id
	Kind    string    `bson:"kind"`
	Object  string    `bson:"object"`
	Version int64     `bson:"version"`
	Status  string    `bson:"status"`
	Digest  string    `bson:"digest"`
	At      time.Time `bson:"at"`
	Parent  string    `bson:"parent"`
}

// Seen returns what was seen of the object, or nil.
func (s *Store) Seen(ctx context.Context, kind, id string) (*domain.State, error) {
	d, err := mongodb.FindOne[seenDoc](ctx, s.seen, bson.D{{Key: "_id", Value: kind + "/" + id}})
	if errors.Is(err, mongodb.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &domain.State{Kind: d.Kind, ID: d.Object, Version: d.Version, Status: d.Status, Digest: d.Digest, At: d.At, Parent: d.Parent}, nil
}

// Remember stores what was seen unless a newer version is stored (one
// version-guarded upsert).
func (s *Store) Remember(ctx context.Context, seen domain.State) error {
	id := seen.Kind + "/" + seen.ID
	_, err := mongodb.ReplaceIfNewer(ctx, s.seen, id, seen.Version, seenDoc{ID: id, Kind: seen.Kind, Object: seen.ID,
		Version: seen.Version, Status: seen.Status, Digest: seen.Digest, At: seen.At, Parent: seen.Parent})
	return err
}

// SubscriptionsOf returns the subscriptions of the resellers, except
// disabled ones, oldest first.
func (s *Store) SubscriptionsOf(ctx context.Context, resellerIDs []string) ([]domain.Subscription, error) {
	return s.findSubscriptions(ctx, bson.D{
		{Key: "reseller_id", Value: bson.D{{Key: "$in", Value: resellerIDs}}},
		{Key: "status", Value: bson.D{{Key: "$ne", Value: string(domain.Disabled)}}},
	})
}
