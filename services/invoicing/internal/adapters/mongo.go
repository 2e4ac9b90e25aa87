// Package adapters implements the invoicing repository on MongoDB, writing
// the documents of pkg/readmodel that the edge reads. Everything here is
// batched: one round trip reads or writes many invoices or payments.
package adapters

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
	"github.com/resellerapi/platform/services/invoicing/internal/app"
	"github.com/resellerapi/platform/services/invoicing/internal/domain"
)

// Repository stores invoices and payments.
type Repository struct {
	invoices, payments *mongo.Collection
}

var _ app.Repository = (*Repository)(nil)

// NewRepository returns a repository over db.
func NewRepository(db *mongo.Database) *Repository {
	return &Repository{
		invoices: db.Collection(invoicing.InvoicesCollection),
		payments: db.Collection(invoicing.PaymentsCollection),
	}
}

// EnsureIndexes creates the index the projection's payment reads use and
// those the edge's invoice queries use (invoicing.InvoiceIndexes).
func (r *Repository) EnsureIndexes(ctx context.Context) error {
	var models []mongo.IndexModel
	for _, keys := range invoicing.InvoiceIndexes() {
		models = append(models, mongo.IndexModel{Keys: keys})
	}
	return errors.Join(
		mongodb.EnsureIndexes(ctx, r.invoices, models...),
		mongodb.EnsureIndexes(ctx, r.payments, mongo.IndexModel{Keys: bson.D{{Key: "invoice_id", Value: 1}}}),
	)
}

func in(ids []string) bson.D { return bson.D{{Key: "$in", Value: ids}} }

// Invoices returns the stored invoices among ids: one find.
func (r *Repository) Invoices(ctx context.Context, ids []string) (map[string]app.Stored, error) {
	out := make(map[string]app.Stored, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	docs, err := mongodb.FindAll[invoicing.Invoice](ctx, r.invoices, bson.D{{Key: "_id", Value: in(ids)}})
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		out[d.ID] = stored(d)
	}
	return out, nil
}

// SavePayments writes each payment with one guarded upsert
// ({_id, invoice_id, version < v}) in one ordered bulk write. A duplicate
// key answer means the same or a newer version, or the payment under
// another invoice, was stored meanwhile: not written. Ordered because
// FerretDB stops an unordered bulk at its first error too, without saying
// so: what follows an error is sent again.
func (r *Repository) SavePayments(ctx context.Context, ps []domain.Payment) ([]bool, error) {
	written := make([]bool, len(ps))
	for start := 0; start < len(ps); {
		models := make([]mongo.WriteModel, 0, len(ps)-start)
		for _, p := range ps[start:] {
			models = append(models, mongo.NewReplaceOneModel().SetUpsert(true).
				SetFilter(bson.D{{Key: "_id", Value: p.ID}, {Key: "invoice_id", Value: p.InvoiceID},
					{Key: "version", Value: bson.D{{Key: "$lt", Value: p.Version}}}}).
				SetReplacement(invoicing.Payment{ID: p.ID, InvoiceID: p.InvoiceID, AmountMinor: p.Amount, Currency: p.Currency,
					PaidAt: p.PaidAt, Method: p.Method, UpdatedAt: p.UpdatedAt, Version: p.Version}))
		}
		_, err := r.payments.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(true))
		if err == nil {
			for i := start; i < len(ps); i++ {
				written[i] = true
			}
			break
		}
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) != 1 ||
			!mongo.IsDuplicateKeyError(bwe.WriteErrors[0].WriteError) || bwe.WriteErrors[0].Index >= len(models) {
			return nil, fmt.Errorf("save payments: %w", err)
		}
		failed := start + bwe.WriteErrors[0].Index
		for i := start; i < failed; i++ {
			written[i] = true
		}
		start = failed + 1
	}
	return written, nil
}

