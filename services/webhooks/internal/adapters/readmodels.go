package adapters

import (
	"context"
	"errors"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
)

// ReadModels reads, and never writes, the documents other services own
// that a payload needs beyond its event: an invoice's settlement and its
// end customers' names, a product as a price list offers it, and which
// resellers buy at a price list.
type ReadModels struct {
	invoices, payments, accounts, resellers *mongo.Collection
	products, priceLists, offers            *mongo.Collection
}

// NewReadModels reads the invoicing, directory and catalog databases.
func NewReadModels(invoicingDB, directoryDB, catalogDB *mongo.Database) *ReadModels {
	return &ReadModels{
		invoices:   invoicingDB.Collection(invoicing.InvoicesCollection),
		payments:   invoicingDB.Collection(invoicing.PaymentsCollection),
		accounts:   directoryDB.Collection(directory.AccountsCollection),
		resellers:  directoryDB.Collection(directory.ResellersCollection),
		products:   catalogDB.Collection(catalog.ProductsCollection),
		priceLists: catalogDB.Collection(catalog.PriceListsCollection),
		offers:     catalogDB.Collection(catalog.OffersCollection),
	}
}

// ProductVersions are the versions of the products the catalog stored,
// by id (one find; a product it has not stored is absent).
func (r *ReadModels) ProductVersions(ctx context.Context, ids []string) (map[string]int64, error) {
	docs, err := mongodb.FindAll[catalog.Product](ctx, r.products, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetProjection(bson.D{{Key: "version", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(docs))
	for _, d := range docs {
		out[d.ID] = d.Version
	}
	return out, nil
}

// PriceListVersion is the version of price list id the catalog stored, 0
// when none.
func (r *ReadModels) PriceListVersion(ctx context.Context, id string) (int64, error) {
	l, err := mongodb.FindOne[catalog.PriceList](ctx, r.priceLists, bson.D{{Key: "_id", Value: id}})
	if errors.Is(err, mongodb.ErrNotFound) {
		return 0, nil
	}
	return l.Version, err
}

// OffersOfList returns price list id's offers of the products (one find).
func (r *ReadModels) OffersOfList(ctx context.Context, id string, products []string) ([]catalog.Offer, error) {
	return mongodb.FindAll[catalog.Offer](ctx, r.offers, bson.D{{Key: "price_list_id", Value: id},
		{Key: "product_id", Value: bson.D{{Key: "$in", Value: products}}}})
}

// OffersOfProduct returns product id's offers, one per price list that
// prices it (one find).
func (r *ReadModels) OffersOfProduct(ctx context.Context, id string) ([]catalog.Offer, error) {
	return mongodb.FindAll[catalog.Offer](ctx, r.offers, bson.D{{Key: "product_id", Value: id}})
}

// BuyingAt returns, for each of the price lists, the resellers that buy
// at it: those whose own list it is, and those without one of their own
// whose nearest ancestor with a list has it (the edge's rule). It reads
// every reseller's parent and list (one find): price lists change seldom.
func (r *ReadModels) BuyingAt(ctx context.Context, lists []string) (map[string][]string, error) {
	docs, err := mongodb.FindAll[directory.Reseller](ctx, r.resellers, bson.D{},
		options.Find().SetProjection(bson.D{{Key: "parent_id", Value: 1}, {Key: "price_list_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	byID := make(map[string]directory.Reseller, len(docs))
	for _, d := range docs {
		byID[d.ID] = d
	}
	out := map[string][]string{}
	for _, d := range docs {
		if list := effectiveList(byID, d); slices.Contains(lists, list) {
			out[list] = append(out[list], d.ID)
		}
	}
	return out, nil
}

// effectiveList is the list reseller d buys at: its own, or its nearest
// ancestor's, "" when none up the tree has one.
func effectiveList(byID map[string]directory.Reseller, d directory.Reseller) string {
	for range len(byID) + 1 { // a parent cycle in bad data ends here
		if d.PriceListID != "" {
			return d.PriceListID
		}
		parent, ok := byID[d.ParentID]
		if !ok {
			return ""
		}
		d = parent
	}
	return ""
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
