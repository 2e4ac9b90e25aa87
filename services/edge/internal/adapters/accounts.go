// Package adapters reads the read models the edge serves from MongoDB,
// with a read-only role (the edge never writes), and holds the reseller
// tree in memory, fed by the directory's events.
package adapters

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/pagetoken"
	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/services/edge/internal/app"
)

// AccountReader reads the directory's accounts collection, every read
// scoped to the caller's resellers.
type AccountReader struct{ accounts mongodb.Scoped }

// NewAccountReader returns a reader over the directory database.
func NewAccountReader(db *mongo.Database) *AccountReader {
	return &AccountReader{accounts: mongodb.NewScoped(db.Collection(directory.AccountsCollection), "reseller_id")}
}

// sortFields maps the API's sort keys onto directory.AccountSortFields,
// each of which the directory indexes after the scope.
var sortFields = map[string]string{"name": "name", "createdAt": "created_at", "updatedAt": "updated_at"}

// List returns one page of accounts: one find and one count.
func (r *AccountReader) List(ctx context.Context, scope app.Scope, f app.AccountFilter, page paging.Request) ([]directory.Account, int64, error) {
	docs, total, err := mongodb.ScopedFindPage[directory.Account](ctx, r.accounts, scope.ResellerIDs(), mongodb.Page{
		Filter: accountFilter(f),
		Sort:   sortBy(sortFields, f.Sort.Field, f.Sort.Desc),
		Skip:   page.Skip(), Limit: page.Limit(),
	})
	return docs, total, err
}

// ListAfter returns up to limit accounts after the position after in f's
// sort, by the sort key and then _id (keyset paging over the index that
// ends with both): one find, no count, at any depth.
func (r *AccountReader) ListAfter(ctx context.Context, scope app.Scope, f app.AccountFilter, after *pagetoken.Position, limit int) ([]directory.Account, error) {
	return findAfter[directory.Account](ctx, r.accounts, scope.ResellerIDs(), accountFilter(f), sortBy(sortFields, f.Sort.Field, f.Sort.Desc),
		after, accountKinds, limit)
}

// accountFilter is the condition of the accounts f lists.
func accountFilter(f app.AccountFilter) bson.D {
	var filter bson.D
	if f.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: f.Status})
	}
	return listFilter(filter, f.Search, f.UpdatedSince)
}

// accountKinds are the stored sort keys that are not strings.
var accountKinds = map[string]valueKind{"created_at": kindTime, "updated_at": kindTime}

// Get returns the account id if it is within scope; any other is
// app.ErrNotFound, exactly as a missing one.
func (r *AccountReader) Get(ctx context.Context, scope app.Scope, id string) (directory.Account, error) {
	d, err := mongodb.ScopedFindOne[directory.Account](ctx, r.accounts, scope.ResellerIDs(), bson.D{{Key: "_id", Value: id}})
	if errors.Is(err, mongodb.ErrNotFound) {
		return directory.Account{}, app.ErrNotFound
	}
	return d, err
}

// Names returns the names of the accounts among ids within scope: one
// find, of names only.
func (r *AccountReader) Names(ctx context.Context, scope app.Scope, ids []string) (map[string]string, error) {
	type name struct {
		ID   string `bson:"_id"`
		Name string `bson:"name"`
	}
	docs, err := mongodb.ScopedFindAll[name](ctx, r.accounts, scope.ResellerIDs(), bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetProjection(bson.D{{Key: "name", Value: 1}}))
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(docs))
	for _, d := range docs {
		names[d.ID] = d.Name
	}
	return names, nil
}
