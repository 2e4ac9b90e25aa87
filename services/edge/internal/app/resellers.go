package app

import (
	"context"

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
func (h GetResellerHandler) Handle(ctx context.Context, caller Caller, id string) (directory.Reseller, error) {
	if !h.tree.Within(id, caller.ResellerID) || caller.OwnResellerOnly && id != caller.ResellerID {
		return directory.Reseller{}, ErrNotFound
	}
	return h.resellers.Get(ctx, Scope{resellers: []string{id}}, id)
}
