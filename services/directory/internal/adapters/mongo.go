// Package adapters implements the directory's repositories on MongoDB,
// writing the documents of pkg/readmodel that the edge reads.
package adapters

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/services/directory/internal/domain"
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
func (r *AccountRepository) Save(ctx context.Context, a domain.Account) (bool, error) {
	return mongodb.ReplaceIfNewer(ctx, r.coll, a.ID, a.Version, directory.Account{
		ID: a.ID, ResellerID: a.ResellerID, Name: a.Name, Email: a.Email, Phone: a.Phone,
		Country: a.Country, Status: string(a.Status), Currency: a.Currency,
		BillingAddress: directory.PostalAddress(a.BillingAddress), PrimaryContact: directory.ResellerContacts(a.PrimaryContact),
		CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
		Version: a.Version,
	})
}

// ResellerRepository stores resellers in the resellers collection.
type ResellerRepository struct{ coll *mongo.Collection }

// NewResellerRepository returns a repository over db.
func NewResellerRepository(db *mongo.Database) *ResellerRepository {
	return &ResellerRepository{coll: db.Collection(directory.ResellersCollection)}
}

// EnsureIndexes creates the index used to walk the reseller tree.
func (r *ResellerRepository) EnsureIndexes(ctx context.Context) error {
	return mongodb.EnsureIndexes(ctx, r.coll, mongo.IndexModel{Keys: bson.D{{Key: "parent_id", Value: 1}}})
}

// Save stores res unless a newer or equal version is stored.
func (r *ResellerRepository) Save(ctx context.Context, res domain.Reseller) (bool, error) {
	return mongodb.ReplaceIfNewer(ctx, r.coll, res.ID, res.Version, directory.Reseller{
		ID: res.ID, ParentID: res.ParentID, Name: res.Name, Domain: res.Domain, Currency: res.Currency,
		Country: res.Country, Email: res.Email, PriceListID: res.PriceListID,
		Manager: res.Manager, Company: directory.ResellerCompany(res.Company), Contacts: directory.ResellerContacts(res.Contacts),
		CustomAttributes: res.CustomAttributes, Status: res.Status, Edition: res.Edition,
		CreatedAt: res.CreatedAt.UTC(), UpdatedAt: res.UpdatedAt.UTC(),
		Version: res.Version,
	})
}
