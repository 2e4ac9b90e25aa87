package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/services/invoicing/service"
)

var kit *testkit.Kit

func TestMain(m *testing.M) { testkit.Main(m, &kit) }

type env struct {
	db   string
	pub  *eventbus.Bus
	regs []*prometheus.Registry // one per replica
}

// start runs replicas of the invoicing service over the package's kit,
// sharing a database of the test's own; ids carry a suffix of the test's
// own too.
func start(t *testing.T, replicas, batchSize int) env {
	t.Helper()
	e := env{db: kit.DatabaseName(t)}
	for range replicas {
		reg := prometheus.NewRegistry()
		e.regs = append(e.regs, reg)
		svc, err := service.New(context.Background(), service.Config{
			Config:    infra.Config{NATSURL: kit.NATSURL, MongoURI: kit.MongoURI, Database: e.db},
			BatchSize: batchSize,
		}, slog.New(slog.DiscardHandler), reg)
		if err != nil {
			t.Fatal(err)
		}
		testkit.Run(t, svc)
	}
	var err error
	if e.pub, err = eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: "test-backoffice"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.pub.Close() })
	return e
}

func meta(id string, version int64) *eventsv1.EventMeta {
	return &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: id, Version: version}
}

// invoiceEvent is a valid invoice of reseller r with one line per amount
// (quantity 1, 24% tax), in currency.
func invoiceEvent(id, reseller, currency string, version int64, amounts ...int64) *eventsv1.InvoiceChanged {
	inv := &eventsv1.Invoice{InvoiceId: id, ResellerId: reseller, Number: "INV-" + id, Currency: currency,
		IssueDate: "2026-11-01", DueDate: "2026-12-01", Status: eventsv1.InvoiceStatus_INVOICE_STATUS_ISSUED}
	for i, a := range amounts {
		tax := (a*24 + 50) / 100
		inv.Lines = append(inv.Lines, &eventsv1.InvoiceLine{LineId: fmt.Sprint("l", i), Description: fmt.Sprint("Line ", i),
			AccountId: fmt.Sprint("acc-", i), Quantity: 1, UnitPriceMinor: a, TaxRatePercent: "24", AmountMinor: a})
		inv.SubtotalMinor += a
		inv.TaxMinor += tax
	}
	inv.TotalMinor = inv.SubtotalMinor + inv.TaxMinor
	return &eventsv1.InvoiceChanged{Meta: meta(id, version), Invoice: inv}
}

func paymentEvent(id, invoice, currency string, version, amount int64) *eventsv1.PaymentChanged {
	return &eventsv1.PaymentChanged{Meta: meta(id, version), Payment: &eventsv1.Payment{PaymentId: id, InvoiceId: invoice,
		AmountMinor: amount, Currency: currency, PaidAt: timestamppb.Now(), Method: "bank_transfer"}}
}

func (e env) publish(t testing.TB, ev eventbus.Event) {
	t.Helper()
	var pub eventbus.Publication
	switch ev := ev.(type) {
	case *eventsv1.InvoiceChanged:
		pub = eventbus.On(subjects.Invoices, ev)
	case *eventsv1.PaymentChanged:
		pub = eventbus.On(subjects.Payments, ev)
	}
	if err := e.pub.Publish(context.Background(), pub); err != nil {
		t.Fatal(err)
	}
}

func (e env) invoice(id string) (invoicing.Invoice, error) {
	coll := kit.Mongo.Database(e.db).Collection(invoicing.InvoicesCollection)
	return mongodb.FindOne[invoicing.Invoice](context.Background(), coll, bson.D{{Key: "_id", Value: id}})
}

// eventually waits for invoice id to satisfy cond.
func (e env) eventually(t *testing.T, id string, cond func(invoicing.Invoice) bool, msg string) invoicing.Invoice {
	t.Helper()
	var inv invoicing.Invoice
	testkit.Eventually(t, 20*time.Second, func() bool {
		var err error
		inv, err = e.invoice(id)
		return err == nil && cond(inv)
	}, "%s: %s", id, msg)
	return inv
}

func suffix() string { return uuid.NewString()[:8] }

