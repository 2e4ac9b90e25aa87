package adapters

import (
	"context"
	"errors"
	"fmt"
	"time"

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
)

// Store keeps subscriptions, with their secrets sealed, and the
// deliveries: the durable queue every replica claims from.
type Store struct {
	subscriptions, deliveries, seen *mongo.Collection
	box                             *secretbox.Box
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
		seen:          db.Collection(SeenCollection),
		box:           box,
	}
}

// EnsureIndexes creates the indexes of the claim query (due pending
// deliveries), the delivery log and a reseller's subscriptions.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	return errors.Join(
		mongodb.EnsureIndexes(ctx, s.subscriptions,
			mongo.IndexModel{Keys: bson.D{{Key: "reseller_id", Value: 1}, {Key: "created_at", Value: 1}}}),
		mongodb.EnsureIndexes(ctx, s.deliveries,
			mongo.IndexModel{Keys: bson.D{{Key: "state", Value: 1}, {Key: "next_at", Value: 1}}},
			mongo.IndexModel{Keys: bson.D{{Key: "subscription_id", Value: 1}, {Key: "created_at", Value: -1}}}),
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

// DeleteSubscription removes a subscription and its deliveries; an
// attempt in flight finds its record gone.
func (s *Store) DeleteSubscription(ctx context.Context, id string) error {
	if _, err := s.subscriptions.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete subscription %s: %w", id, err)
	}
	if _, err := s.deliveries.DeleteMany(ctx, bson.D{{Key: "subscription_id", Value: id}}); err != nil {
		return fmt.Errorf("delete the deliveries of subscription %s: %w", id, err)
	}
	return nil
}

// requeued is what a retry or a replay sets: pending, due at at, and no
// lease, so that an attempt in flight meanwhile cannot record over it
// (its Record finds its lease gone): the delivery is sent again.
func requeued(at time.Time, held bool) bson.D {
	return bson.D{{Key: "$set", Value: bson.D{
		{Key: "state", Value: string(domain.Pending)}, {Key: "next_at", Value: at}, {Key: "held", Value: held},
		{Key: "lease_until", Value: time.Time{}},
	}}}
}

// Requeue makes delivery id of the subscription pending and due at at,
// and returns it; app.ErrNotFound when the subscription has none of that
// id.
func (s *Store) Requeue(ctx context.Context, subscriptionID, id string, at time.Time, held bool) (domain.Delivery, error) {
	var d deliveryDoc
	err := s.deliveries.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}, {Key: "subscription_id", Value: subscriptionID}},
		requeued(at, held), options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return domain.Delivery{}, app.ErrNotFound
	}
	if err != nil {
		return domain.Delivery{}, fmt.Errorf("requeue delivery %s: %w", id, err)
	}
	return deliveryFromDoc(d), nil
}

// RequeueSince makes every delivery of the subscription created at or
// after since pending and due at at, and says how many.
func (s *Store) RequeueSince(ctx context.Context, subscriptionID string, since, at time.Time, held bool) (int, error) {
	res, err := s.deliveries.UpdateMany(ctx, bson.D{{Key: "subscription_id", Value: subscriptionID},
		{Key: "created_at", Value: bson.D{{Key: "$gte", Value: since}}}}, requeued(at, held))
	if err != nil {
		return 0, fmt.Errorf("requeue the deliveries of subscription %s: %w", subscriptionID, err)
	}
	return int(res.MatchedCount), nil
}

