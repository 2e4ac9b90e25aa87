package adapters

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// ManagerRepository stores managers and their API tokens' digests.
type ManagerRepository struct{ managers, tokens *mongo.Collection }

// NewManagerRepository returns a repository over db.
func NewManagerRepository(db *mongo.Database) *ManagerRepository {
	return &ManagerRepository{managers: db.Collection("managers"), tokens: db.Collection("manager_tokens")}
}

// EnsureIndexes creates the indexes the lookups use.
func (r *ManagerRepository) EnsureIndexes(ctx context.Context) error {
	return errors.Join(
		mongodb.EnsureIndexes(ctx, r.managers, mongo.IndexModel{Keys: bson.D{{Key: "reseller_id", Value: 1}, {Key: "created_at", Value: 1}}}),
		mongodb.EnsureIndexes(ctx, r.tokens, mongo.IndexModel{Keys: bson.D{{Key: "manager_id", Value: 1}, {Key: "created_at", Value: 1}}}),
	)
}

type managerDoc struct {
	ID         string    `bson:"_id"`
	ResellerID string    `bson:"reseller_id"`
	Name       string    `bson:"name"`
	Email      string    `bson:"email"`
	Role       string    `bson:"role"`
	CreatedAt  time.Time `bson:"created_at"`
}

type tokenDoc struct {
	ID         string    `bson:"_id"`
	ManagerID  string    `bson:"manager_id"`
	ResellerID string    `bson:"reseller_id"`
	Role       string    `bson:"role"`
	Digest     []byte    `bson:"digest_sha256"`
	CreatedAt  time.Time `bson:"created_at"`
	Revoked    bool      `bson:"revoked"`
}

func (d managerDoc) manager() domain.Manager {
	return domain.Manager{ID: d.ID, ResellerID: d.ResellerID, Name: d.Name, Email: d.Email, Role: domain.Role(d.Role), CreatedAt: d.CreatedAt}
}

func (d tokenDoc) token() domain.ManagerToken {
	return domain.ManagerToken{ID: d.ID, ManagerID: d.ManagerID, ResellerID: d.ResellerID, Role: domain.Role(d.Role),
		Digest: d.Digest, CreatedAt: d.CreatedAt, Revoked: d.Revoked}
}

// CreateManager stores m.
func (r *ManagerRepository) CreateManager(ctx context.Context, m domain.Manager) error {
	_, err := r.managers.InsertOne(ctx, managerDoc{ID: m.ID, ResellerID: m.ResellerID, Name: m.Name, Email: m.Email,
		Role: string(m.Role), CreatedAt: m.CreatedAt})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	return nil
}

// Manager returns manager id, or domain.ErrNotFound.
func (r *ManagerRepository) Manager(ctx context.Context, id string) (domain.Manager, error) {
	d, err := mongodb.FindOne[managerDoc](ctx, r.managers, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return domain.Manager{}, notFound(err, "manager "+id)
	}
	return d.manager(), nil
}

// Managers returns the managers of resellerID, oldest first.
func (r *ManagerRepository) Managers(ctx context.Context, resellerID string) ([]domain.Manager, error) {
	docs, err := oldestFirst[managerDoc](ctx, r.managers, bson.D{{Key: "reseller_id", Value: resellerID}})
	out := make([]domain.Manager, len(docs))
	for i, d := range docs {
		out[i] = d.manager()
	}
	return out, err
}

// DeleteManager removes manager id and its tokens' digests.
func (r *ManagerRepository) DeleteManager(ctx context.Context, id string) error {
	if _, err := r.tokens.DeleteMany(ctx, bson.D{{Key: "manager_id", Value: id}}); err != nil {
		return fmt.Errorf("delete tokens of %s: %w", id, err)
	}
	if _, err := r.managers.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete manager %s: %w", id, err)
	}
	return nil
}

