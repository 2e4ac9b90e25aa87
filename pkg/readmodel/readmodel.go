// Package readmodel defines the MongoDB documents that one service writes
// and others read: the contract between a projecting service and the edge.
// The owning service is the only writer; the edge reads with a read-only
// role. Changing a field here is changing that contract.
package readmodel

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Directory read models, written by the directory service.
const (
	// DirectoryDatabase is the default database of the directory service.
	DirectoryDatabase = "directory"
	// AccountsCollection holds Account documents.
	AccountsCollection = "accounts"
	// ResellersCollection holds Reseller documents.
	ResellersCollection = "resellers"
)

// AccountSortFields are the fields account lists may be sorted by (the
// edge maps its sort parameter onto them). Every list is scoped to one
// reseller and may filter on status; AccountIndexes serves each
// combination from an index, so no sort happens in memory.
func AccountSortFields() []string { return []string{"name", "created_at", "updated_at"} }

// AccountIndexes are the key patterns of the accounts collection's
// indexes: for every sort field, {reseller_id, field, _id} and
// {reseller_id, status, field, _id}. The name search and the updatedSince
// range are checked while walking them (equality, sort, range).
func AccountIndexes() []bson.D {
	var out []bson.D
	for _, f := range AccountSortFields() {
		out = append(out,
			bson.D{{Key: "reseller_id", Value: 1}, {Key: f, Value: 1}, {Key: "_id", Value: 1}},
			bson.D{{Key: "reseller_id", Value: 1}, {Key: "status", Value: 1}, {Key: f, Value: 1}, {Key: "_id", Value: 1}},
		)
	}
	return out
}

// Account is an end customer of a reseller, as of Version.
type Account struct {
	ID         string    `bson:"_id"`
	ResellerID string    `bson:"reseller_id"`
	Name       string    `bson:"name"`
	Email      string    `bson:"email"`
	Phone      string    `bson:"phone"`
	Country    string    `bson:"country"`
	Status     string    `bson:"status"`
	CreatedAt  time.Time `bson:"created_at"`
	UpdatedAt  time.Time `bson:"updated_at"`
	Version    int64     `bson:"version"`
}

// Reseller is a reseller of the distributor, as of Version.
type Reseller struct {
	ID       string `bson:"_id"`
	ParentID string `bson:"parent_id"`
	Name     string `bson:"name"`
	Domain   string `bson:"domain"`
	Currency string `bson:"currency"`
	Country  string `bson:"country"`
	Email    string `bson:"email"`
	// PriceListID is the reseller's own price list; empty inherits the
	// nearest ancestor's.
	PriceListID string    `bson:"price_list_id"`
	CreatedAt   time.Time `bson:"created_at"`
	UpdatedAt   time.Time `bson:"updated_at"`
	Version     int64     `bson:"version"`
}
