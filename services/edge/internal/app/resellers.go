package app

import (
	"context"
	"time"
)

// Resellers is the reseller tree, as the edge holds it in memory.
type Resellers interface {
	// Subtree is id and every reseller below it, at any depth.
	Subtree(id string) []string
	// Within reports whether id is ancestor or below it.
	Within(id, ancestor string) bool
}

// ResellerProfile is a reseller's profile as the JSON:API shows it.
type ResellerProfile struct {
	ID               string
	ParentID         string
	Name             string
	Domain           string
	Currency         string
	Manager          string
	Company          Company
	Contacts         Contacts
	CustomAttributes map[string]string
	Status           string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Company is the company of a reseller's profile.
type Company struct {
	Name, AddressLine1, AddressLine2, City, State, Zip, Country, Phone, Fax, Email string
}

// Contacts is the contact person of a reseller's profile.
type Contacts struct {
	FirstName, LastName, MiddleName, Position, Phone, Email string
}

// ResellerFilter narrows a reseller list.
type ResellerFilter struct {
	ParentID string
	Status   string
}

// ResellerReader reads the directory's resellers within a scope.
type ResellerReader interface {
	List(ctx context.Context, scope Scope, f ResellerFilter, page PageRequest) ([]ResellerProfile, int64, error)
	// Get returns ErrNotFound unless id is within scope.
	Get(ctx context.Context, scope Scope, id string) (ResellerProfile, error)
}

// ListResellersHandler lists the resellers the caller may see.
type ListResellersHandler struct {
	resellers ResellerReader
	tree      Resellers
}

// Handle returns one page of the caller's reseller and its subtree.
func (h ListResellersHandler) Handle(ctx context.Context, caller Caller, f ResellerFilter, page PageRequest) ([]ResellerProfile, int64, error) {
	scope := Scope{resellers: h.tree.Subtree(caller.ResellerID)}
	if caller.OwnResellerOnly {
		scope = ownScope(caller)
	}
	return h.resellers.List(ctx, scope, f, page)
}

// GetResellerHandler reads a reseller the caller may see.
type GetResellerHandler struct {
	resellers ResellerReader
	tree      Resellers
}

// Handle returns reseller id if it is the caller's or below it; its
// parent, siblings and any other reseller are ErrNotFound.
func (h GetResellerHandler) Handle(ctx context.Context, caller Caller, id string) (ResellerProfile, error) {
	if !h.tree.Within(id, caller.ResellerID) || caller.OwnResellerOnly && id != caller.ResellerID {
		return ResellerProfile{}, ErrNotFound
	}
	return h.resellers.Get(ctx, Scope{resellers: []string{id}}, id)
}
