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
	// partially_paid, paid, void), or the product's.
	Status string
	// Digest identifies the object's API representation at Version: a
	// version that leaves it as it was is no news to a receiver.
	Digest string
	// At is when Version happened.
	At time.Time
	// Parent is a reseller's parent.
	Parent string
}

// ProductStatusWithdrawn is a withdrawn product's status. An invoice's
// statuses are the stored ones of pkg/readmodel/invoicing (overdue is
// derived when read and is no change of the invoice).
const ProductStatusWithdrawn = "withdrawn"

// Changes names the events a new state makes, given what was seen of the
// object before (nil: nothing). A state no newer than what was seen makes
// none (stale, or the same event again); neither does a newer version
// that leaves the representation as it was.
func Changes(prev *State, next State) []EventType {
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
	case "product":
		if next.Status == ProductStatusWithdrawn && (prev == nil || prev.Status != ProductStatusWithdrawn) {
			return []EventType{ProductWithdrawn}
		}
		return nil // its prices change through price lists: product.price_changed
	case "reseller":
		return []EventType{ResellerUpdated}
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
