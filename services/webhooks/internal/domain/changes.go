package domain

import (
	"time"

	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
)

// State is an object at one version as far as webhooks care: what an
// event states of it, and what the service keeps of the newest version it
// saw, enough to name what a newer version changed.
type State struct {
	// Kind and ID name the object ("account", "acc-1").
	Kind string
	ID   string
	// Version orders the object's states.
	Version int64
	// Status is the account's status, or the invoice's (issued,
	// partially_paid, paid, void), or an offer's (OfferVisible,
	// OfferHidden, ProductStatusWithdrawn).
	Status string
	// Digest identifies the object's API representation at Version: a
	// version that leaves it as it was is no news to a receiver.
	Digest string
	// At is when Version happened.
	At time.Time
	// Parent is a reseller's parent.
	Parent string
}

// An offer (a product as one price list prices it) is seen as visible to
// the resellers buying at the list (an active product with a price in
// effect: what GET /api/products lists), unpublished (the catalog has not
// copied a product onto it yet), hidden (no price in effect), or
// withdrawn. Its Digest covers its prices only, so that a change of the
// product's other fields is no price change. An invoice's statuses are
// the stored ones of pkg/readmodel/invoicing (overdue is derived when
// read and is no change of the invoice).
const (
	OfferVisible           = "visible"
	OfferUnpublished       = "unpublished"
	OfferHidden            = "hidden"
	ProductStatusWithdrawn = "withdrawn"
)

// Changes names the events a new state makes, given what was seen of the
// object before (nil: nothing). A state no newer than what was seen makes
// none (stale, or the same event again); neither does a newer version
// that leaves the representation as it was.
func Changes(prev *State, next State) []EventType {
	if next.Kind == "offer" {
		return offerChanges(prev, next)
	}
	if prev != nil && (next.Version <= prev.Version || next.Digest == prev.Digest) {
		return nil
	}
	switch next.Kind {
	case "account":
		switch {
		case prev == nil:
			return []EventType{AccountCreated}
		case next.Status != prev.Status:
			return []EventType{AccountStatusChanged}
		}
		return []EventType{AccountUpdated}
	case "invoice":
		if prev == nil {
			// A first sight of an invoice that is already paid or void
			// (its earlier versions were missed) says so too.
			if t, ok := invoiceStatusEvent(next.Status); ok {
				return []EventType{InvoiceIssued, t}
			}
			return []EventType{InvoiceIssued}
		}
		if next.Status != prev.Status {
			if t, ok := invoiceStatusEvent(next.Status); ok {
				return []EventType{t}
			}
		}
		return []EventType{InvoiceUpdated}
	case "payment":
		if prev == nil {
			return []EventType{PaymentReceived}
		}
		return nil // a corrected payment shows as its invoice's change
	case "reseller":
		return []EventType{ResellerUpdated}
	}
	return nil
}

// offerChanges names what a new state of an offer changed for the
// resellers buying at its list: a product they could buy withdrawn, or
// its prices changed. An offer first seen, or coming into sight (priced,
// its price in effect), is no change. One seen before the catalog had
// copied its product onto it counts as seen at its prices: the catalog
// projects products and price lists on their own, so which of the two
// this service sees first is a race, and a new price must not be lost to
// it.
func offerChanges(prev *State, next State) []EventType {
	if prev == nil || next.Version <= prev.Version {
		return nil
	}
	switch {
	case prev.Status == OfferVisible && next.Status == ProductStatusWithdrawn:
		return []EventType{ProductWithdrawn}
	case next.Status == OfferVisible && next.Digest != prev.Digest && (prev.Status == OfferVisible || prev.Status == OfferUnpublished):
		return []EventType{ProductPriceChanged}
	}
	return nil
}

func invoiceStatusEvent(status string) (EventType, bool) {
	switch status {
	case invoicing.InvoicePaid:
		return InvoicePaid, true
	case invoicing.InvoicePartiallyPaid:
		return InvoicePartiallyPaid, true
	case invoicing.InvoiceVoid:
		return InvoiceVoided, true
	}
	return "", false
}
