package adapters

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/services/auth/internal/console"
)

// ConsoleSessions stores the console's sessions by the digest of their
// cookie, so that every replica sees a sign-out at once.
type ConsoleSessions struct{ coll *mongo.Collection }

// NewConsoleSessions returns the store over db.
func NewConsoleSessions(db *mongo.Database) *ConsoleSessions {
	return &ConsoleSessions{coll: db.Collection("console_sessions")}
}

var _ console.SessionStore = (*ConsoleSessions)(nil)

type consoleSessionDoc struct {
	ID         string    `bson:"_id"`
	ResellerID string    `bson:"reseller_id"`
	Credential []byte    `bson:"credential"`
	CSRF       string    `bson:"csrf"`
	CreatedAt  time.Time `bson:"created_at"`
	LastSeen   time.Time `bson:"last_seen"`
}

// EnsureIndexes indexes what expired sessions are purged by.
func (s *ConsoleSessions) EnsureIndexes(ctx context.Context) error {
	return mongodb.EnsureIndexes(ctx, s.coll,
		mongo.IndexModel{Keys: bson.D{{Key: "last_seen", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "created_at", Value: 1}}})
}

// Create stores a new session.
func (s *ConsoleSessions) Create(ctx context.Context, cs console.Session) error {
	if _, err := s.coll.InsertOne(ctx, consoleSessionDoc(cs)); err != nil {
		return fmt.Errorf("store console session: %w", err)
	}
	return nil
}

// Get returns session id, or console.ErrNoSession.
func (s *ConsoleSessions) Get(ctx context.Context, id string) (console.Session, error) {
	d, err := mongodb.FindOne[consoleSessionDoc](ctx, s.coll, bson.D{{Key: "_id", Value: id}})
	if errors.Is(err, mongodb.ErrNotFound) {
		return console.Session{}, console.ErrNoSession
	}
	if err != nil {
		return console.Session{}, err
	}
	return console.Session(d), nil
}

// Touch records that session id was used at t.
func (s *ConsoleSessions) Touch(ctx context.Context, id string, t time.Time) error {
	_, err := s.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "last_seen", Value: t}}}})
	if err != nil {
		return fmt.Errorf("touch console session: %w", err)
	}
	return nil
}

// Delete removes session id (nothing when it is gone already).
func (s *ConsoleSessions) Delete(ctx context.Context, id string) error {
	if _, err := s.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete console session: %w", err)
	}
	return nil
}

// DeleteExpired removes sessions idle since before idle or created before
// created.
func (s *ConsoleSessions) DeleteExpired(ctx context.Context, idle, created time.Time) error {
	_, err := s.coll.DeleteMany(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "last_seen", Value: bson.D{{Key: "$lt", Value: idle}}}},
		bson.D{{Key: "created_at", Value: bson.D{{Key: "$lt", Value: created}}}},
	}}})
	if err != nil {
		return fmt.Errorf("purge console sessions: %w", err)
	}
	return nil
}
