package app

import (
	"context"

	"github.com/resellerapi/platform/pkg/pagetoken"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
)

// Resellers is the reseller tree, as the edge holds it in memory.
type Resellers interface {
	// Subtree is id and every reseller below it, at any depth.
	Subtree(id string) []string
	// Within reports whether id is ancestor or below it.
	Within(id, ancestor string) bool
}

// ResellerFilter narrows a reseller list.
type ResellerFilter struct {
	ParentID string
	Status   string
}

// ResellerReader reads the directory's resellers within a scope.
type ResellerReader interface {
	List(ctx context.Context, scope Scope, f ResellerFilter, page PageRequest) ([]directory.Reseller, int64, error)
	// ListAfter returns up to limit resellers in scope matching f that
	// follow after by name and id (all from the start when after is nil).
	ListAfter(ctx context.Context, scope Scope, f ResellerFilter, after *pagetoken.Position, limit int) ([]directory.Reseller, error)
	// Get returns ErrNotFound unless id is within scope.
	Get(ctx context.Context, scope Scope, id string) (directory.Reseller, error)
}

// ListResellersHandler lists the resellers the caller may see.
type ListResellersHandler struct {
	resellers ResellerReader
	tree      Resellers
}

// Handle returns one page of the caller's reseller and its subtree.
func (h ListResellersHandler) Handle(ctx context.Context, caller Caller, f ResellerFilter, page PageRequest) ([]directory.Reseller, int64, error) {
	return h.resellers.List(ctx, h.scope(caller), f, page)
}

// After returns up to limit of the resellers the caller may see that
// follow after by name and id (cursor paging).
func (h ListResellersHandler) After(ctx context.Context, caller Caller, f ResellerFilter, after *pagetoken.Position, limit int) ([]directory.Reseller, error) {
	return h.resellers.ListAfter(ctx, h.scope(caller), f, after, limit)
}

// scope is the caller's reseller and its subtree, or its own reseller
// only when its role allows no more.
func (h ListResellersHandler) scope(caller Caller) Scope {
	if caller.OwnResellerOnly {
		return ownScope(caller)
	}
	return Scope{resellers: h.tree.Subtree(caller.ResellerID)}
}

// GetResellerHandler reads a reseller the caller may see.
type GetResellerHandler struct {
	resellers ResellerReader
	tree      Resellers
}

// Handle returns reseller id if it is the caller's or below it; its
// parent, siblings and any other reseller are ErrNotFound.
func (h GetResellerHandler) Handle(ctx context.Context, caller Caller, id string) (directory.Reseller, error) {
	if !h.tree.Within(id, caller.ResellerID) || caller.OwnResellerOnly && id != caller.ResellerID {
		return directory.Reseller{}, ErrNotFound
	}
	return h.resellers.Get(ctx, Scope{resellers: []string{id}}, id)
}
