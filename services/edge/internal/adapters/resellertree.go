package adapters

import (
	"context"
	"sync"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/pkg/eventbus"
)

// ResellerTree is the reseller hierarchy, held in memory by every edge
// replica and fed by the directory's reseller events (eventbus.Follow), so
// that access checks cost no store round trip. Ten thousand resellers
// take about a megabyte.
type ResellerTree struct {
	mu       sync.RWMutex
	nodes    map[string]treeNode
	children map[string]map[string]struct{}
}

type treeNode struct {
	parent    string
	priceList string
	status    eventsv1.ResellerStatus
	edition   eventsv1.ResellerEdition
	version   int64
}

// NewResellerTree returns an empty tree.
func NewResellerTree() *ResellerTree {
	return &ResellerTree{nodes: map[string]treeNode{}, children: map[string]map[string]struct{}{}}
}

// Apply records a reseller's parent and price list as of the event's
// version; an older or repeated version changes nothing (eventbus.ErrStale).
func (t *ResellerTree) Apply(_ context.Context, e *eventsv1.ResellerChanged) error {
	id, parent, version := e.GetReseller().GetResellerId(), e.GetReseller().GetParentId(), e.GetMeta().GetVersion()
	priceList := e.GetReseller().GetPriceListId()
	t.mu.Lock()
	defer t.mu.Unlock()
	old, seen := t.nodes[id]
	if seen && old.version >= version {
		return eventbus.ErrStale
	}
	if seen && old.parent != parent {
		delete(t.children[old.parent], id)
	}
	t.nodes[id] = treeNode{parent: parent, priceList: priceList, version: version,
		status: e.GetReseller().GetStatus(), edition: e.GetReseller().GetEdition()}
	if parent != "" {
		if t.children[parent] == nil {
			t.children[parent] = map[string]struct{}{}
		}
		t.children[parent][id] = struct{}{}
	}
	return nil
}

// Known reports whether the reseller id exists.
func (t *ResellerTree) Known(id string) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	_, ok := t.nodes[id]
	return ok
}

// Refusal says why the credentials of reseller id may not call the API,
// or "" when they may: the reseller must be known, active (an absent
// status means active) and on the Standard edition (absent means
// standard).
func (t *ResellerTree) Refusal(id string) string {
	t.mu.RLock()
	n, ok := t.nodes[id]
	t.mu.RUnlock()
	switch {
	case !ok:
		return "The reseller these credentials belong to is not known to the platform."
	case n.status == eventsv1.ResellerStatus_RESELLER_STATUS_SUSPENDED:
		return "The reseller these credentials belong to is suspended."
	case n.status == eventsv1.ResellerStatus_RESELLER_STATUS_CLOSED:
		return "The reseller these credentials belong to is closed."
	case n.edition == eventsv1.ResellerEdition_RESELLER_EDITION_FREE:
		return "The reseller these credentials belong to is on the Free edition; the Reseller API is part of the Standard edition."
	}
	return ""
}

// PriceList returns the price list reseller id buys at: its own, or its
// nearest ancestor's, at any depth; "" when none up the tree has one.
func (t *ResellerTree) PriceList(id string) string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for range len(t.nodes) + 1 { // a parent cycle in bad data ends here
		n, ok := t.nodes[id]
		if !ok {
			return ""
		}
		if n.priceList != "" {
			return n.priceList
		}
		id = n.parent
	}
	return ""
}

// Within reports whether id is ancestor itself or one of its downstream
// resellers, at any depth.
func (t *ResellerTree) Within(id, ancestor string) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for range len(t.nodes) + 1 { // a parent cycle in bad data ends here
		n, ok := t.nodes[id]
		if !ok {
			return false
		}
		if id == ancestor {
			return true
		}
		id = n.parent
	}
	return false
}

// Subtree returns id and all its downstream resellers, at any depth.
func (t *ResellerTree) Subtree(id string) []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if _, ok := t.nodes[id]; !ok {
		return nil
	}
	out := []string{id}
	seen := map[string]bool{id: true}
	for i := 0; i < len(out); i++ {
		for child := range t.children[out[i]] {
			if !seen[child] {
				seen[child] = true
				out = append(out, child)
			}
		}
	}
	return out
}
