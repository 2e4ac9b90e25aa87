// Package adapters implements the auth service's ports to the outside:
// MongoDB repositories, fosite's storage, the secret box, the password
// hasher and the token signing keys.
package adapters

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// Collections of the auth database.
const (
	usersCollection     = "app_users"
	resellersCollection = "resellers"
)

func notFound(err error, what string) error {
	if errors.Is(err, mongodb.ErrNotFound) {
		return fmt.Errorf("%w: %s does not exist", domain.ErrNotFound, what)
	}
	return err
}

// UserRepository stores Application Users.
type UserRepository struct{ coll *mongo.Collection }

// NewUserRepository returns a repository over db.
func NewUserRepository(db *mongo.Database) *UserRepository {
	return &UserRepository{coll: db.Collection(usersCollection)}
}

type userDoc struct {
	ID           string    `bson:"_id"`
	ResellerID   string    `bson:"reseller_id"`
	Username     string    `bson:"username"`
	UsernameKey  string    `bson:"username_key"`
	Email        string    `bson:"email"`
	PasswordHash []byte    `bson:"password_hash"`
	Disabled     bool      `bson:"disabled"`
	CreatedAt    time.Time `bson:"created_at"`
	// TokensNotBefore is absent for a user never disabled and whose
	// password never changed.
	TokensNotBefore time.Time `bson:"tokens_not_before,omitempty"`
	// Version is absent (0) for users stored before it existed.
	Version int64 `bson:"version"`
}

func (d userDoc) user() domain.AppUser {
	return domain.AppUser{ID: d.ID, ResellerID: d.ResellerID, Username: d.Username, Email: d.Email,
		PasswordHash: d.PasswordHash, Disabled: d.Disabled, CreatedAt: d.CreatedAt,
		TokensNotBefore: d.TokensNotBefore, Version: d.Version}
}

func newUserDoc(u domain.AppUser) userDoc {
	return userDoc{ID: u.ID, ResellerID: u.ResellerID, Username: u.Username,
		UsernameKey: domain.UsernameKey(u.Username), Email: u.Email, PasswordHash: u.PasswordHash,
		Disabled: u.Disabled, CreatedAt: u.CreatedAt, TokensNotBefore: u.TokensNotBefore, Version: u.Version}
}

// EnsureIndexes makes usernames unique (case-insensitively).
func (r *UserRepository) EnsureIndexes(ctx context.Context) error {
	return mongodb.EnsureIndexes(ctx, r.coll,
		mongo.IndexModel{Keys: bson.D{{Key: "username_key", Value: 1}}, Options: options.Index().SetUnique(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "reseller_id", Value: 1}, {Key: "username_key", Value: 1}}},
	)
}

// Create stores u; a taken username is domain.ErrConflict.
func (r *UserRepository) Create(ctx context.Context, u domain.AppUser) error {
	_, err := r.coll.InsertOne(ctx, newUserDoc(u))
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("%w: username %q is taken", domain.ErrConflict, u.Username)
	}
	if err != nil {
		return fmt.Errorf("store application user: %w", err)
	}
	return nil
}

// Update replaces the user u.ID stored at version previous with u (whose
// version is previous + 1): compare-and-set, so that two concurrent
// changes cannot both win. domain.ErrConflict when it changed meanwhile,
// domain.ErrNotFound when it is gone.
func (r *UserRepository) Update(ctx context.Context, u domain.AppUser, previous int64) error {
	version := bson.D{{Key: "version", Value: previous}}
	if previous == 0 {
		version = bson.D{{Key: "version", Value: bson.D{{Key: "$exists", Value: false}}}}
	}
	res, err := r.coll.ReplaceOne(ctx, append(bson.D{{Key: "_id", Value: u.ID}}, version...), newUserDoc(u))
	if err != nil {
		return fmt.Errorf("update application user: %w", err)
	}
	if res.MatchedCount == 0 {
		if _, err := r.ByID(ctx, u.ID); err != nil {
			return err
		}
		return fmt.Errorf("%w: application user %s changed meanwhile", domain.ErrConflict, u.ID)
	}
	return nil
}

