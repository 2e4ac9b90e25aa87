// Package catalog defines the catalog service's read-model documents
// (products, price lists, offers): written by the catalog service, read
// by the edge.
package catalog

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Catalog read models, written by the catalog service.
const (
	// CatalogDatabase is the default database of the catalog service.
	CatalogDatabase = "catalog"
	// ProductsCollection holds Product documents: every product, priced or
	// not yet.
	ProductsCollection = "products"
	// PriceListsCollection holds PriceList documents (the lists' own
	// fields and versions; their items live in the offers).
	PriceListsCollection = "price_lists"
	// OffersCollection holds Offer documents: one per price list and
	// product the list prices, so a list's priced products are one indexed
	// query and the collection grows as lists x their items, never as
	// resellers x products.
	OffersCollection = "offers"
)

// Product is a product of the catalog, as of Version.
type Product struct {
	ID            string    `bson:"_id"`
	SKU           string    `bson:"sku"`
	Name          string    `bson:"name"`
	Description   string    `bson:"description"`
	Category      string    `bson:"category"`
	Vendor        string    `bson:"vendor"`
	BillingType   string    `bson:"billing_type"`
	BillingPeriod string    `bson:"billing_period"`
	Unit          string    `bson:"unit"`
	Status        string    `bson:"status"`
	CreatedAt     time.Time `bson:"created_at"`
	UpdatedAt     time.Time `bson:"updated_at"`
	Version       int64     `bson:"version"`
}

// PriceList is a price list's own fields, as of Version.
type PriceList struct {
	ID        string    `bson:"_id"`
	Name      string    `bson:"name"`
	Currency  string    `bson:"currency"`
	Items     int       `bson:"items"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
	Version   int64     `bson:"version"`
}

// OfferPrice is one price of an offer: a billing period's cost and retail
// price in the list currency's minor units, for [EffectiveFrom,
// EffectiveTo) (a zero time is an open bound).
type OfferPrice struct {
	BillingPeriod string    `bson:"billing_period"`
	CostMinor     int64     `bson:"cost_minor"`
	RetailMinor   int64     `bson:"retail_minor"`
	EffectiveFrom time.Time `bson:"effective_from,omitempty"`
	EffectiveTo   time.Time `bson:"effective_to,omitempty"`
}

// Offer is a product as one price list prices it. Its prices follow the
// list's events (ListVersion), its product fields the product's events
// (ProductVersion; 0 while the product has not been published).
type Offer struct {
	ID          string       `bson:"_id"` // OfferID(list, product)
	PriceListID string       `bson:"price_list_id"`
	ProductID   string       `bson:"product_id"`
	Currency    string       `bson:"currency"`
	Prices      []OfferPrice `bson:"prices"`
	// BillingPeriods are the periods Prices cover, for filtering.
	BillingPeriods []string `bson:"billing_periods"`
	// AvailableFrom and AvailableTo bound the times any price applies
	// (the earliest start, the latest end; open bounds are the zero time
	// and AvailableForever), so "priced now" is one range condition.
	AvailableFrom time.Time `bson:"available_from"`
	AvailableTo   time.Time `bson:"available_to"`
	ListVersion   int64     `bson:"list_version"`

	SKU            string `bson:"sku"`
	Name           string `bson:"name"`
	Description    string `bson:"description"`
	Category       string `bson:"category"`
	Vendor         string `bson:"vendor"`
	BillingType    string `bson:"billing_type"`
	Unit           string `bson:"unit"`
	Status         string `bson:"status"`
	ProductVersion int64  `bson:"product_version"`

	// UpdatedAt is the later of the list's and the product's last change.
	UpdatedAt time.Time `bson:"updated_at"`
}

// AvailableForever is the AvailableTo of an offer with a price that never
// ends.
var AvailableForever = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// OfferSortFields are the fields product lists may be sorted by. Every
// list is scoped to one price list; OfferIndexes serves each sort from an
// index {price_list_id, field, _id}, the other filters being checked while
// walking it.
func OfferSortFields() []string { return []string{"name", "vendor", "category", "updated_at"} }

// OfferIndexes are the key patterns of the offers collection's read
// indexes.
func OfferIndexes() []bson.D {
	var out []bson.D
	for _, f := range OfferSortFields() {
		out = append(out, bson.D{{Key: "price_list_id", Value: 1}, {Key: f, Value: 1}, {Key: "_id", Value: 1}})
	}
	return out
}

// OfferID is the id of the offer of product in price list.
func OfferID(priceList, product string) string { return priceList + "/" + product }
