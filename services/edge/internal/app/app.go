// Package app holds the edge's use cases: reading the read models other
// services project, always scoped to the caller's reseller.
package app

import (
	"context"
	"errors"
	"time"

	"github.com/resellerapi/platform/pkg/paging"
)

// ErrNotFound is returned for an object that does not exist or that the
// caller may not see: the two are indistinguishable on purpose.
var ErrNotFound = errors.New("not found")

// Caller is who makes a request, from a verified access token.
type Caller struct {
	ResellerID string
	Subject    string
}

// Account is an end customer as the API shows it.
type Account struct {
	ID         string
	ResellerID string
	Name       string
	Email      string
	Phone      string
	Country    string
	Status     string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// AccountSort is a sort order of account lists.
type AccountSort struct {
	Field string // "name", "createdAt" or "updatedAt"
	Desc  bool
}

// AccountFilter narrows an account list. ResellerID is always set by the
// use case from the caller, never from request input.
type AccountFilter struct {
	ResellerID   string
	Search       string
	Status       string
	UpdatedSince time.Time
	Sort         AccountSort
}

// AccountReader reads the accounts read model.
type AccountReader interface {
	List(ctx context.Context, f AccountFilter, page paging.Request) ([]Account, int64, error)
	// Get returns ErrNotFound unless the account id belongs to resellerID.
	Get(ctx context.Context, resellerID, id string) (Account, error)
}

// Application is the edge's set of use cases.
type Application struct {
	Queries Queries
}

// Queries read the read models.
type Queries struct {
	ListAccounts ListAccountsHandler
	GetAccount   GetAccountHandler
}

// New wires the use cases.
func New(accounts AccountReader) Application {
	return Application{Queries: Queries{
		ListAccounts: ListAccountsHandler{accounts: accounts},
		GetAccount:   GetAccountHandler{accounts: accounts},
	}}
}

// ListAccountsHandler lists the caller's accounts.
type ListAccountsHandler struct{ accounts AccountReader }

// Handle returns one page of the caller's accounts matching f.
func (h ListAccountsHandler) Handle(ctx context.Context, caller Caller, f AccountFilter, page paging.Request) ([]Account, int64, error) {
	f.ResellerID = caller.ResellerID
	return h.accounts.List(ctx, f, page)
}

// GetAccountHandler reads one of the caller's accounts.
type GetAccountHandler struct{ accounts AccountReader }

// Handle returns the account id if it belongs to the caller's reseller.
func (h GetAccountHandler) Handle(ctx context.Context, caller Caller, id string) (Account, error) {
	return h.accounts.Get(ctx, caller.ResellerID, id)
}
