package app

import (
	"context"
	"errors"
	"time"

	"github.com/resellerapi/platform/pkg/pagetoken"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
)

// Invoice statuses as the API shows them. Overdue is derived when read.
const (
	InvoiceIssued        = invoicing.InvoiceIssued
	InvoicePartiallyPaid = invoicing.InvoicePartiallyPaid
	InvoicePaid          = invoicing.InvoicePaid
	InvoiceVoid          = invoicing.InvoiceVoid
	InvoiceOverdue       = invoicing.InvoiceOverdue
)

// Invoice is an invoice the distributor issued to the caller: its
// read-model document with what the edge adds when reading it. A list's
// documents have no lines and payments.
type Invoice struct {
	invoicing.Invoice
	// Status is the stored status as of today: overdue for an issued or
	// partially paid invoice whose due date has passed. It shadows the
	// stored Invoice.Status.
	Status string
	// AccountNames are the names of the invoice's end customers by id; an
	// account the directory does not know has none.
	AccountNames map[string]string
}

// asOf returns d as the API shows it on day today (YYYY-MM-DD, UTC).
func asOf(d invoicing.Invoice, today string) Invoice {
	return Invoice{Invoice: d, Status: d.StatusOn(today)}
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
	List(ctx context.Context, scope Scope, today string, f InvoiceFilter, page PageRequest) ([]invoicing.Invoice, int64, error)
	// ListAfter returns up to limit invoices that follow after in f's sort
	// (the first ones when after is nil): one find, no count.
	ListAfter(ctx context.Context, scope Scope, today string, f InvoiceFilter, after *pagetoken.Position, limit int) ([]invoicing.Invoice, error)
	// Get returns ErrNotFound unless invoice id is within scope.
	Get(ctx context.Context, scope Scope, id string) (invoicing.Invoice, error)
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
	day := today(h.now)
	docs, total, err := h.invoices.List(ctx, scope, day, f, page)
	if err != nil {
		return nil, 0, err
	}
	invoices, err := h.named(ctx, scope, day, docs)
	return invoices, total, err
}

// After returns up to limit of the caller's invoices matching f that
// follow after in f's sort (cursor paging), each with its end customers'
// names: one find for the page, one for the names.
func (h ListInvoicesHandler) After(ctx context.Context, caller Caller, f InvoiceFilter, after *pagetoken.Position, limit int) ([]Invoice, error) {
	scope := ownScope(caller)
	day := today(h.now)
	docs, err := h.invoices.ListAfter(ctx, scope, day, f, after, limit)
	if err != nil {
		return nil, err
	}
	return h.named(ctx, scope, day, docs)
}

// named is docs as of day, with their end customers' names.
func (h ListInvoicesHandler) named(ctx context.Context, scope Scope, day string, docs []invoicing.Invoice) ([]Invoice, error) {
	invoices := make([]Invoice, len(docs))
	for i, d := range docs {
		invoices[i] = asOf(d, day)
	}
	return invoices, name(ctx, h.accounts, scope, invoices)
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
	d, err := h.invoices.Get(ctx, scope, id)
	if err != nil {
		return Invoice{}, err
	}
	invoices := []Invoice{asOf(d, today(h.now))}
	err = name(ctx, h.accounts, scope, invoices)
	return invoices[0], err
}

func today(now func() time.Time) string { return now().UTC().Format(time.DateOnly) }

// name fills in the names of the invoices' end customers with one lookup.
func name(ctx context.Context, accounts AccountNames, scope Scope, invoices []Invoice) error {
	var ids []string
	seen := map[string]bool{}
	for _, inv := range invoices {
		for _, id := range inv.AccountIDs {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
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
		invoices[i].AccountNames = names
	}
	return nil
}

// InvoiceDocument is an invoice with the profile of the reseller it was
// issued to, for printing.
type InvoiceDocument struct {
	Invoice  Invoice
	Reseller directory.Reseller
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
		profile, err = directory.Reseller{ID: caller.ResellerID}, nil
	}
	return InvoiceDocument{Invoice: inv, Reseller: profile}, err
}
