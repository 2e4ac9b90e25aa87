package adapters

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/pagetoken"
	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/services/edge/internal/app"
)

// ProductReader reads the catalog's offers collection, every read scoped
// to the caller's price list.
type ProductReader struct{ offers mongodb.Scoped }

// NewProductReader returns a reader over the catalog database.
func NewProductReader(db *mongo.Database) *ProductReader {
	return &ProductReader{offers: mongodb.NewScoped(db.Collection(catalog.OffersCollection), "price_list_id")}
}

// productSortFields maps the API's sort keys onto catalog.OfferSortFields.
var productSortFields = map[string]string{"name": "name", "vendor": "vendor", "category": "category", "updatedAt": "updated_at"}

// resellable is the condition of an offer that may be sold at now: an
// active product (published: version > 0) with a price in effect.
func resellable(now time.Time) bson.D {
	return bson.D{
		{Key: "status", Value: "active"},
		{Key: "product_version", Value: bson.D{{Key: "$gt", Value: 0}}},
		{Key: "available_from", Value: bson.D{{Key: "$lte", Value: now.UTC()}}},
		{Key: "available_to", Value: bson.D{{Key: "$gt", Value: now.UTC()}}},
	}
}

// List returns one page of resellable products: one find and one count.
func (r *ProductReader) List(ctx context.Context, scope app.ListScope, now time.Time, f app.ProductFilter, page paging.Request) ([]catalog.Offer, int64, error) {
	docs, total, err := mongodb.ScopedFindPage[catalog.Offer](ctx, r.offers, scope.PriceListIDs(), mongodb.Page{
		Filter: productFilter(now, f),
		Sort:   sortBy(productSortFields, f.Sort.Field, f.Sort.Desc),
		Skip:   page.Skip(), Limit: page.Limit(),
	})
	return docs, total, err
}

// Get returns product id if it is resellable in scope at now; anything
// else is app.ErrNotFound. One find.
func (r *ProductReader) Get(ctx context.Context, scope app.ListScope, now time.Time, id string) (catalog.Offer, error) {
	lists := scope.PriceListIDs()
	if len(lists) != 1 {
		return catalog.Offer{}, app.ErrNotFound
	}
	filter := append(bson.D{{Key: "_id", Value: catalog.OfferID(lists[0], id)}}, resellable(now)...)
	d, err := mongodb.ScopedFindOne[catalog.Offer](ctx, r.offers, lists, filter)
	if errors.Is(err, mongodb.ErrNotFound) {
		return catalog.Offer{}, app.ErrNotFound
	}
	return d, err
}

// productFilter is the condition of the offers f lists at now.
func productFilter(now time.Time, f app.ProductFilter) bson.D {
	filter := resellable(now)
	for _, eq := range []struct{ field, value string }{
		{"category", f.Category}, {"vendor", f.Vendor}, {"billing_type", f.BillingType}, {"billing_periods", f.BillingPeriod},
	} {
		if eq.value != "" {
			filter = append(filter, bson.E{Key: eq.field, Value: eq.value})
		}
	}
	return listFilter(filter, f.Search, f.UpdatedSince)
}

// ListAfter returns up to limit offers after the position after in f's
// sort, by the sort key and then _id (keyset paging over the index that
// ends with both): one find, no count.
func (r *ProductReader) ListAfter(ctx context.Context, scope app.ListScope, now time.Time, f app.ProductFilter, after *pagetoken.Position, limit int) ([]catalog.Offer, error) {
	return findAfter[catalog.Offer](ctx, r.offers, scope.PriceListIDs(), productFilter(now, f), sortBy(productSortFields, f.Sort.Field, f.Sort.Desc),
		after, productKinds, limit)
}

// productKinds are the stored sort keys that are not strings.
var productKinds = map[string]valueKind{"updated_at": kindTime}
