package adapters_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/services/invoicing/internal/adapters"
	"github.com/resellerapi/platform/services/invoicing/internal/app"
	"github.com/resellerapi/platform/services/invoicing/internal/domain"
)

var kit *testkit.Kit

func TestMain(m *testing.M) { testkit.Main(m, &kit) }

// interleaved is the real repository, except that just before its first
// invoice write it lets another projector (another replica) settle the
// same invoice: the write must notice and settle again.
type interleaved struct {
	*adapters.Repository
	other func()
}

func (r *interleaved) SaveInvoices(ctx context.Context, ws []app.Write) ([]string, error) {
	if r.other != nil {
		other := r.other
		r.other = nil
		other()
	}
	return r.Repository.SaveInvoices(ctx, ws)
}

func invoice(id string, total int64) domain.Invoice {
	return domain.Invoice{ID: id, ResellerID: "r1", Number: "N-" + id, Currency: "EUR", IssueDate: "2026-11-01", DueDate: "2026-12-01",
		Lines:    []domain.Line{{ID: "l1", Description: "Backup", Quantity: 1, UnitPrice: total, TaxRatePercent: "0", Amount: total}},
		Subtotal: total, Total: total, UpdatedAt: time.Now().UTC().Truncate(time.Millisecond), Version: 1}
}

func payment(id, invoice string, amount int64) *domain.Payment {
	return &domain.Payment{ID: id, InvoiceID: invoice, Amount: amount, Currency: "EUR", Version: 1,
		PaidAt: time.Now().UTC().Truncate(time.Millisecond), UpdatedAt: time.Now().UTC().Truncate(time.Millisecond)}
}

func TestAWriterThatLostTheRaceSettlesAgain(t *testing.T) {
	ctx := context.Background()
	repo := adapters.NewRepository(kit.Mongo.Database(kit.DatabaseName(t)))
	if err := repo.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	inv := invoice("inv-1", 1000)
	if errs := app.NewProjector(repo, log, 8).Project(ctx, []app.Change{{Invoice: &inv}}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	other := app.NewProjector(repo, log, 8)
	racer := &interleaved{Repository: repo, other: func() {
		if errs := other.Project(ctx, []app.Change{{Payment: payment("p2", "inv-1", 200)}}); errs[0] != nil {
			t.Error(errs[0])
		}
	}}
	if errs := app.NewProjector(racer, log, 8).Project(ctx, []app.Change{{Payment: payment("p1", "inv-1", 100)}}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	got, err := repo.Invoices(ctx, []string{"inv-1"})
	if err != nil {
		t.Fatal(err)
	}
	if s := got["inv-1"].Settlement; s.Paid != 300 || s.Due != 700 || len(s.Counted) != 2 || s.Status != domain.StatusPartiallyPaid {
		t.Errorf("settlement = %+v, want both payments (300 paid, 700 due)", s)
	}
}

func TestReplayingABatchWritesNothing(t *testing.T) {
	ctx := context.Background()
	repo := adapters.NewRepository(kit.Mongo.Database(kit.DatabaseName(t)))
	p := app.NewProjector(repo, slog.New(slog.DiscardHandler), 8)
	inv := invoice("inv-1", 1000)
	batch := []app.Change{{Invoice: &inv}, {Payment: payment("p1", "inv-1", 100)}, {Payment: payment("p2", "inv-1", 100)}}
	for i, want := range []error{nil, app.ErrStale} {
		for k, err := range p.Project(ctx, batch) {
			if err != want {
				t.Errorf("round %d, change %d: %v, want %v", i, k, err, want)
			}
		}
	}
	before, _ := repo.Invoices(ctx, []string{"inv-1"})
	p.Project(ctx, batch)
	after, _ := repo.Invoices(ctx, []string{"inv-1"})
	if before["inv-1"].Rev != after["inv-1"].Rev {
		t.Error("a replayed batch rewrote the invoice")
	}
}

// A batch of inserts of which some were stored by another writer returns
// exactly those as conflicts and stores the others.
func TestInsertsThatFindInvoicesStoredAreConflicts(t *testing.T) {
	ctx := context.Background()
	repo := adapters.NewRepository(kit.Mongo.Database(kit.DatabaseName(t)))
	if err := repo.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	write := func(id string) app.Write {
		inv := invoice(id, 1000)
		return app.Write{Invoice: inv, Settlement: domain.Settle(inv, nil)}
	}
	if conflicts, err := repo.SaveInvoices(ctx, []app.Write{write("inv-a"), write("inv-c")}); err != nil || len(conflicts) != 0 {
		t.Fatalf("first writes: conflicts %v, %v", conflicts, err)
	}
	conflicts, err := repo.SaveInvoices(ctx, []app.Write{write("inv-a"), write("inv-b"), write("inv-c"), write("inv-d")})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(conflicts, []string{"inv-a", "inv-c"}) {
		t.Errorf("conflicts = %v, want [inv-a inv-c]", conflicts)
	}
	stored, err := repo.Invoices(ctx, []string{"inv-a", "inv-b", "inv-c", "inv-d"})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 4 {
		t.Errorf("stored %d invoices, want 4", len(stored))
	}
}