// SetStatus sets a subscription's status (and the reason it is
// disabled) and what that means for its pending deliveries: held while
// paused, released when active, cancelled when disabled.
func (s *Store) SetStatus(ctx context.Context, id string, status domain.Status, reason string, at time.Time) error {
	if _, err := s.subscriptions.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "status", Value: string(status)}, {Key: "disabled_reason", Value: reason}, {Key: "updated_at", Value: at},
	}}}); err != nil {
		return fmt.Errorf("set the status of subscription %s: %w", id, err)
	}
	pending := bson.D{{Key: "subscription_id", Value: id}, {Key: "state", Value: string(domain.Pending)}}
	var set bson.D
	switch status {
	case domain.Paused:
		set = bson.D{{Key: "held", Value: true}}
	case domain.Active:
		set = bson.D{{Key: "held", Value: false}}
	case domain.Disabled:
		set = bson.D{{Key: "state", Value: string(domain.Cancelled)}}
	}
	if _, err := s.deliveries.UpdateMany(ctx, pending, bson.D{{Key: "$set", Value: set}}); err != nil {
		return fmt.Errorf("update the deliveries of subscription %s: %w", id, err)
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

type deliveryDoc struct {
	ID             string       `bson:"_id"`
	SubscriptionID string       `bson:"subscription_id"`
	ResellerID     string       `bson:"reseller_id"`
	EventID        string       `bson:"event_id"`
	Type           string       `bson:"type"`
	Body           []byte       `bson:"body"`
	State          string       `bson:"state"`
	Held           bool         `bson:"held"`
	NextAt         time.Time    `bson:"next_at"`
	LeaseUntil     time.Time    `bson:"lease_until"`
	Attempts       []attemptDoc `bson:"attempts"`
	CreatedAt      time.Time    `bson:"created_at"`
	// Trace is the queuing change's trace context.
	Trace map[string]string `bson:"trace,omitempty"`
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
	del := domain.Delivery{
		ID: d.ID, SubscriptionID: d.SubscriptionID, ResellerID: d.ResellerID, EventID: d.EventID,
		Type: domain.EventType(d.Type), Body: d.Body, State: domain.DeliveryState(d.State), Held: d.Held, NextAt: d.NextAt, CreatedAt: d.CreatedAt,
		LeaseUntil: d.LeaseUntil, Trace: d.Trace,
	}
	for _, a := range d.Attempts {
		del.Attempts = append(del.Attempts, domain.Attempt{At: a.At, Outcome: domain.Outcome(a.Outcome), Status: a.Status,
			Duration: time.Duration(a.DurationMS) * time.Millisecond, Error: a.Error, Response: a.Response})
	}
	return del
}

func attemptDocs(as []domain.Attempt) []attemptDoc {
	out := make([]attemptDoc, 0, len(as))
	for _, a := range as {
		out = append(out, attemptDoc{At: a.At, Outcome: string(a.Outcome), Status: a.Status,
			DurationMS: a.Duration.Milliseconds(), Error: a.Error, Response: a.Response})
	}
	return out
}

// Enqueue stores deliveries that are not stored yet (their ids derive
// from the event and the subscription, so an event seen twice is queued
// once) and returns how many were new.
func (s *Store) Enqueue(ctx context.Context, ds []domain.Delivery) (int, error) {
	added := 0
	for _, d := range ds {
		_, err := s.deliveries.InsertOne(ctx, deliveryDoc{
			ID: d.ID, SubscriptionID: d.SubscriptionID, ResellerID: d.ResellerID, EventID: d.EventID, Type: string(d.Type),
			Body: d.Body, State: string(domain.Pending), Held: d.Held, NextAt: d.NextAt,
			Attempts: []attemptDoc{}, CreatedAt: d.CreatedAt, Trace: d.Trace,
		})
		switch {
		case err == nil:
			added++
		case mongo.IsDuplicateKeyError(err):
		default:
			return added, fmt.Errorf("queue delivery %s: %w", d.ID, err)
		}
	}
	return added, nil
}

// Claim takes the earliest due delivery that no replica holds, of a
// subscription not in skip, for lease: until then no other claim returns
// it; a replica that dies holding it loses it when the lease ends.
func (s *Store) Claim(ctx context.Context, now time.Time, lease time.Duration, skip []string) (domain.Delivery, bool, error) {
	filter := bson.D{
		{Key: "state", Value: string(domain.Pending)},
		{Key: "next_at", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "held", Value: false},
		{Key: "lease_until", Value: bson.D{{Key: "$lte", Value: now}}},
	}
	if len(skip) > 0 {
		filter = append(filter, bson.E{Key: "subscription_id", Value: bson.D{{Key: "$nin", Value: skip}}})
	}
	var d deliveryDoc
	err := s.deliveries.FindOneAndUpdate(ctx, filter,
		bson.D{{Key: "$set", Value: bson.D{{Key: "lease_until", Value: now.Add(lease)}}}},
		options.FindOneAndUpdate().SetSort(bson.D{{Key: "next_at", Value: 1}}).SetReturnDocument(options.After),
	).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return domain.Delivery{}, false, nil
	}
	if err != nil {
		return domain.Delivery{}, false, fmt.Errorf("claim a delivery: %w", err)
	}
	return deliveryFromDoc(d), true, nil
}

// Record writes what became of a claimed delivery (its state, attempts
// and next attempt) and gives up its lease, unless the lease it was
// claimed under has ended and another claim took it meanwhile: then
// app.ErrLeaseLost, and the newer holder's record stands.
func (s *Store) Record(ctx context.Context, d domain.Delivery) error {
	res, err := s.deliveries.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "lease_until", Value: d.LeaseUntil}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "state", Value: string(d.State)}, {Key: "next_at", Value: d.NextAt}, {Key: "held", Value: d.Held},
			{Key: "attempts", Value: attemptDocs(d.Attempts)}, {Key: "lease_until", Value: time.Time{}},
		}}})
	if err != nil {
		return fmt.Errorf("record delivery %s: %w", d.ID, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("record delivery %s: %w", d.ID, app.ErrLeaseLost)
	}
	return nil
}

// Deliveries returns a subscription's most recent deliveries, newest
// first.
func (s *Store) Deliveries(ctx context.Context, subscriptionID string, limit int64) ([]domain.Delivery, error) {
	docs, err := mongodb.FindAll[deliveryDoc](ctx, s.deliveries, bson.D{{Key: "subscription_id", Value: subscriptionID}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(limit))
	if err != nil {
		return nil, err
	}
	out := make([]domain.Delivery, 0, len(docs))
	for _, d := range docs {
		out = append(out, deliveryFromDoc(d))
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

// MakeDue makes a subscription's pending deliveries due at at (a retry of
// them all; the bench starts its clock with it).
func (s *Store) MakeDue(ctx context.Context, subscriptionID string, at time.Time) error {
	if _, err := s.deliveries.UpdateMany(ctx,
		bson.D{{Key: "subscription_id", Value: subscriptionID}, {Key: "state", Value: string(domain.Pending)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "next_at", Value: at}}}}); err != nil {
		return fmt.Errorf("make the deliveries of %s due: %w", subscriptionID, err)
	}
	return nil
}

// Backlog counts the pending deliveries per subscription (held ones
// included): one aggregation.
func (s *Store) Backlog(ctx context.Context) (map[string]int64, error) {
	cur, err := s.deliveries.Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: bson.D{{Key: "state", Value: string(domain.Pending)}}}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$subscription_id"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	})
	if err != nil {
		return nil, fmt.Errorf("count the backlog: %w", err)
	}
	var rows []struct {
		ID string `bson:"_id"`
		N  int64  `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, fmt.Errorf("count the backlog: %w", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.ID] = r.N
	}
	return out, nil
}
