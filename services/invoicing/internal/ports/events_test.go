package ports

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/services/invoicing/internal/domain"
)

func meta(id string) *eventsv1.EventMeta {
	return &eventsv1.EventMeta{EventId: "e1", OccurredAt: timestamppb.New(time.Date(2026, 3, 1, 0, 0, 0, 123456789, time.UTC)), AggregateId: id, Version: 2}
}

func validInvoice() *eventsv1.InvoiceChanged {
	return &eventsv1.InvoiceChanged{Meta: meta("i1"), Invoice: &eventsv1.Invoice{InvoiceId: "i1", ResellerId: "r1", Number: "N1",
		Currency: "EUR", IssueDate: "2026-03-01", DueDate: "2026-03-31", Status: eventsv1.InvoiceStatus_INVOICE_STATUS_VOID, VoidReason: "dup",
		Lines: []*eventsv1.InvoiceLine{{LineId: "l1", Description: "Backup", AccountId: "a1", Quantity: 2, UnitPriceMinor: 500,
			TaxRatePercent: "5.5", AmountMinor: 1000}},
		SubtotalMinor: 1000, TaxMinor: 55, TotalMinor: 1055}}
}

func TestMapping(t *testing.T) {
	e := validInvoice()
	if err := subjects.Invoices.Check(e); err != nil {
		t.Fatal(err)
	}
	inv := InvoiceFromEvent(e)
	if !inv.Void || inv.VoidReason != "dup" || inv.Total != 1055 || inv.Version != 2 || inv.Lines[0].UnitPrice != 500 ||
		inv.UpdatedAt.Nanosecond() != 123_000_000 || !inv.CreatedAt.Equal(inv.UpdatedAt) || inv.AccountIDs()[0] != "a1" {
		t.Errorf("invoice = %+v", inv)
	}
	p := PaymentFromEvent(&eventsv1.PaymentChanged{Meta: meta("p1"), Payment: &eventsv1.Payment{PaymentId: "p1", InvoiceId: "i1",
		AmountMinor: 7, Currency: "EUR", PaidAt: timestamppb.New(time.Date(2026, 3, 2, 0, 0, 0, 999, time.UTC))}})
	if p.Amount != 7 || p.InvoiceID != "i1" || p.PaidAt.Nanosecond() != 0 || p.Version != 2 {
		t.Errorf("payment = %+v", p)
	}
}

// Whatever passes the rules maps to a complete invoice whose settlement
// adds up.
func FuzzInvoiceEvent(f *testing.F) {
	good, _ := proto.Marshal(validInvoice())
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		var e eventsv1.InvoiceChanged
		if proto.Unmarshal(data, &e) != nil || subjects.Invoices.Check(&e) != nil {
			return
		}
		inv := InvoiceFromEvent(&e)
		if inv.ID == "" || inv.ResellerID == "" || len(inv.Lines) == 0 || inv.Total != inv.Subtotal+inv.Tax || inv.UpdatedAt.IsZero() {
			t.Fatalf("incomplete invoice %+v from a valid event", inv)
		}
		s := domain.Settle(inv, nil)
		if (s.Status == domain.StatusVoid) != inv.Void || (!inv.Void && s.Due != inv.Total) {
			t.Fatalf("settlement %+v of %+v", s, inv)
		}
	})
}

func FuzzPaymentEvent(f *testing.F) {
	good, _ := proto.Marshal(&eventsv1.PaymentChanged{Meta: meta("p1"), Payment: &eventsv1.Payment{PaymentId: "p1", InvoiceId: "i1",
		AmountMinor: 7, Currency: "EUR", PaidAt: timestamppb.Now()}})
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		var e eventsv1.PaymentChanged
		if proto.Unmarshal(data, &e) != nil || subjects.Payments.Check(&e) != nil {
			return
		}
		p := PaymentFromEvent(&e)
		if p.ID == "" || p.InvoiceID == "" || p.Amount <= 0 || p.Currency == "" || p.PaidAt.IsZero() {
			t.Fatalf("incomplete payment %+v from a valid event", p)
		}
	})
}
