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
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
	"github.com/resellerapi/platform/services/edge/internal/app"
)

// InvoiceReader reads the invoicing service's invoices collection, every
// read scoped to the caller's reseller.
type InvoiceReader struct{ invoices mongodb.Scoped }

// NewInvoiceReader returns a reader over the invoicing database.
func NewInvoiceReader(db *mongo.Database) *InvoiceReader {
	return &InvoiceReader{invoices: mongodb.NewScoped(db.Collection(invoicing.InvoicesCollection), "reseller_id")}
}

// invoiceSortFields maps the API's sort keys onto invoicing.InvoiceSortFields.
var invoiceSortFields = map[string]string{
	"issueDate": "issue_date", "dueDate": "due_date", "number": "number", "total": "total_minor", "updatedAt": "updated_at",
}

// invoiceFilter is the store condition of f on day today. Overdue is not
// stored: an issued or partially paid invoice is overdue once its due date
// is before today, and then no longer issued or partially paid.
func invoiceFilter(today string, f app.InvoiceFilter) bson.D {
	var filter bson.D
	var dueFrom, dueBefore string // due_date >= dueFrom, < dueBefore
	switch f.Status {
	case app.InvoiceOverdue:
		filter = bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: []string{invoicing.InvoiceIssued, invoicing.InvoicePartiallyPaid}}}}}
		dueBefore = today
	case app.InvoiceIssued, app.InvoicePartiallyPaid:
		filter = bson.D{{Key: "status", Value: f.Status}}
		dueFrom = today
	case app.InvoicePaid, app.InvoiceVoid:
		filter = bson.D{{Key: "status", Value: f.Status}}
	}
	if f.DueBefore != "" && (dueBefore == "" || f.DueBefore < dueBefore) {
		dueBefore = f.DueBefore
	}
	if f.AccountID != "" {
		filter = append(filter, bson.E{Key: "account_ids", Value: f.AccountID})
	}
	filter = appendRange(filter, "issue_date", "$gte", f.IssuedFrom, "$lte", f.IssuedTo)
	filter = appendRange(filter, "due_date", "$gte", dueFrom, "$lt", dueBefore)
	return listFilter(filter, "", f.UpdatedSince)
}

// appendRange adds the condition field lowOp low and highOp high; an empty
// bound is left out.
func appendRange(filter bson.D, field, lowOp, low, highOp, high string) bson.D {
	var cond bson.D
	if low != "" {
		cond = append(cond, bson.E{Key: lowOp, Value: low})
	}
	if high != "" {
		cond = append(cond, bson.E{Key: highOp, Value: high})
	}
	if len(cond) == 0 {
		return filter
	}
	return append(filter, bson.E{Key: field, Value: cond})
}

// List returns one page of invoices without their lines and payments: one
// find and one count.
func (r *InvoiceReader) List(ctx context.Context, scope app.Scope, today string, f app.InvoiceFilter, page paging.Request) ([]invoicing.Invoice, int64, error) {
	field := invoiceSortField(f)
	docs, total, err := mongodb.ScopedFindPage[invoicing.Invoice](ctx, r.invoices, scope.ResellerIDs(), mongodb.Page{
		Filter:     invoiceFilter(today, f),
		Sort:       sortBy(invoiceSortFields, field, f.Sort.Desc),
		Skip:       page.Skip(),
		Limit:      page.Limit(),
		Projection: bson.D{{Key: "lines", Value: 0}, {Key: "payments", Value: 0}},
	})
	return docs, total, err
}

// Get returns invoice id with its lines and payments if it is within
// scope; any other is app.ErrNotFound. One find.
func (r *InvoiceReader) Get(ctx context.Context, scope app.Scope, id string) (invoicing.Invoice, error) {
	d, err := mongodb.ScopedFindOne[invoicing.Invoice](ctx, r.invoices, scope.ResellerIDs(), bson.D{{Key: "_id", Value: id}})
	if errors.Is(err, mongodb.ErrNotFound) {
		return invoicing.Invoice{}, app.ErrNotFound
	}
	return d, err
}

// invoiceSortField is f's sort key, issueDate when it names none.
func invoiceSortField(f app.InvoiceFilter) string {
	if _, ok := invoiceSortFields[f.Sort.Field]; ok {
		return f.Sort.Field
	}
	return "issueDate"
}

// invoiceKinds are the stored sort keys that are not strings.
var invoiceKinds = map[string]valueKind{"total_minor": kindInt, "updated_at": kindTime}

// ListAfter returns up to limit invoices after the position after in f's
// sort, by the sort key and then _id (keyset paging over the index that
// ends with both), without lines and payments: one find, no count.
func (r *InvoiceReader) ListAfter(ctx context.Context, scope app.Scope, today string, f app.InvoiceFilter, after *pagetoken.Position, limit int) ([]invoicing.Invoice, error) {
	return findAfter[invoicing.Invoice](ctx, r.invoices, scope.ResellerIDs(), invoiceFilter(today, f),
		sortBy(invoiceSortFields, invoiceSortField(f), f.Sort.Desc), after, invoiceKinds, limit,
		options.Find().SetProjection(bson.D{{Key: "lines", Value: 0}, {Key: "payments", Value: 0}}))
}
