package domain

import "time"

// Seen is what the webhooks service keeps of an object between its
// versions: enough to name what a newer version changed.
type Seen struct {
	// Kind and ID name the object ("account", "acc-1").
	Kind string
	ID   string
	// Version is the newest version seen.
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

// State is a new version of an object as an event states it.
type State struct {
	Kind    string
	ID      string
	Version int64
	Status  string
	Digest  string
	At      time.Time
	Parent  string
}

// Invoice statuses as the API shows them (overdue is derived when read
// and is no change of the invoice).
const (
	InvoiceStatusIssued        = "issued"
	InvoiceStatusPartiallyPaid = "partially_paid"
	InvoiceStatusPaid          = "paid"
	InvoiceStatusVoid          = "void"
	ProductStatusWithdrawn     = "withdrawn"
)

// Changes names the events a new state makes, given what was seen of the
// object before (nil: nothing). A state no newer than what was seen makes
// none (stale, or the same event again); neither does a newer version
// that leaves the representation as it was.
func Changes(prev *Seen, next State) []EventType {
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
	case InvoiceStatusPaid:
		return InvoicePaid, true
	case InvoiceStatusPartiallyPaid:
		return InvoicePartiallyPaid, true
	case InvoiceStatusVoid:
		return InvoiceVoided, true
	}
	return "", false
}

// Seen returns what to keep of next.
func (next State) Seen() Seen {
	return Seen(next)
}
