// Package app holds the edge's use cases: reading the read models other
// services project, always scoped to what the caller may see. Their
// results are the read-model documents themselves (pkg/readmodel/...),
// or those documents with what the edge composes or derives around them
// (an invoice's derived status and its end customers' names); the ports
// map them onto the API's generated types.
package app

import (
	"context"
	"errors"
	"time"

	"github.com/resellerapi/platform/pkg/callerauth"
	"github.com/resellerapi/platform/pkg/pagetoken"
	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
)

// PageRequest is a validated page request.
type PageRequest = paging.Request

// ErrNotFound is returned for an object that does not exist or that the
// caller may not see: the two are indistinguishable on purpose.
var ErrNotFound = errors.New("not found")

// Caller is who calls (callerauth.Caller): the reseller its credentials
// act for, their subject and their scopes.
type Caller = callerauth.Caller

// Scope is the set of resellers whose data a query may read. Only the use
// cases make one, from a caller; the zero Scope reads nothing (the
// store's scoped reads refuse it).
type Scope struct{ resellers []string }

// ResellerIDs returns the resellers of the scope.
func (s Scope) ResellerIDs() []string { return s.resellers }

// ownScope is the caller's own reseller: end customers, invoices and
// prices belong to one reseller and are not shared with its parent or its
// downstream resellers.
func ownScope(c Caller) Scope {
	if c.ResellerID == "" {
		return Scope{}
	}
	return Scope{resellers: []string{c.ResellerID}}
}

// AccountSort is a sort order of account lists.
type AccountSort struct {
	Field string // "name", "createdAt" or "updatedAt"
	Desc  bool
}

// AccountFilter narrows an account list.
type AccountFilter struct {
	// IncludeDownstream widens the list to the accounts of every reseller
	// below the caller's.
	IncludeDownstream bool
	Search            string
	Status            string
	UpdatedSince      time.Time
	Sort              AccountSort
}

// AccountReader reads the accounts read model within a scope.
type AccountReader interface {
	List(ctx context.Context, scope Scope, f AccountFilter, page paging.Request) ([]directory.Account, int64, error)
	// ListAfter returns up to limit accounts that follow after in f's sort
	// (the first ones when after is nil): one find, no count.
	ListAfter(ctx context.Context, scope Scope, f AccountFilter, after *pagetoken.Position, limit int) ([]directory.Account, error)
	// Get returns ErrNotFound unless the account id is within scope.
	Get(ctx context.Context, scope Scope, id string) (directory.Account, error)
	AccountNames
}

// Application is the edge's set of use cases.
type Application struct {
	Queries Queries
}

// Queries read the read models.
type Queries struct {
	ListAccounts ListAccountsHandler
	GetAccount   GetAccountHandler
	ListProducts ListProductsHandler
	GetProduct   GetProductHandler
	ListInvoices ListInvoicesHandler
	GetInvoice   GetInvoiceHandler
	// GetInvoiceDocument is GetInvoice with the caller's profile, for
	// printing.
	GetInvoiceDocument GetInvoiceDocumentHandler
	ListResellers      ListResellersHandler
	GetReseller        GetResellerHandler
}

// Readers are the read models the use cases read.
type Readers struct {
	Accounts  AccountReader
	Products  ProductReader
	Invoices  InvoiceReader
	Resellers ResellerReader
}

// Tree is the reseller tree the edge holds in memory.
type Tree interface {
	PriceLists
	Resellers
}

// New wires the use cases.
func New(r Readers, tree Tree) Application {
	listProducts := ListProductsHandler{products: r.Products, lists: tree, now: time.Now}
	getInvoice := GetInvoiceHandler{invoices: r.Invoices, accounts: r.Accounts, now: time.Now}
	return Application{Queries: Queries{
		ListAccounts:       ListAccountsHandler{accounts: r.Accounts, tree: tree},
		GetAccount:         GetAccountHandler{accounts: r.Accounts},
		ListProducts:       listProducts,
		GetProduct:         GetProductHandler{listProducts},
		ListInvoices:       ListInvoicesHandler{invoices: r.Invoices, accounts: r.Accounts, now: time.Now},
		GetInvoice:         getInvoice,
		GetInvoiceDocument: GetInvoiceDocumentHandler{invoice: getInvoice, resellers: r.Resellers},
		ListResellers:      ListResellersHandler{resellers: r.Resellers, tree: tree},
		GetReseller:        GetResellerHandler{resellers: r.Resellers, tree: tree},
	}}
}

// ListAccountsHandler lists the caller's accounts.
type ListAccountsHandler struct {
	accounts AccountReader
	tree     Resellers
}

// Handle returns one page of the caller's accounts matching f, and with
// f.IncludeDownstream those of its whole subtree.
func (h ListAccountsHandler) Handle(ctx context.Context, caller Caller, f AccountFilter, page paging.Request) ([]directory.Account, int64, error) {
	return h.accounts.List(ctx, h.scope(caller, f), f, page)
}

// scope is the caller's own reseller, or with f.IncludeDownstream its
// whole subtree.
func (h ListAccountsHandler) scope(caller Caller, f AccountFilter) Scope {
	if f.IncludeDownstream {
		return Scope{resellers: h.tree.Subtree(caller.ResellerID)}
	}
	return ownScope(caller)
}

// After returns up to limit of the caller's accounts matching f that
// follow after in f's sort (cursor paging).
func (h ListAccountsHandler) After(ctx context.Context, caller Caller, f AccountFilter, after *pagetoken.Position, limit int) ([]directory.Account, error) {
	return h.accounts.ListAfter(ctx, h.scope(caller, f), f, after, limit)
}

// GetAccountHandler reads one of the caller's accounts.
type GetAccountHandler struct{ accounts AccountReader }

// Handle returns the account id if it belongs to the caller's reseller.
func (h GetAccountHandler) Handle(ctx context.Context, caller Caller, id string) (directory.Account, error) {
	return h.accounts.Get(ctx, ownScope(caller), id)
}
