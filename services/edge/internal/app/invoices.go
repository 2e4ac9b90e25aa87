package app

import (
	"context"
	"errors"
	"time"
)

// Invoice statuses as the API shows them. Overdue is derived when read.
const (
	InvoiceIssued        = "issued"
	InvoicePartiallyPaid = "partially_paid"
	InvoicePaid          = "paid"
	InvoiceVoid          = "void"
	InvoiceOverdue       = "overdue"
)

// Invoice is an invoice the distributor issued to the caller. Amounts are
// integers of the currency's minor unit. A list leaves Lines and Payments
// empty.
type Invoice struct {
	ID         string
	ResellerID string
	Number     string
	Status     string
	VoidReason string
	Currency   string
	IssueDate  string // YYYY-MM-DD
	DueDate    string // YYYY-MM-DD
	Subtotal   int64
	Tax        int64
	Total      int64
	Paid       int64
	Due        int64
	Accounts   []InvoiceAccount
	Lines      []InvoiceLine
	Payments   []InvoicePayment
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// InvoiceAccount is an end customer of an invoice; Name is empty when the
// directory does not know the account.
type InvoiceAccount struct{ ID, Name string }

// InvoiceLine is one line of an invoice.
type InvoiceLine struct {
	ID, Description, ProductID, SKU, AccountID, AccountName string
	Quantity, UnitPrice, Amount                             int64
	TaxRatePercent                                          string
	ServicePeriodStart, ServicePeriodEnd                    string // YYYY-MM-DD or empty
}

// InvoicePayment is a payment counted on an invoice.
type InvoicePayment struct {
	ID     string
	Amount int64
	PaidAt time.Time
	Method string
}

// InvoiceSort is a sort order of invoice lists.
type InvoiceSort struct {
	Field string // "issueDate", "dueDate", "number", "total" or "updatedAt"
	Desc  bool
}

// InvoiceFilter narrows an invoice list. Dates are YYYY-MM-DD.
type InvoiceFilter struct {
	Status       string
	IssuedFrom   string
	IssuedTo     string
	DueBefore    string
	AccountID    string
	UpdatedSince time.Time
	Sort         InvoiceSort
}

// InvoiceReader reads the invoices read model within a scope. Status
// filters and results follow today (YYYY-MM-DD, UTC): an invoice with an
// amount due whose due date is before today is overdue.
type InvoiceReader interface {
	// List returns one page without lines and payments.
	List(ctx context.Context, scope Scope, today string, f InvoiceFilter, page PageRequest) ([]Invoice, int64, error)
	// Get returns ErrNotFound unless invoice id is within scope.
	Get(ctx context.Context, scope Scope, today, id string) (Invoice, error)
}

// AccountNames reads the names of end customers within a scope.
type AccountNames interface {
	// Names returns the names of the accounts among ids within scope, by
	// id, in one store round trip.
	Names(ctx context.Context, scope Scope, ids []string) (map[string]string, error)
}

// ListInvoicesHandler lists the invoices issued to the caller.
type ListInvoicesHandler struct {
	invoices InvoiceReader
	accounts AccountNames
	now      func() time.Time
}

// Handle returns one page of the caller's invoices matching f, each with
// its end customers' names: one find and one count for the page, one find
// for the names.
func (h ListInvoicesHandler) Handle(ctx context.Context, caller Caller, f InvoiceFilter, page PageRequest) ([]Invoice, int64, error) {
	scope := ownScope(caller)
	invoices, total, err := h.invoices.List(ctx, scope, today(h.now), f, page)
	if err != nil {
		return nil, 0, err
	}
	return invoices, total, name(ctx, h.accounts, scope, invoices)
}

// GetInvoiceHandler reads one invoice issued to the caller.
type GetInvoiceHandler struct {
	invoices InvoiceReader
	accounts AccountNames
	now      func() time.Time
}

// Handle returns invoice id with its lines, payments and end customers'
// names, or ErrNotFound: one find for the invoice, one for the names.
func (h GetInvoiceHandler) Handle(ctx context.Context, caller Caller, id string) (Invoice, error) {
	scope := ownScope(caller)
	inv, err := h.invoices.Get(ctx, scope, today(h.now), id)
	if err != nil {
		return Invoice{}, err
	}
	invoices := []Invoice{inv}
	err = name(ctx, h.accounts, scope, invoices)
	return invoices[0], err
}

func today(now func() time.Time) string { return now().UTC().Format(time.DateOnly) }

// name fills in the names of the invoices' end customers with one lookup.
func name(ctx context.Context, accounts AccountNames, scope Scope, invoices []Invoice) error {
	var ids []string
	seen := map[string]bool{}
	for _, inv := range invoices {
		for _, a := range inv.Accounts {
			if !seen[a.ID] {
				seen[a.ID] = true
				ids = append(ids, a.ID)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	names, err := accounts.Names(ctx, scope, ids)
	if err != nil {
		return err
	}
	for i := range invoices {
		for k, a := range invoices[i].Accounts {
			invoices[i].Accounts[k].Name = names[a.ID]
		}
		for k, l := range invoices[i].Lines {
			invoices[i].Lines[k].AccountName = names[l.AccountID]
		}
	}
	return nil
}

// InvoiceDocument is an invoice with the profile of the reseller it was
// issued to, for printing.
type InvoiceDocument struct {
	Invoice  Invoice
	Reseller ResellerProfile
}

// GetInvoiceDocumentHandler reads one invoice issued to the caller, with
// the caller's profile.
type GetInvoiceDocumentHandler struct {
	invoice   GetInvoiceHandler
	resellers ResellerReader
}

// Handle returns invoice id and the caller's profile (only its id when the
// directory does not know it), or ErrNotFound: one more find than
// GetInvoiceHandler.
func (h GetInvoiceDocumentHandler) Handle(ctx context.Context, caller Caller, id string) (InvoiceDocument, error) {
	inv, err := h.invoice.Handle(ctx, caller, id)
	if err != nil {
		return InvoiceDocument{}, err
	}
	profile, err := h.resellers.Get(ctx, ownScope(caller), caller.ResellerID)
	if errors.Is(err, ErrNotFound) {
		profile, err = ResellerProfile{ID: caller.ResellerID}, nil
	}
	return InvoiceDocument{Invoice: inv, Reseller: profile}, err
}
