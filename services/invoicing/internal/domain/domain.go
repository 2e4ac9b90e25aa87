// Package domain holds the invoicing model: the invoices the distributor
// issues to its resellers, their payments, and what the payments make of
// an invoice (amount paid, amount due, status). What makes an invoice or a
// payment valid on its own is declared once, with the event contract, in
// proto-events/rules; what needs both is here.
package domain

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Invoice is an invoice at one version, as the back-office states it.
// Amounts are integers of the currency's minor unit.
type Invoice struct {
	ID         string
	ResellerID string
	Number     string
	Currency   string
	IssueDate  string // YYYY-MM-DD
	DueDate    string // YYYY-MM-DD
	Lines      []Line
	Subtotal   int64
	Tax        int64
	Total      int64
	Void       bool
	VoidReason string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// Line is one line of an invoice.
type Line struct {
	ID                 string
	Description        string
	ProductID          string
	SKU                string
	AccountID          string
	Quantity           int64
	UnitPrice          int64
	TaxRatePercent     string
	ServicePeriodStart string
	ServicePeriodEnd   string
	Amount             int64
}

// AccountIDs are the distinct end customers of the lines, in line order.
func (inv Invoice) AccountIDs() []string {
	var ids []string
	for _, l := range inv.Lines {
		if l.AccountID != "" && !slices.Contains(ids, l.AccountID) {
			ids = append(ids, l.AccountID)
		}
	}
	return ids
}

// Payment is a payment of an invoice at one version: its own aggregate, so
// it may arrive before its invoice.
type Payment struct {
	ID        string
	InvoiceID string
	Amount    int64
	Currency  string
	PaidAt    time.Time
	Method    string
	UpdatedAt time.Time
	Version   int64
}

// CurrencyMismatchError says a payment is not in its invoice's currency.
type CurrencyMismatchError struct {
	PaymentID, InvoiceID, Payment, Invoice string
}

func (e *CurrencyMismatchError) Error() string {
	return fmt.Sprintf("payment %s is in %s but invoice %s is in %s: a payment must be in its invoice's currency",
		e.PaymentID, e.Payment, e.InvoiceID, e.Invoice)
}

// Accepts checks that p may be counted on inv.
func (inv Invoice) Accepts(p Payment) error {
	if p.Currency != inv.Currency {
		return &CurrencyMismatchError{PaymentID: p.ID, InvoiceID: inv.ID, Payment: p.Currency, Invoice: inv.Currency}
	}
	return nil
}

// Statuses of an invoice. Overdue is not one of them: it depends on the
// day the invoice is read, so readers derive it.
const (
	StatusIssued        = "issued"
	StatusPartiallyPaid = "partially_paid"
	StatusPaid          = "paid"
	StatusVoid          = "void"
)

// Settlement is what an invoice's payments make of it.
type Settlement struct {
	Status string
	// Paid is the sum of the counted payments (at most math.MaxInt64);
	// Due what is left of the total, never below zero.
	Paid, Due int64
	// Counted are the payments in the invoice's currency, by time paid;
	// Refused the others, which count for nothing.
	Counted, Refused []Payment
	// UpdatedAt is the latest change of the invoice or a counted payment.
	UpdatedAt time.Time
}

// Settle computes the settlement of inv from its payments, whatever order
// they arrived in: the result depends only on the set.
func Settle(inv Invoice, payments []Payment) Settlement {
	s := Settlement{UpdatedAt: inv.UpdatedAt}
	for _, p := range payments {
		if inv.Accepts(p) != nil {
			s.Refused = append(s.Refused, p)
			continue
		}
		s.Counted = append(s.Counted, p)
		s.Paid = addCapped(s.Paid, p.Amount)
		if p.UpdatedAt.After(s.UpdatedAt) {
			s.UpdatedAt = p.UpdatedAt
		}
	}
	byTime := func(a, b Payment) int {
		return cmp.Or(a.PaidAt.Compare(b.PaidAt), cmp.Compare(a.ID, b.ID))
	}
	slices.SortFunc(s.Counted, byTime)
	slices.SortFunc(s.Refused, byTime)
	switch {
	case inv.Void:
		s.Status = StatusVoid
	case s.Paid >= inv.Total:
		s.Status = StatusPaid
	case s.Paid > 0:
		s.Status = StatusPartiallyPaid
	default:
		s.Status = StatusIssued
	}
	if s.Status == StatusIssued || s.Status == StatusPartiallyPaid {
		s.Due = inv.Total - s.Paid
	}
	return s
}

// addCapped adds two amounts that are not negative, stopping at
// math.MaxInt64 rather than wrapping around.
func addCapped(a, b int64) int64 {
	if b > math.MaxInt64-a {
		return math.MaxInt64
	}
	return a + b
}
