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
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/logging"
	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/services/auth/internal/audit"
)

// RevocationRepository keeps revoked access tokens ({_id: jti, expires})
// until they expire: the collection holds only tokens that could still
// be used, so it never grows beyond the revocations of one token lifetime.
type RevocationRepository struct{ coll *mongo.Collection }

// NewRevocationRepository returns a repository over db.
func NewRevocationRepository(db *mongo.Database) *RevocationRepository {
	return &RevocationRepository{coll: db.Collection("revoked_access_tokens")}
}

type revocationDoc struct {
	ID      string    `bson:"_id"`
	Expires time.Time `bson:"expires"`
}

// Revoke records jti and removes the revocations that expired.
func (r *RevocationRepository) Revoke(ctx context.Context, jti string, expires time.Time) error {
	_, err := r.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: jti}}, revocationDoc{ID: jti, Expires: expires.UTC()},
		options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if _, err := r.coll.DeleteMany(ctx, bson.D{{Key: "expires", Value: bson.D{{Key: "$lt", Value: time.Now().UTC()}}}}); err != nil {
		return fmt.Errorf("purge expired revocations: %w", err)
	}
	return nil
}

// IsRevoked reports whether jti was revoked.
func (r *RevocationRepository) IsRevoked(ctx context.Context, jti string) (bool, error) {
	_, err := mongodb.FindOne[revocationDoc](ctx, r.coll, bson.D{{Key: "_id", Value: jti}})
	if errors.Is(err, mongodb.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// RevocationEvents publishes access token revocations on the bus.
type RevocationEvents struct{ Bus *eventbus.Bus }

// TokenRevoked announces the revocation of the token with claims.
func (e RevocationEvents) TokenRevoked(ctx context.Context, claims *accesstoken.Claims) error {
	return e.Bus.Publish(ctx, eventbus.On(subjects.RevokedAccessTokens, &eventsv1.AccessTokenRevoked{
		Meta:    meta(claims.ID, 1),
		TokenId: claims.ID, UserId: claims.Subject, ResellerId: claims.ResellerID, ExpiresAt: timestamppb.New(claims.ExpiresAt.Time),
	}))
}

// SecurityAudit publishes security events on audit.auth.<kind>.<event id>.
type SecurityAudit struct{ Bus *eventbus.Bus }

// Record publishes r.
func (a SecurityAudit) Record(ctx context.Context, r audit.Record, clientID, clientAddress string) error {
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	return a.Bus.Publish(ctx, eventbus.On(subjects.SecurityEvents, &eventsv1.SecurityEvent{
		Meta: &eventsv1.EventMeta{EventId: id.String(), OccurredAt: timestamppb.Now(), AggregateId: id.String(), Version: 1,
			CorrelationId: logging.CorrelationID(ctx)},
		Kind: r.Kind, Subject: r.Subject, ResellerId: r.ResellerID, ClientId: clientID, ClientAddress: clientAddress, Detail: r.Detail,
	}))
}
