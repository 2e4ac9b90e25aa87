package adapters

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/pkg/eventbus"
)

func changed(id, parent string, version int64) *eventsv1.ResellerChanged {
	return &eventsv1.ResellerChanged{
		Meta:     &eventsv1.EventMeta{AggregateId: id, Version: version},
		Reseller: &eventsv1.Reseller{ResellerId: id, ParentId: parent},
	}
}

func TestPriceListIsInheritedAtAnyDepth(t *testing.T) {
	tree := NewResellerTree()
	apply := func(id, parent, list string, version int64) {
		e := changed(id, parent, version)
		e.Reseller.PriceListId = list
		if err := tree.Apply(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	apply("top", "", "pl-eu", 1)
	apply("mid", "top", "", 1)
	apply("leaf", "mid", "", 1)
	apply("other", "", "pl-us", 1)
	for id, want := range map[string]string{"top": "pl-eu", "mid": "pl-eu", "leaf": "pl-eu", "other": "pl-us", "nobody": ""} {
		if got := tree.PriceList(id); got != want {
			t.Errorf("PriceList(%s) = %q, want %q", id, got, want)
		}
	}
	apply("mid", "top", "pl-special", 2) // a list of its own for mid and its subtree
	apply("leaf", "other", "", 2)        // leaf moves under other
	for id, want := range map[string]string{"mid": "pl-special", "leaf": "pl-us", "top": "pl-eu"} {
		if got := tree.PriceList(id); got != want {
			t.Errorf("after the changes, PriceList(%s) = %q, want %q", id, got, want)
		}
	}
}

func TestResellerTree(t *testing.T) {
	tree := NewResellerTree()
	apply := func(e *eventsv1.ResellerChanged) error { return tree.Apply(context.Background(), e) }
	for _, e := range []*eventsv1.ResellerChanged{
		changed("top", "", 1), changed("mid", "top", 1), changed("leaf", "mid", 1), changed("other", "", 1),
	} {
		if err := apply(e); err != nil {
			t.Fatal(err)
		}
	}
	if !tree.Known("leaf") || tree.Known("nobody") {
		t.Error("Known is wrong")
	}
	if !tree.Within("leaf", "top") || !tree.Within("top", "top") || tree.Within("top", "leaf") || tree.Within("other", "top") {
		t.Error("Within is wrong")
	}
	sub := tree.Subtree("top")
	slices.Sort(sub)
	if !slices.Equal(sub, []string{"leaf", "mid", "top"}) {
		t.Errorf("Subtree(top) = %v", sub)
	}
	// An older version changes nothing; a newer one moves the reseller.
	if err := apply(changed("mid", "other", 1)); !errors.Is(err, eventbus.ErrStale) {
		t.Errorf("replayed version: err = %v, want ErrStale", err)
	}
	if err := apply(changed("mid", "other", 2)); err != nil {
		t.Fatal(err)
	}
	if tree.Within("leaf", "top") || !tree.Within("leaf", "other") || len(tree.Subtree("top")) != 1 {
		t.Errorf("after the move: Subtree(top) = %v, Subtree(other) = %v", tree.Subtree("top"), tree.Subtree("other"))
	}
	// A cycle in bad data does not hang.
	_ = apply(changed("top", "leaf", 2))
	_ = apply(changed("leaf", "top", 2))
	if tree.Within("top", "nobody") {
		t.Error("cycle: Within found an unknown ancestor")
	}
}

func TestRefusal(t *testing.T) {
	tree := NewResellerTree()
	apply := func(id string, version int64, status eventsv1.ResellerStatus, edition eventsv1.ResellerEdition) {
		e := changed(id, "", version)
		e.Reseller.Status, e.Reseller.Edition = status, edition
		if err := tree.Apply(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	apply("old", 1, 0, 0) // from before status and edition existed
	apply("active", 1, eventsv1.ResellerStatus_RESELLER_STATUS_ACTIVE, eventsv1.ResellerEdition_RESELLER_EDITION_STANDARD)
	apply("suspended", 1, eventsv1.ResellerStatus_RESELLER_STATUS_SUSPENDED, 0)
	apply("closed", 1, eventsv1.ResellerStatus_RESELLER_STATUS_CLOSED, 0)
	apply("free", 1, 0, eventsv1.ResellerEdition_RESELLER_EDITION_FREE)
	for id, want := range map[string]string{"old": "", "active": "", "suspended": "suspended", "closed": "closed", "free": "Free edition", "nobody": "not known"} {
		if got := tree.Refusal(id); (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("Refusal(%s) = %q, want %q", id, got, want)
		}
	}
	apply("free", 2, 0, eventsv1.ResellerEdition_RESELLER_EDITION_STANDARD) // moved to Standard
	if got := tree.Refusal("free"); got != "" {
		t.Errorf("after the move to Standard: %q", got)
	}
}
