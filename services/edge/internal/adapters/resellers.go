package adapters

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/pagetoken"
	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/services/edge/internal/app"
)

// ResellerReader reads the directory's resellers collection, every read
// scoped to the resellers the caller may see (by id).
type ResellerReader struct{ resellers mongodb.Scoped }

// NewResellerReader returns a reader over the directory database.
func NewResellerReader(db *mongo.Database) *ResellerReader {
	return &ResellerReader{resellers: mongodb.NewScoped(db.Collection(directory.ResellersCollection), "_id")}
}

// List returns one page of the resellers in scope, by name: one find and
// one count.
func (r *ResellerReader) List(ctx context.Context, scope app.Scope, f app.ResellerFilter, page paging.Request) ([]directory.Reseller, int64, error) {
	docs, total, err := mongodb.ScopedFindPage[directory.Reseller](ctx, r.resellers, scope.ResellerIDs(), mongodb.Page{
		Filter: resellerFilter(f), Sort: sortBy(nil, "name", false), Skip: page.Skip(), Limit: page.Limit(),
	})
	return docs, total, err
}

// ListAfter returns up to limit resellers in scope matching f after
// position after by name and id: one find, no count.
func (r *ResellerReader) ListAfter(ctx context.Context, scope app.Scope, f app.ResellerFilter, after *pagetoken.Position, limit int) ([]directory.Reseller, error) {
	return findAfter[directory.Reseller](ctx, r.resellers, scope.ResellerIDs(), resellerFilter(f), sortBy(nil, "name", false), after, nil, limit)
}

func resellerFilter(f app.ResellerFilter) bson.D {
	var filter bson.D
	if f.ParentID != "" {
		filter = append(filter, bson.E{Key: "parent_id", Value: f.ParentID})
	}
	if f.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: f.Status})
	}
	return filter
}

// Get returns reseller id if it is in scope, else app.ErrNotFound.
func (r *ResellerReader) Get(ctx context.Context, scope app.Scope, id string) (directory.Reseller, error) {
	// The scope is this one id (the use case checked it is the caller's to see).
	d, err := mongodb.ScopedFindOne[directory.Reseller](ctx, r.resellers, scope.ResellerIDs(), nil)
	if errors.Is(err, mongodb.ErrNotFound) {
		return directory.Reseller{}, app.ErrNotFound
	}
	return d, err
}