// Payments returns the stored payments among ids: one find.
func (r *Repository) Payments(ctx context.Context, ids []string) (map[string]domain.Payment, error) {
	docs, err := mongodb.FindAll[invoicing.Payment](ctx, r.payments, bson.D{{Key: "_id", Value: in(ids)}})
	if err != nil {
		return nil, err
	}
	out := make(map[string]domain.Payment, len(docs))
	for _, d := range docs {
		out[d.ID] = payment(d)
	}
	return out, nil
}

// PaymentsOf returns the stored payments of the invoices ids: one find.
func (r *Repository) PaymentsOf(ctx context.Context, invoiceIDs []string) (map[string][]domain.Payment, error) {
	docs, err := mongodb.FindAll[invoicing.Payment](ctx, r.payments, bson.D{{Key: "invoice_id", Value: in(invoiceIDs)}})
	if err != nil {
		return nil, err
	}
	out := make(map[string][]domain.Payment)
	for _, d := range docs {
		out[d.InvoiceID] = append(out[d.InvoiceID], payment(d))
	}
	return out, nil
}

// SaveInvoices writes every invoice in one unordered bulk write: an insert
// for a new one, a replace filtered on {_id, rev} for a stored one, each
// with a new rev. When fewer than all were written, the conflicts are the
// inserts' duplicate-key errors if there were only inserts; else one find
// of the revs tells which: those not carrying the rev written here.
func (r *Repository) SaveInvoices(ctx context.Context, ws []app.Write) ([]string, error) {
	if len(ws) == 0 {
		return nil, nil
	}
	models := make([]mongo.WriteModel, len(ws))
	revs := make(map[string]string, len(ws))
	ids := make([]string, len(ws))
	for i, w := range ws {
		d := document(w.Invoice, w.Settlement)
		d.Rev = rand.Text()
		revs[d.ID], ids[i] = d.Rev, d.ID
		if w.Rev == "" {
			models[i] = mongo.NewInsertOneModel().SetDocument(d)
			continue
		}
		models[i] = mongo.NewReplaceOneModel().
			SetFilter(bson.D{{Key: "_id", Value: d.ID}, {Key: "rev", Value: w.Rev}}).SetReplacement(d)
	}
	res, err := r.invoices.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError == nil &&
		!slices.ContainsFunc(bwe.WriteErrors, func(e mongo.BulkWriteError) bool { return !mongo.IsDuplicateKeyError(e.WriteError) }) {
		err = nil // inserts of invoices another writer inserted first
	} else if err != nil {
		return nil, fmt.Errorf("save invoices: %w", err)
	}
	if res != nil && res.InsertedCount+res.MatchedCount == int64(len(ws)) {
		return nil, nil
	}
	if !slices.ContainsFunc(ws, func(w app.Write) bool { return w.Rev != "" }) {
		// Only inserts: the duplicate-key errors name the conflicts, and no
		// find is needed (on the embedded store, a scan of the collection:
		// a batch of redelivered invoices would pay it).
		conflicts := make([]string, 0, len(bwe.WriteErrors))
		for _, e := range bwe.WriteErrors {
			if e.Index < 0 || e.Index >= len(ids) {
				return nil, fmt.Errorf("save invoices: write error for model %d of %d", e.Index, len(ids))
			}
			conflicts = append(conflicts, ids[e.Index])
		}
		return conflicts, nil
	}
	type revision struct {
		ID  string `bson:"_id"`
		Rev string `bson:"rev"`
	}
	docs, err := mongodb.FindAll[revision](ctx, r.invoices, bson.D{{Key: "_id", Value: in(ids)}},
		options.Find().SetProjection(bson.D{{Key: "rev", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var conflicts []string
	for _, id := range ids {
		if !slices.Contains(docs, revision{ID: id, Rev: revs[id]}) {
			conflicts = append(conflicts, id)
		}
	}
	return conflicts, nil
}

// document is the stored form of an invoice and its settlement.
func document(inv domain.Invoice, s domain.Settlement) invoicing.Invoice {
	d := invoicing.Invoice{
		ID: inv.ID, ResellerID: inv.ResellerID, Number: inv.Number, Currency: inv.Currency,
		IssueDate: inv.IssueDate, DueDate: inv.DueDate, Lines: make([]invoicing.InvoiceLine, len(inv.Lines)),
		SubtotalMinor: inv.Subtotal, TaxMinor: inv.Tax, TotalMinor: inv.Total, AccountIDs: inv.AccountIDs(),
		Status: s.Status, VoidReason: inv.VoidReason, AmountPaidMinor: s.Paid, AmountDueMinor: s.Due,
		Payments:  make([]invoicing.InvoicePayment, len(s.Counted)),
		CreatedAt: inv.CreatedAt, UpdatedAt: s.UpdatedAt, InvoiceUpdatedAt: inv.UpdatedAt, Version: inv.Version,
	}
	if d.AccountIDs == nil {
		d.AccountIDs = []string{}
	}
	for i, l := range inv.Lines {
		d.Lines[i] = invoicing.InvoiceLine{LineID: l.ID, Description: l.Description, ProductID: l.ProductID, SKU: l.SKU,
			AccountID: l.AccountID, Quantity: l.Quantity, UnitPriceMinor: l.UnitPrice, TaxRatePercent: l.TaxRatePercent,
			ServicePeriodStart: l.ServicePeriodStart, ServicePeriodEnd: l.ServicePeriodEnd, AmountMinor: l.Amount}
	}
	for i, p := range s.Counted {
		d.Payments[i] = invoicing.InvoicePayment{PaymentID: p.ID, AmountMinor: p.Amount, PaidAt: p.PaidAt, Method: p.Method,
			UpdatedAt: p.UpdatedAt, Version: p.Version}
	}
	return d
}

// stored maps a stored invoice back; document(stored(d)) == d.
func stored(d invoicing.Invoice) app.Stored {
	inv := domain.Invoice{
		ID: d.ID, ResellerID: d.ResellerID, Number: d.Number, Currency: d.Currency, IssueDate: d.IssueDate,
		DueDate: d.DueDate, Lines: make([]domain.Line, len(d.Lines)), Subtotal: d.SubtotalMinor, Tax: d.TaxMinor,
		Total: d.TotalMinor, Void: d.Status == domain.StatusVoid, VoidReason: d.VoidReason,
		CreatedAt: d.CreatedAt, UpdatedAt: d.InvoiceUpdatedAt, Version: d.Version,
	}
	for i, l := range d.Lines {
		inv.Lines[i] = domain.Line{ID: l.LineID, Description: l.Description, ProductID: l.ProductID, SKU: l.SKU,
			AccountID: l.AccountID, Quantity: l.Quantity, UnitPrice: l.UnitPriceMinor, TaxRatePercent: l.TaxRatePercent,
			ServicePeriodStart: l.ServicePeriodStart, ServicePeriodEnd: l.ServicePeriodEnd, Amount: l.AmountMinor}
	}
	s := domain.Settlement{Status: d.Status, Paid: d.AmountPaidMinor, Due: d.AmountDueMinor, UpdatedAt: d.UpdatedAt}
	for _, p := range d.Payments {
		s.Counted = append(s.Counted, domain.Payment{ID: p.PaymentID, InvoiceID: d.ID, Amount: p.AmountMinor,
			Currency: d.Currency, PaidAt: p.PaidAt, Method: p.Method, UpdatedAt: p.UpdatedAt, Version: p.Version})
	}
	return app.Stored{Invoice: inv, Settlement: s, Rev: d.Rev}
}

func payment(d invoicing.Payment) domain.Payment {
	return domain.Payment{ID: d.ID, InvoiceID: d.InvoiceID, Amount: d.AmountMinor, Currency: d.Currency,
		PaidAt: d.PaidAt, Method: d.Method, UpdatedAt: d.UpdatedAt, Version: d.Version}
}
