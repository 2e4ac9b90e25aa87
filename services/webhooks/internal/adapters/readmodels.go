package adapters

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
)

// ReadModels reads, and never writes, the documents other services own
// that a payload needs beyond its event: an invoice's settlement and its
// end customers' names.
type ReadModels struct {
	invoices, payments, accounts, resellers *mongo.Collection
}

// NewReadModels reads the invoicing and directory databases.
func NewReadModels(invoicingDB, directoryDB *mongo.Database) *ReadModels {
	return &ReadModels{
		invoices:  invoicingDB.Collection(invoicing.InvoicesCollection),
		payments:  invoicingDB.Collection(invoicing.PaymentsCollection),
		accounts:  directoryDB.Collection(directory.AccountsCollection),
		resellers: directoryDB.Collection(directory.ResellersCollection),
	}
}

// Invoice returns the invoice id as the invoicing service stored it; ok
// is false when it has not stored it (yet).
func (r *ReadModels) Invoice(ctx context.Context, id string) (inv invoicing.Invoice, ok bool, err error) {
	inv, err = mongodb.FindOne[invoicing.Invoice](ctx, r.invoices, bson.D{{Key: "_id", Value: id}})
	if errors.Is(err, mongodb.ErrNotFound) {
		return inv, false, nil
	}
	return inv, err == nil, err
}

// PaymentVersion is the version of payment id the invoicing service
// stored, 0 when none.
func (r *ReadModels) PaymentVersion(ctx context.Context, id string) (int64, error) {
	p, err := mongodb.FindOne[invoicing.Payment](ctx, r.payments, bson.D{{Key: "_id", Value: id}})
	if errors.Is(err, mongodb.ErrNotFound) {
		return 0, nil
	}
	return p.Version, err
}

// AccountNames are the names of the accounts ids by id (one find).
func (r *ReadModels) AccountNames(ctx context.Context, ids []string) (map[string]string, error) {
	names := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return names, nil
	}
	docs, err := mongodb.FindAll[directory.Account](ctx, r.accounts, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetProjection(bson.D{{Key: "name", Value: 1}}))
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		names[d.ID] = d.Name
	}
	return names, nil
}

// Refusal is why reseller id's credentials may not manage webhooks (it is
// unknown, suspended, closed or on the Free edition), "" when they may:
// the same rule as the edge's, read from the directory (one find).
func (r *ReadModels) Refusal(ctx context.Context, id string) (string, error) {
	res, err := mongodb.FindOne[directory.Reseller](ctx, r.resellers, bson.D{{Key: "_id", Value: id}})
	switch {
	case errors.Is(err, mongodb.ErrNotFound):
		return "The reseller these credentials belong to is not known to the platform.", nil
	case err != nil:
		return "", err
	case res.Status == "suspended":
		return "The reseller these credentials belong to is suspended.", nil
	case res.Status == "closed":
		return "The reseller these credentials belong to is closed.", nil
	case res.Edition == "free":
		return "The reseller these credentials belong to is on the Free edition; the Reseller API is part of the Standard edition.", nil
	}
	return "", nil
}
