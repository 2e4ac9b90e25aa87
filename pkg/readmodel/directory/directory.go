// Package directory defines the directory service's read-model
// documents (accounts, resellers): written by the directory service, read
// by the edge.
package directory

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/resellerapi/platform/pkg/readmodel"
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
func AccountIndexes() []bson.D { return readmodel.SortIndexes(AccountSortFields()) }

// Account is an end customer of a reseller, as of Version.
type Account struct {
	ID         string `bson:"_id"`
	ResellerID string `bson:"reseller_id"`
	Name       string `bson:"name"`
	Email      string `bson:"email"`
	Phone      string `bson:"phone"`
	Country    string `bson:"country"`
	Status     string `bson:"status"`
	// Currency is the ISO 4217 code the account is billed in.
	Currency       string           `bson:"currency"`
	BillingAddress PostalAddress    `bson:"billing_address"`
	PrimaryContact ResellerContacts `bson:"primary_contact"`
	CreatedAt      time.Time        `bson:"created_at"`
	UpdatedAt      time.Time        `bson:"updated_at"`
	Version        int64            `bson:"version"`
}

// PostalAddress is an address, e.g. an account's billing address.
type PostalAddress struct {
	AddressLine1 string `bson:"address_line_1"`
	AddressLine2 string `bson:"address_line_2"`
	City         string `bson:"city"`
	State        string `bson:"state"`
	Zip          string `bson:"zip"`
	Country      string `bson:"country"`
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
	PriceListID string `bson:"price_list_id"`
	// Manager is the distributor's account manager (general.manager).
	Manager          string            `bson:"manager"`
	Company          ResellerCompany   `bson:"company"`
	Contacts         ResellerContacts  `bson:"contacts"`
	CustomAttributes map[string]string `bson:"custom_attributes"`
	// Status is active, suspended or closed; Edition standard or free.
	Status    string    `bson:"status"`
	Edition   string    `bson:"edition"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
	Version   int64     `bson:"version"`
}

// ResellerCompany is the company of a reseller's profile.
type ResellerCompany struct {
	Name         string `bson:"name"`
	AddressLine1 string `bson:"address_line_1"`
	AddressLine2 string `bson:"address_line_2"`
	City         string `bson:"city"`
	State        string `bson:"state"`
	Zip          string `bson:"zip"`
	Country      string `bson:"country"`
	Phone        string `bson:"phone"`
	Fax          string `bson:"fax"`
	Email        string `bson:"email"`
}

// ResellerContacts is the contact person of a reseller's profile.
type ResellerContacts struct {
	FirstName  string `bson:"first_name"`
	LastName   string `bson:"last_name"`
	MiddleName string `bson:"middle_name"`
	Position   string `bson:"position"`
	Phone      string `bson:"phone"`
	Email      string `bson:"email"`
}