func TestPaymentsBeforeTheirInvoiceReplaysAndOlderVersionsSettleExactly(t *testing.T) {
	e := start(t, 1, 64)
	s := suffix()
	inv, r := "inv-"+s, "r-"+s
	// Two payments arrive before any version of their invoice; version 2
	// arrives before version 1, and everything is sent twice.
	p1, p2 := paymentEvent("pay1-"+s, inv, "EUR", 1, 1000), paymentEvent("pay2-"+s, inv, "EUR", 1, 2000)
	v1, v2 := invoiceEvent(inv, r, "EUR", 1, 10_000), invoiceEvent(inv, r, "EUR", 2, 10_000, 2_500)
	for _, ev := range []eventbus.Event{p1, p2, v2, v1, p1, v2, p2, v1} {
		e.publish(t, ev)
	}
	got := e.eventually(t, inv, func(d invoicing.Invoice) bool { return d.Version == 2 && len(d.Payments) == 2 }, "version 2 with both payments")
	// 10,000 + 2,500 = 12,500; tax 24% = 2,400 + 600 = 3,000; total 15,500.
	if got.TotalMinor != 15_500 || got.TaxMinor != 3_000 || got.AmountPaidMinor != 3_000 || got.AmountDueMinor != 12_500 ||
		got.Status != invoicing.InvoicePartiallyPaid || len(got.Lines) != 2 || got.ResellerID != r {
		t.Errorf("invoice = %+v", got)
	}
	if strings.Join(got.AccountIDs, ",") != "acc-0,acc-1" {
		t.Errorf("account ids = %v", got.AccountIDs)
	}
	// A corrected payment (version 2) and a third one pay it in full; the
	// old version of the corrected payment, replayed, changes nothing.
	e.publish(t, paymentEvent("pay2-"+s, inv, "EUR", 2, 4_500))
	e.publish(t, paymentEvent("pay3-"+s, inv, "EUR", 1, 10_000))
	e.publish(t, p2)
	got = e.eventually(t, inv, func(d invoicing.Invoice) bool { return len(d.Payments) == 3 && d.AmountPaidMinor == 15_500 }, "paid")
	if got.Status != invoicing.InvoicePaid || got.AmountDueMinor != 0 {
		t.Errorf("paid invoice = %+v", got)
	}
	// Voiding it keeps the payments but nothing is due.
	void := invoiceEvent(inv, r, "EUR", 3, 10_000, 2_500)
	void.Invoice.Status, void.Invoice.VoidReason = eventsv1.InvoiceStatus_INVOICE_STATUS_VOID, "issued twice"
	e.publish(t, void)
	got = e.eventually(t, inv, func(d invoicing.Invoice) bool { return d.Version == 3 }, "void")
	if got.Status != invoicing.InvoiceVoid || got.VoidReason != "issued twice" || got.AmountDueMinor != 0 || got.AmountPaidMinor != 15_500 {
		t.Errorf("void invoice = %+v", got)
	}
}

func TestManyPaymentsOfOneInvoiceOnTwoReplicasAddUpExactly(t *testing.T) {
	e := start(t, 2, 16)
	s := suffix()
	inv := "inv-" + s
	e.publish(t, invoiceEvent(inv, "r-"+s, "JPY", 1, 1_000_000))
	const n = 200
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < n; i += 4 {
				e.publish(t, paymentEvent(fmt.Sprintf("pay%d-%s", i, s), inv, "JPY", 1, int64(i+1)))
			}
		})
	}
	wg.Wait()
	want := int64(n * (n + 1) / 2) // 1 + 2 + ... + n
	got := e.eventually(t, inv, func(d invoicing.Invoice) bool { return len(d.Payments) == n }, "every payment counted")
	if got.AmountPaidMinor != want || got.AmountDueMinor != 1_240_000-want || got.Status != invoicing.InvoicePartiallyPaid {
		t.Errorf("paid %d due %d status %s; want paid %d due %d", got.AmountPaidMinor, got.AmountDueMinor, got.Status, want, 1_240_000-want)
	}
	// Both replicas' batch metrics together saw every event at least once
	// (a batch is observed just after its write is visible).
	counted := func() bool {
		var events float64
		for _, reg := range e.regs {
			families, err := reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range families {
				if f.GetName() == "invoicing_batch_events" {
					events += f.GetMetric()[0].GetHistogram().GetSampleSum()
				}
			}
		}
		return events >= n+1
	}
	testkit.Eventually(t, 10*time.Second, counted, "invoicing_batch_events never counted %d events", n+1)
}

