// Package invoicing defines the invoicing service's read-model
// documents (invoices, payments): written by the invoicing service, read
// by the edge.
package invoicing

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/resellerapi/platform/pkg/readmodel"
)

// Invoicing read models, written by the invoicing service.
const (
	// InvoicingDatabase is the default database of the invoicing service.
	InvoicingDatabase = "invoicing"
	// InvoicesCollection holds Invoice documents.
	InvoicesCollection = "invoices"
	// PaymentsCollection holds Payment documents: every payment, also
	// those whose invoice has not arrived yet.
	PaymentsCollection = "payments"
)

// Invoice statuses as stored. "overdue" is not stored: it is derived when
// read (issued or partially paid, an amount due, due date passed).
const (
	InvoiceIssued        = "issued"
	InvoicePartiallyPaid = "partially_paid"
	InvoicePaid          = "paid"
	InvoiceVoid          = "void"
	// InvoiceOverdue is derived, never stored (StatusOn).
	InvoiceOverdue = "overdue"
)

// StatusOn is the invoice's status as the API shows it on day today
// (YYYY-MM-DD, UTC): overdue for an issued or partially paid invoice whose
// due date has passed.
func (inv Invoice) StatusOn(today string) string {
	if (inv.Status == InvoiceIssued || inv.Status == InvoicePartiallyPaid) && inv.DueDate < today {
		return InvoiceOverdue
	}
	return inv.Status
}

// InvoiceSortFields are the fields invoice lists may be sorted by.
func InvoiceSortFields() []string {
	return []string{"issue_date", "due_date", "number", "total_minor", "updated_at"}
}

// InvoiceIndexes are the key patterns of the invoices collection's
// indexes: for every sort field {reseller_id, field, _id} and
// {reseller_id, status, field, _id}; {reseller_id, account_ids,
// issue_date, _id} for one end customer's invoices. Date ranges and
// updatedSince are checked while walking them.
func InvoiceIndexes() []bson.D {
	return append(readmodel.SortIndexes(InvoiceSortFields()),
		bson.D{{Key: "reseller_id", Value: 1}, {Key: "account_ids", Value: 1}, {Key: "issue_date", Value: 1}, {Key: "_id", Value: 1}})
}

// Invoice is an invoice the distributor issued to a reseller: the
// back-office's state as of Version, and what its payments add (amount
// paid, amount due, status, the payments themselves). Amounts are integers
// of the currency's minor unit.
type Invoice struct {
	ID         string `bson:"_id"`
	ResellerID string `bson:"reseller_id"`
	Number     string `bson:"number"`
	Currency   string `bson:"currency"`
	// IssueDate and DueDate are YYYY-MM-DD: they sort as dates.
	IssueDate     string        `bson:"issue_date"`
	DueDate       string        `bson:"due_date"`
	Lines         []InvoiceLine `bson:"lines"`
	SubtotalMinor int64         `bson:"subtotal_minor"`
	TaxMinor      int64         `bson:"tax_minor"`
	TotalMinor    int64         `bson:"total_minor"`
	// AccountIDs are the distinct end customers of the lines.
	AccountIDs []string `bson:"account_ids"`
	// Status is issued, partially_paid, paid or void.
	Status          string           `bson:"status"`
	VoidReason      string           `bson:"void_reason,omitempty"`
	AmountPaidMinor int64            `bson:"amount_paid_minor"`
	AmountDueMinor  int64            `bson:"amount_due_minor"`
	Payments        []InvoicePayment `bson:"payments"`
	CreatedAt       time.Time        `bson:"created_at"`
	// UpdatedAt is the latest of the invoice's and its payments' changes;
	// InvoiceUpdatedAt the invoice's own.
	UpdatedAt        time.Time `bson:"updated_at"`
	InvoiceUpdatedAt time.Time `bson:"invoice_updated_at"`
	Version          int64     `bson:"version"`
	// Rev changes with every write: the invoicing service's writes are
	// compare-and-set on it.
	Rev string `bson:"rev"`
}

// InvoiceLine is one line of an invoice.
type InvoiceLine struct {
	LineID             string `bson:"line_id"`
	Description        string `bson:"description"`
	ProductID          string `bson:"product_id,omitempty"`
	SKU                string `bson:"sku,omitempty"`
	AccountID          string `bson:"account_id,omitempty"`
	Quantity           int64  `bson:"quantity"`
	UnitPriceMinor     int64  `bson:"unit_price_minor"`
	TaxRatePercent     string `bson:"tax_rate_percent"`
	ServicePeriodStart string `bson:"service_period_start,omitempty"`
	ServicePeriodEnd   string `bson:"service_period_end,omitempty"`
	AmountMinor        int64  `bson:"amount_minor"`
}

// InvoicePayment is a payment counted on an invoice (in the invoice's
// currency), as of Version.
type InvoicePayment struct {
	PaymentID   string    `bson:"payment_id"`
	AmountMinor int64     `bson:"amount_minor"`
	PaidAt      time.Time `bson:"paid_at"`
	Method      string    `bson:"method,omitempty"`
	UpdatedAt   time.Time `bson:"updated_at"`
	Version     int64     `bson:"version"`
}

// Payment is a payment of an invoice as of Version, stored whether or not
// its invoice has arrived.
type Payment struct {
	ID          string    `bson:"_id"`
	InvoiceID   string    `bson:"invoice_id"`
	AmountMinor int64     `bson:"amount_minor"`
	Currency    string    `bson:"currency"`
	PaidAt      time.Time `bson:"paid_at"`
	Method      string    `bson:"method,omitempty"`
	UpdatedAt   time.Time `bson:"updated_at"`
	Version     int64     `bson:"version"`
}