// Delete removes user id (its username is free again).
func (r *UserRepository) Delete(ctx context.Context, id string) error {
	if _, err := r.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete application user: %w", err)
	}
	return nil
}

// ByUsername finds a user by username, ignoring case.
func (r *UserRepository) ByUsername(ctx context.Context, username string) (domain.AppUser, error) {
	d, err := mongodb.FindOne[userDoc](ctx, r.coll, bson.D{{Key: "username_key", Value: domain.UsernameKey(username)}})
	if err != nil {
		return domain.AppUser{}, notFound(err, "application user")
	}
	return d.user(), nil
}

// ByID finds a user by id.
func (r *UserRepository) ByID(ctx context.Context, id string) (domain.AppUser, error) {
	d, err := mongodb.FindOne[userDoc](ctx, r.coll, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return domain.AppUser{}, notFound(err, "application user")
	}
	return d.user(), nil
}

// List returns one page of users, of one reseller or of all, whose
// username or email contains search (ignoring case; "" matches all).
func (r *UserRepository) List(ctx context.Context, resellerID, search string, page paging.Request) ([]domain.AppUser, int64, error) {
	filter := bson.D{}
	if resellerID != "" {
		filter = bson.D{{Key: "reseller_id", Value: resellerID}}
	}
	if search != "" {
		pattern := bson.Regex{Pattern: regexp.QuoteMeta(search), Options: "i"}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "username", Value: pattern}}, bson.D{{Key: "email", Value: pattern}},
		}})
	}
	docs, total, err := mongodb.FindPage[userDoc](ctx, r.coll, mongodb.Page{
		Filter: filter, Sort: bson.D{{Key: "username_key", Value: 1}}, Skip: page.Skip(), Limit: page.Limit(),
	})
	if err != nil {
		return nil, 0, err
	}
	users := make([]domain.AppUser, len(docs))
	for i, d := range docs {
		users[i] = d.user()
	}
	return users, total, nil
}

// ResellerRepository stores the resellers auth knows of.
type ResellerRepository struct{ coll *mongo.Collection }

// NewResellerRepository returns a repository over db.
func NewResellerRepository(db *mongo.Database) *ResellerRepository {
	return &ResellerRepository{coll: db.Collection(resellersCollection)}
}

type resellerDoc struct {
	ID      string `bson:"_id"`
	Name    string `bson:"name"`
	Status  string `bson:"status,omitempty"`
	Edition string `bson:"edition,omitempty"`
	Version int64  `bson:"version"`
}

// Save stores res unless a newer or equal version is stored.
func (r *ResellerRepository) Save(ctx context.Context, res domain.Reseller) (bool, error) {
	return mongodb.ReplaceIfNewer(ctx, r.coll, res.ID, res.Version, resellerDoc(res))
}

// Get finds a reseller by id.
func (r *ResellerRepository) Get(ctx context.Context, id string) (domain.Reseller, error) {
	d, err := mongodb.FindOne[resellerDoc](ctx, r.coll, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return domain.Reseller{}, notFound(err, fmt.Sprintf("reseller %q", id))
	}
	return domain.Reseller(d), nil
}

// List returns one page of the resellers, by name.
func (r *ResellerRepository) List(ctx context.Context, page paging.Request) ([]domain.Reseller, int64, error) {
	docs, total, err := mongodb.FindPage[resellerDoc](ctx, r.coll, mongodb.Page{
		Filter: bson.D{}, Sort: bson.D{{Key: "name", Value: 1}, {Key: "_id", Value: 1}}, Skip: page.Skip(), Limit: page.Limit(),
	})
	if err != nil {
		return nil, 0, err
	}
	out := make([]domain.Reseller, len(docs))
	for i, d := range docs {
		out[i] = domain.Reseller(d)
	}
	return out, total, nil
}

// Names returns the names of the resellers with the given ids.
func (r *ResellerRepository) Names(ctx context.Context, ids []string) (map[string]string, error) {
	names := map[string]string{}
	if len(ids) == 0 {
		return names, nil
	}
	docs, err := mongodb.FindAll[resellerDoc](ctx, r.coll, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		names[d.ID] = d.Name
	}
	return names, nil
}
