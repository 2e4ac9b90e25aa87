package adapters

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// StorefrontKeyRepository stores storefront keys by digest.
type StorefrontKeyRepository struct{ coll *mongo.Collection }

// NewStorefrontKeyRepository returns a repository over db.
func NewStorefrontKeyRepository(db *mongo.Database) *StorefrontKeyRepository {
	return &StorefrontKeyRepository{coll: db.Collection("storefront_keys")}
}

type storefrontKeyDoc struct {
	ID         string    `bson:"_id"`
	ResellerID string    `bson:"reseller_id"`
	Digest     []byte    `bson:"digest"`
	CreatedAt  time.Time `bson:"created_at"`
}

// EnsureIndexes indexes the keys by digest (each request looks one up).
func (r *StorefrontKeyRepository) EnsureIndexes(ctx context.Context) error {
	return mongodb.EnsureIndexes(ctx, r.coll, mongo.IndexModel{Keys: bson.D{{Key: "digest", Value: 1}}})
}

// Create stores k.
func (r *StorefrontKeyRepository) Create(ctx context.Context, k domain.StorefrontKey) error {
	if _, err := r.coll.InsertOne(ctx, storefrontKeyDoc(k)); err != nil {
		return fmt.Errorf("store storefront key: %w", err)
	}
	return nil
}

// ByDigest finds the key whose SHA-256 is digest.
func (r *StorefrontKeyRepository) ByDigest(ctx context.Context, digest []byte) (domain.StorefrontKey, error) {
	d, err := mongodb.FindOne[storefrontKeyDoc](ctx, r.coll, bson.D{{Key: "digest", Value: digest}})
	if err != nil {
		return domain.StorefrontKey{}, notFound(err, "storefront key")
	}
	return domain.StorefrontKey(d), nil
}

// Delete removes key id of resellerID; domain.ErrNotFound if none.
func (r *StorefrontKeyRepository) Delete(ctx context.Context, resellerID, id string) error {
	return deleteOfReseller(ctx, r.coll, resellerID, id, "storefront key")
}

// deleteOfReseller deletes document id of resellerID from coll;
// domain.ErrNotFound (naming what) when there is none.
func deleteOfReseller(ctx context.Context, coll *mongo.Collection, resellerID, id, what string) error {
	res, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "reseller_id", Value: resellerID}})
	if err != nil {
		return fmt.Errorf("delete %s: %w", what, err)
	}
	if res.DeletedCount == 0 {
		return fmt.Errorf("%w: %s %s", domain.ErrNotFound, what, id)
	}
	return nil
}
