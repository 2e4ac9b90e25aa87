// Package adapters implements the directory's repositories on MongoDB,
// writing the documents of pkg/readmodel/directory that the edge reads.
package adapters

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
)

// AccountRepository stores accounts in the accounts collection.
type AccountRepository struct{ coll *mongo.Collection }

// NewAccountRepository returns a repository over db.
func NewAccountRepository(db *mongo.Database) *AccountRepository {
	return &AccountRepository{coll: db.Collection(directory.AccountsCollection)}
}

// EnsureIndexes creates the indexes the edge's account queries use.
func (r *AccountRepository) EnsureIndexes(ctx context.Context) error {
	var models []mongo.IndexModel
	for _, keys := range directory.AccountIndexes() {
		models = append(models, mongo.IndexModel{Keys: keys})
	}
	return mongodb.EnsureIndexes(ctx, r.coll, models...)
}

// Save stores a unless a newer or equal version is stored.
func (r *AccountRepository) Save(ctx context.Context, a directory.Account) (bool, error) {
	return mongodb.ReplaceIfNewer(ctx, r.coll, a.ID, a.Version, a)
}

// ResellerRepository stores resellers in the resellers collection.
type ResellerRepository struct{ coll *mongo.Collection }

// NewResellerRepository returns a repository over db.
func NewResellerRepository(db *mongo.Database) *ResellerRepository {
	return &ResellerRepository{coll: db.Collection(directory.ResellersCollection)}
}

// EnsureIndexes creates the indexes used to walk the reseller tree and to
// list resellers by name (pages by number and by cursor).
func (r *ResellerRepository) EnsureIndexes(ctx context.Context) error {
	return mongodb.EnsureIndexes(ctx, r.coll,
		mongo.IndexModel{Keys: bson.D{{Key: "parent_id", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "name", Value: 1}, {Key: "_id", Value: 1}}})
}

// Save stores res unless a newer or equal version is stored.
func (r *ResellerRepository) Save(ctx context.Context, res directory.Reseller) (bool, error) {
	return mongodb.ReplaceIfNewer(ctx, r.coll, res.ID, res.Version, res)
}