func TestRefusedPaymentsAreDeadLetteredWithTheReason(t *testing.T) {
	e := start(t, 1, 8)
	deadLetters := kit.Subscribe(t, subjects.DeadLetter("invoicing"))
	s := suffix()
	a, b := "a-"+s, "b-"+s
	e.publish(t, invoiceEvent(a, "r-"+s, "EUR", 1, 100))
	e.publish(t, invoiceEvent(b, "r-"+s, "EUR", 1, 100))
	e.eventually(t, b, func(invoicing.Invoice) bool { return true }, "invoice b")
	e.publish(t, paymentEvent("usd-"+s, a, "USD", 1, 50))   // another currency
	e.publish(t, paymentEvent("moved-"+s, a, "EUR", 1, 60)) // then moved
	e.eventually(t, a, func(d invoicing.Invoice) bool { return d.AmountPaidMinor == 60 }, "payment counted")
	e.publish(t, paymentEvent("moved-"+s, b, "EUR", 2, 60))
	// An invalid invoice (its total is not subtotal + tax) never reaches the
	// projector.
	bad := invoiceEvent("bad-"+s, "r-"+s, "EUR", 1, 100)
	bad.Invoice.TotalMinor++
	kit.PublishUnchecked(t, subjects.Invoices.Of("bad-"+s), bad)

	testkit.Eventually(t, 20*time.Second, func() bool { return len(deadLetters()) == 3 }, "three dead letters")
	reasons := map[string]string{}
	for _, m := range deadLetters() {
		reasons[m.Header.Get(eventbus.SubjectHeader)] = m.Header.Get(eventbus.ReasonHeader)
	}
	for subject, want := range map[string]string{
		subjects.Payments.Of("usd-" + s):   "is in USD but invoice " + a + " is in EUR",
		subjects.Payments.Of("moved-" + s): "cannot move to another invoice",
		subjects.Invoices.Of("bad-" + s):   "total_minor is 125, but subtotal_minor + tax_minor is 124",
	} {
		if !strings.Contains(reasons[subject], want) {
			t.Errorf("reason for %s = %q, want it to say %q", subject, reasons[subject], want)
		}
	}
	if d, _ := e.invoice(a); d.AmountPaidMinor != 60 || len(d.Payments) != 1 {
		t.Errorf("invoice a = %+v, want only the first EUR payment", d)
	}
	if _, err := e.invoice("bad-" + s); err == nil {
		t.Error("an invalid invoice was stored")
	}
}

func TestPaymentInAnotherCurrencyThanItsLaterInvoiceIsNotCounted(t *testing.T) {
	e := start(t, 1, 8)
	s := suffix()
	inv := "inv-" + s
	e.publish(t, paymentEvent("usd-"+s, inv, "USD", 1, 50))
	e.publish(t, paymentEvent("eur-"+s, inv, "EUR", 1, 70))
	// Both payments stored before their invoice is known (a USD payment
	// projected after the EUR invoice would be refused and dead-lettered,
	// another test's case): the handler may take events in any order.
	payments := kit.Mongo.Database(e.db).Collection(invoicing.PaymentsCollection)
	testkit.Eventually(t, 10*time.Second, func() bool {
		n, err := payments.CountDocuments(context.Background(), bson.D{{Key: "invoice_id", Value: inv}})
		return err == nil && n == 2
	}, "the payments are not stored")
	e.publish(t, invoiceEvent(inv, "r-"+s, "EUR", 1, 100))
	got := e.eventually(t, inv, func(invoicing.Invoice) bool { return true }, "invoice")
	if got.AmountPaidMinor != 70 || len(got.Payments) != 1 || got.Payments[0].PaymentID != "eur-"+s {
		t.Errorf("invoice = %+v, want only the EUR payment counted", got)
	}
	// Corrected to USD, the USD payment counts and the EUR one no longer.
	e.publish(t, invoiceEvent(inv, "r-"+s, "USD", 2, 100))
	got = e.eventually(t, inv, func(d invoicing.Invoice) bool { return d.Version == 2 }, "version 2")
	if got.AmountPaidMinor != 50 || len(got.Payments) != 1 || got.Payments[0].PaymentID != "usd-"+s {
		t.Errorf("invoice = %+v, want only the USD payment counted", got)
	}
}
