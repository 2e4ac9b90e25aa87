// Package adapters implements the catalog's repository on MongoDB, writing
// the documents of pkg/readmodel/catalog that the edge reads.
package adapters

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/services/catalog/internal/domain"
)

// Repository stores products, price lists and offers.
type Repository struct {
	products, lists, offers *mongo.Collection
}

// NewRepository returns a repository over db.
func NewRepository(db *mongo.Database) *Repository {
	return &Repository{
		products: db.Collection(catalog.ProductsCollection),
		lists:    db.Collection(catalog.PriceListsCollection),
		offers:   db.Collection(catalog.OffersCollection),
	}
}

// EnsureIndexes creates the indexes the projection's writes use and
// those the edge's product queries use (catalog.OfferIndexes).
func (r *Repository) EnsureIndexes(ctx context.Context) error {
	models := []mongo.IndexModel{
		{Keys: bson.D{{Key: "product_id", Value: 1}, {Key: "product_version", Value: 1}}},
		{Keys: bson.D{{Key: "price_list_id", Value: 1}, {Key: "list_version", Value: 1}}},
	}
	for _, keys := range catalog.OfferIndexes() {
		models = append(models, mongo.IndexModel{Keys: keys})
	}
	return mongodb.EnsureIndexes(ctx, r.offers, models...)
}

// SaveProduct stores p unless a newer or equal version is stored.
func (r *Repository) SaveProduct(ctx context.Context, p catalog.Product) (bool, error) {
	return mongodb.ReplaceIfNewer(ctx, r.products, p.ID, p.Version, p)
}

// ProductOnOffers sets p's fields on every offer of p with an older
// product version: one guarded update of many documents.
func (r *Repository) ProductOnOffers(ctx context.Context, p catalog.Product) (int64, error) {
	res, err := r.offers.UpdateMany(ctx,
		bson.D{{Key: "product_id", Value: p.ID}, {Key: "product_version", Value: bson.D{{Key: "$lt", Value: p.Version}}}},
		bson.D{
			{Key: "$set", Value: bson.D{
				{Key: "sku", Value: p.SKU}, {Key: "name", Value: p.Name}, {Key: "description", Value: p.Description},
				{Key: "category", Value: p.Category}, {Key: "vendor", Value: p.Vendor}, {Key: "billing_type", Value: p.BillingType},
				{Key: "unit", Value: p.Unit}, {Key: "status", Value: p.Status}, {Key: "product_version", Value: p.Version},
			}},
			{Key: "$max", Value: bson.D{{Key: "updated_at", Value: p.UpdatedAt.UTC()}}},
		})
	if err != nil {
		return 0, fmt.Errorf("product %s onto offers: %w", p.ID, err)
	}
	return res.ModifiedCount, nil
}

// SavePriceList stores the list's own fields unless a newer or equal
// version is stored.
func (r *Repository) SavePriceList(ctx context.Context, l domain.PriceList) (bool, error) {
	return mongodb.ReplaceIfNewer(ctx, r.lists, l.ID, l.Version, catalog.PriceList{
		ID: l.ID, Name: l.Name, Currency: l.Currency, Items: len(l.Items),
		CreatedAt: l.CreatedAt.UTC(), UpdatedAt: l.UpdatedAt.UTC(), Version: l.Version,
	})
}

// PriceListVersion is the stored version of list id (0 if none).
func (r *Repository) PriceListVersion(ctx context.Context, id string) (int64, error) {
	l, err := mongodb.FindOne[catalog.PriceList](ctx, r.lists, bson.D{{Key: "_id", Value: id}})
	if errors.Is(err, mongodb.ErrNotFound) {
		return 0, nil
	}
	return l.Version, err
}

// PricesOnOffers upserts one offer per product l prices, guarded by the
// list version (a newer version already on an offer makes the upsert
// collide with it: that offer is left alone), then deletes the list's
// offers still on an older version: the products l no longer prices.
func (r *Repository) PricesOnOffers(ctx context.Context, l domain.PriceList) (int64, error) {
	order, items := l.ByProduct()
	var changed int64
	for _, productID := range order {
		prices := make([]catalog.OfferPrice, len(items[productID]))
		var periods []string
		from, to := catalog.AvailableForever, time.Time{}
		for i, it := range items[productID] {
			prices[i] = catalog.OfferPrice{BillingPeriod: it.BillingPeriod, CostMinor: it.CostMinor, RetailMinor: it.RetailMinor,
				EffectiveFrom: utc(it.EffectiveFrom), EffectiveTo: utc(it.EffectiveTo)}
			if !slices.Contains(periods, it.BillingPeriod) {
				periods = append(periods, it.BillingPeriod)
			}
			from = minTime(from, it.EffectiveFrom)
			end := it.EffectiveTo
			if end.IsZero() {
				end = catalog.AvailableForever
			}
			to = maxTime(to, end)
		}
		id := catalog.OfferID(l.ID, productID)
		res, err := r.offers.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: id}, {Key: "list_version", Value: bson.D{{Key: "$lt", Value: l.Version}}}},
			bson.D{
				{Key: "$set", Value: bson.D{
					{Key: "price_list_id", Value: l.ID}, {Key: "product_id", Value: productID},
					{Key: "currency", Value: l.Currency}, {Key: "prices", Value: prices}, {Key: "billing_periods", Value: periods},
					{Key: "available_from", Value: from.UTC()}, {Key: "available_to", Value: to.UTC()}, {Key: "list_version", Value: l.Version},
				}},
				{Key: "$max", Value: bson.D{{Key: "updated_at", Value: l.UpdatedAt.UTC()}}},
				// A new offer waits for its product (version 0): the product's
				// events fill the rest in.
				{Key: "$setOnInsert", Value: bson.D{{Key: "product_version", Value: int64(0)}}},
			},
			options.UpdateOne().SetUpsert(true))
		switch {
		case mongo.IsDuplicateKeyError(err):
			continue // a newer list version is on this offer
		case err != nil:
			return changed, fmt.Errorf("offer %s: %w", id, err)
		}
		changed += res.ModifiedCount + res.UpsertedCount
	}
	res, err := r.offers.DeleteMany(ctx, bson.D{
		{Key: "price_list_id", Value: l.ID}, {Key: "list_version", Value: bson.D{{Key: "$lt", Value: l.Version}}},
	})
	if err != nil {
		return changed, fmt.Errorf("offers no longer in %s: %w", l.ID, err)
	}
	return changed + res.DeletedCount, nil
}

// Products returns the stored products among ids: one query.
func (r *Repository) Products(ctx context.Context, ids []string) ([]catalog.Product, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return mongodb.FindAll[catalog.Product](ctx, r.products, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}