// CreateToken stores t's digest.
func (r *ManagerRepository) CreateToken(ctx context.Context, t domain.ManagerToken) error {
	_, err := r.tokens.InsertOne(ctx, tokenDoc{ID: t.ID, ManagerID: t.ManagerID, ResellerID: t.ResellerID, Role: string(t.Role),
		Digest: t.Digest, CreatedAt: t.CreatedAt})
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

// Tokens returns managerID's tokens, oldest first.
func (r *ManagerRepository) Tokens(ctx context.Context, managerID string) ([]domain.ManagerToken, error) {
	docs, err := oldestFirst[tokenDoc](ctx, r.tokens, bson.D{{Key: "manager_id", Value: managerID}})
	out := make([]domain.ManagerToken, len(docs))
	for i, d := range docs {
		out[i] = d.token()
	}
	return out, err
}

// RevokeToken marks token tokenID of managerID revoked.
func (r *ManagerRepository) RevokeToken(ctx context.Context, managerID, tokenID string) (domain.ManagerToken, bool, error) {
	filter := bson.D{{Key: "_id", Value: tokenID}, {Key: "manager_id", Value: managerID}}
	res, err := r.tokens.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	if err != nil {
		return domain.ManagerToken{}, false, fmt.Errorf("revoke token %s: %w", tokenID, err)
	}
	d, err := mongodb.FindOne[tokenDoc](ctx, r.tokens, filter)
	if err != nil {
		return domain.ManagerToken{}, false, notFound(err, "token "+tokenID+" of manager "+managerID)
	}
	return d.token(), res.ModifiedCount > 0, nil
}

// oldestFirst returns the documents matching filter, oldest first, at most
// 1000 (a reseller's managers, a manager's tokens).
func oldestFirst[T any](ctx context.Context, coll *mongo.Collection, filter bson.D) ([]T, error) {
	return mongodb.FindAll[T](ctx, coll, filter, options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(1000))
}

// TokenEvents publishes manager token events on the bus.
type TokenEvents struct{ Bus *eventbus.Bus }

// TokenChanged publishes t's state as version of its aggregate.
func (e TokenEvents) TokenChanged(ctx context.Context, t domain.ManagerToken, version int64) error {
	role := eventsv1.ManagerRole(eventsv1.ManagerRole_value["MANAGER_ROLE_"+strings.ToUpper(string(t.Role))])
	return e.Bus.Publish(ctx, eventbus.On(subjects.ManagerTokens, &eventsv1.ManagerTokenChanged{
		Meta: meta(t.ID, version),
		Token: &eventsv1.ManagerToken{TokenId: t.ID, ManagerId: t.ManagerID, ResellerId: t.ResellerID, Role: role,
			DigestSha256: hex.EncodeToString(t.Digest), Revoked: t.Revoked, CreatedAt: timestamppb.New(t.CreatedAt)},
	}))
}

// UserEvents publishes Application User events on the bus.
type UserEvents struct{ Bus *eventbus.Bus }

// UserChanged publishes u's state (deleted, disabled or active) as its
// version: what the edge needs to refuse the user's tokens.
func (e UserEvents) UserChanged(ctx context.Context, u domain.AppUser, deleted bool) error {
	status := eventsv1.AppUserStatus_APP_USER_STATUS_ACTIVE
	switch {
	case deleted:
		status = eventsv1.AppUserStatus_APP_USER_STATUS_DELETED
	case u.Disabled:
		status = eventsv1.AppUserStatus_APP_USER_STATUS_DISABLED
	}
	user := &eventsv1.AppUser{UserId: u.ID, ResellerId: u.ResellerID, Status: status}
	if !u.TokensNotBefore.IsZero() {
		user.TokensNotBefore = timestamppb.New(u.TokensNotBefore)
	}
	return e.Bus.Publish(ctx, eventbus.On(subjects.AppUsers, &eventsv1.AppUserChanged{
		Meta: meta(u.ID, u.Version),
		User: user,
	}))
}
