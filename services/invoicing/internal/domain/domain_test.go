package domain_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/resellerapi/platform/services/invoicing/internal/domain"
)

func inv(total int64) domain.Invoice {
	return domain.Invoice{ID: "i1", Currency: "EUR", Total: total}
}

func pay(id string, amount int64, currency string) domain.Payment {
	return domain.Payment{ID: id, InvoiceID: "i1", Amount: amount, Currency: currency, PaidAt: time.Unix(int64(len(id)), 0)}
}

func TestSettle(t *testing.T) {
	for _, tc := range []struct {
		name      string
		invoice   domain.Invoice
		payments  []domain.Payment
		status    string
		paid, due int64
		refused   int
	}{
		{"unpaid", inv(1000), nil, domain.StatusIssued, 0, 1000, 0},
		{"partly", inv(1000), []domain.Payment{pay("a", 400, "EUR")}, domain.StatusPartiallyPaid, 400, 600, 0},
		{"exactly", inv(1000), []domain.Payment{pay("a", 400, "EUR"), pay("b", 600, "EUR")}, domain.StatusPaid, 1000, 0, 0},
		{"overpaid", inv(1000), []domain.Payment{pay("a", 1400, "EUR")}, domain.StatusPaid, 1400, 0, 0},
		{"other currency", inv(1000), []domain.Payment{pay("a", 400, "USD")}, domain.StatusIssued, 0, 1000, 1},
		{"nothing to pay", inv(0), nil, domain.StatusPaid, 0, 0, 0},
		{"void", domain.Invoice{ID: "i1", Currency: "EUR", Total: 1000, Void: true}, []domain.Payment{pay("a", 400, "EUR")}, domain.StatusVoid, 400, 0, 0},
		{"beyond int64", inv(math.MaxInt64), []domain.Payment{pay("a", math.MaxInt64, "EUR"), pay("b", 5, "EUR")}, domain.StatusPaid, math.MaxInt64, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := domain.Settle(tc.invoice, tc.payments)
			if s.Status != tc.status || s.Paid != tc.paid || s.Due != tc.due || len(s.Refused) != tc.refused {
				t.Errorf("Settle = %s paid %d due %d refused %d; want %s paid %d due %d refused %d",
					s.Status, s.Paid, s.Due, len(s.Refused), tc.status, tc.paid, tc.due, tc.refused)
			}
		})
	}
}

// FuzzSettle checks the settlement arithmetic against math/big, and that
// the order payments arrive in changes nothing.
func FuzzSettle(f *testing.F) {
	f.Add(int64(1000), int64(400), int64(600), int64(1), false, uint64(1))
	f.Add(int64(math.MaxInt64), int64(math.MaxInt64), int64(math.MaxInt64), int64(7), true, uint64(2))
	f.Fuzz(func(t *testing.T, total, a, b, c int64, void bool, seed uint64) {
		if total < 0 || a <= 0 || b <= 0 || c <= 0 {
			return // the event rules refuse these
		}
		invoice := domain.Invoice{ID: "i1", Currency: "EUR", Total: total, Void: void}
		payments := []domain.Payment{pay("a", a, "EUR"), pay("bb", b, "EUR"), pay("ccc", c, "USD")}
		s := domain.Settle(invoice, payments)
		rand.New(rand.NewPCG(seed, seed)).Shuffle(len(payments), func(i, j int) { payments[i], payments[j] = payments[j], payments[i] })
		if again := domain.Settle(invoice, payments); again.Paid != s.Paid || again.Status != s.Status || again.Counted[0].ID != s.Counted[0].ID {
			t.Fatalf("order changed the settlement: %+v vs %+v", s, again)
		}
		sum := new(big.Int).Add(big.NewInt(a), big.NewInt(b))
		wantPaid := sum
		if !sum.IsInt64() {
			wantPaid = big.NewInt(math.MaxInt64)
		}
		if s.Paid != wantPaid.Int64() {
			t.Fatalf("paid %d, want %s", s.Paid, wantPaid)
		}
		wantDue := new(big.Int).Sub(big.NewInt(total), wantPaid)
		if void || wantDue.Sign() < 0 {
			wantDue.SetInt64(0)
		}
		if s.Due != wantDue.Int64() {
			t.Fatalf("due %d, want %s", s.Due, wantDue)
		}
		if s.Paid+s.Due < total && !void && s.Paid != math.MaxInt64 {
			t.Fatalf("paid %d + due %d < total %d", s.Paid, s.Due, total)
		}
	})
}
