package domain

import (
	"slices"
	"testing"
)

func TestChanges(t *testing.T) {
	seen := func(kind, status, digest string, version int64) *State {
		return &State{Kind: kind, ID: "x", Version: version, Status: status, Digest: digest}
	}
	state := func(kind, status, digest string, version int64) State {
		return State{Kind: kind, ID: "x", Version: version, Status: status, Digest: digest}
	}
	for _, c := range []struct {
		name string
		prev *State
		next State
		want []EventType
	}{
		{"a new account", nil, state("account", "active", "d1", 1), []EventType{AccountCreated}},
		{"an account renamed", seen("account", "active", "d1", 1), state("account", "active", "d2", 2), []EventType{AccountUpdated}},
		{"an account suspended", seen("account", "active", "d1", 1), state("account", "suspended", "d2", 2), []EventType{AccountStatusChanged}},
		{"an older account version", seen("account", "active", "d1", 3), state("account", "suspended", "d2", 2), nil},
		{"the same version again", seen("account", "active", "d1", 3), state("account", "active", "d1", 3), nil},
		{"a version that changes nothing visible", seen("account", "active", "d1", 3), state("account", "active", "d1", 4), nil},
		{"a new invoice", nil, state("invoice", "issued", "d1", 1), []EventType{InvoiceIssued}},
		{"a new invoice already paid", nil, state("invoice", "paid", "d1", 3), []EventType{InvoiceIssued, InvoicePaid}},
		{"an invoice partly paid", seen("invoice", "issued", "d1", 1), state("invoice", "partially_paid", "d2", 2), []EventType{InvoicePartiallyPaid}},
		{"an invoice paid", seen("invoice", "partially_paid", "d2", 2), state("invoice", "paid", "d3", 3), []EventType{InvoicePaid}},
		{"an invoice voided", seen("invoice", "issued", "d1", 1), state("invoice", "void", "d2", 2), []EventType{InvoiceVoided}},
		{"an invoice corrected", seen("invoice", "issued", "d1", 1), state("invoice", "issued", "d2", 2), []EventType{InvoiceUpdated}},
		{"a payment refunded back to issued", seen("invoice", "paid", "d1", 1), state("invoice", "issued", "d2", 2), []EventType{InvoiceUpdated}},
		{"a payment", nil, state("payment", "", "d1", 1), []EventType{PaymentReceived}},
		{"a payment corrected", seen("payment", "", "d1", 1), state("payment", "", "d2", 2), nil},
		{"a visible product withdrawn", seen("offer", "visible", "d1", 1), state("offer", "withdrawn", "d2", 2), []EventType{ProductWithdrawn}},
		{"a visible product's price changed", seen("offer", "visible", "d1", 1), state("offer", "visible", "d2", 2), []EventType{ProductPriceChanged}},
		{"a visible product's other fields changed", seen("offer", "visible", "d1", 1), state("offer", "visible", "d1", 2), nil},
		{"a visible product withdrawn at the same prices", seen("offer", "visible", "d1", 1), state("offer", "withdrawn", "d1", 2), []EventType{ProductWithdrawn}},
		{"an offer seen before its product, then at new prices", seen("offer", "unpublished", "d1", 1), state("offer", "visible", "d2", 2), []EventType{ProductPriceChanged}},
		{"a product published at the prices seen", seen("offer", "unpublished", "d1", 1), state("offer", "visible", "d1", 2), nil},
		{"a hidden product withdrawn", seen("offer", "hidden", "d1", 1), state("offer", "withdrawn", "d2", 2), nil},
		{"a hidden product's price changed", seen("offer", "hidden", "d1", 1), state("offer", "hidden", "d2", 2), nil},
		{"a product coming into sight", seen("offer", "hidden", "d1", 1), state("offer", "visible", "d2", 2), nil},
		{"a withdrawn product edited", seen("offer", "withdrawn", "d1", 1), state("offer", "withdrawn", "d2", 2), nil},
		{"an offer first seen", nil, state("offer", "visible", "d1", 1), nil},
		{"an older version of a visible offer", seen("offer", "visible", "d1", 3), state("offer", "visible", "d2", 2), nil},
		{"a reseller's profile", seen("reseller", "active", "d1", 1), state("reseller", "active", "d2", 2), []EventType{ResellerUpdated}},
		{"an unknown kind", nil, state("offer", "", "d1", 1), nil},
	} {
		if got := Changes(c.prev, c.next); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
