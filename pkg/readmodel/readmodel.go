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
func AccountIndexes() []bson.D { return sortIndexes(AccountSortFields()) }

// sortIndexes are, for every sort field, {reseller_id, field, _id} and
// {reseller_id, status, field, _id}.
func sortIndexes(fields []string) []bson.D {
	var out []bson.D
	for _, f := range fields {
		out = append(out,
			bson.D{{Key: "reseller_id", Value: 1}, {Key: f, Value: 1}, {Key: "_id", Value: 1}},
			bson.D{{Key: "reseller_id", Value: 1}, {Key: "status", Value: 1}, {Key: f, Value: 1}, {Key: "_id", Value: 1}},
		)
	}
	return out
}

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
)

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
	return append(sortIndexes(InvoiceSortFields()),
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
