package platform_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/services/backoffice"
)

func TestInvoicesEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end suite")
	}
	s := startSystem(t, t.TempDir())
	defer s.stop()
	s.activate(t)
	s.createUser(t, "res-cloudnova", "cloudnova-billing", "Reseller-Api-2026")
	s.createUser(t, "res-bytebridge", "bytebridge-billing", "Another-Secret-77")
	cloudnova := s.login(t, "res-cloudnova", "cloudnova-billing", "Reseller-Api-2026")
	bytebridge := s.login(t, "res-bytebridge", "bytebridge-billing", "Another-Secret-77")

	// The demo's invoices and payments, projected and composed with the
	// directory's account names.
	var list map[string]any
	testkit.Eventually(t, 15*time.Second, func() bool {
		_, list = s.api(t, cloudnova, "/api/invoices")
		return list["pagination"].(map[string]any)["totalCount"] == 4.0
	}, "the 4 demo invoices of res-cloudnova were not all projected: %v", list)
	var aug map[string]any
	testkit.Eventually(t, 10*time.Second, func() bool {
		_, aug = s.api(t, cloudnova, "/api/invoices/inv-cn-2026-08")
		return aug["status"] == "paid"
	}, "August's invoice is not paid: %v", aug)
	if aug["total"] != "430.53" || aug["amountPaid"] != "430.53" || aug["amountDue"] != "0.00" || len(aug["lines"].([]any)) != 4 {
		t.Errorf("August's invoice = %v", aug)
	}
	if line := aug["lines"].([]any)[0].(map[string]any); line["accountName"] != "Acropolis Bakery" || line["unitPrice"] != "10.00" {
		t.Errorf("first line = %v", line)
	}
	var sep map[string]any
	testkit.Eventually(t, 10*time.Second, func() bool {
		_, sep = s.api(t, cloudnova, "/api/invoices/inv-cn-2026-09")
		return len(sep["payments"].([]any)) == 1
	}, "September's payment is not counted: %v", sep)
	if sep["amountPaid"] != "200.00" || sep["amountDue"] != "230.53" || !slices.Contains([]any{"partially_paid", "overdue"}, sep["status"]) {
		t.Errorf("September's invoice = %v", sep)
	}
	if _, paid := s.api(t, cloudnova, "/api/invoices?status=paid"); len(paid["data"].([]any)) != 1 {
		t.Errorf("paid invoices = %v", paid)
	}
	if _, void := s.api(t, cloudnova, "/api/invoices?status=void&accountId=acc-cn-003"); len(void["data"].([]any)) != 1 {
		t.Errorf("void invoices of acc-cn-003 = %v", void)
	}
	req, _ := http.NewRequest("GET", s.p.URL+"/api/invoices/inv-cn-2026-08/pdf", nil)
	if resp, body := s.contract.Do(t, cloudnova, req); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "invoice-CN-2026-0008.pdf") || !strings.HasPrefix(string(body), "%PDF-") {
		t.Errorf("PDF: %d %v", resp.StatusCode, resp.Header)
	}
	// Isolation: another reseller's invoice and its PDF are 404s.
	for _, path := range []string{"/api/invoices/inv-cn-2026-08", "/api/invoices/inv-cn-2026-08/pdf"} {
		req, _ := http.NewRequest("GET", s.p.URL+path, nil)
		if resp, _ := s.contract.Do(t, bytebridge, req); resp.StatusCode != 404 {
			t.Errorf("bytebridge reading %s: %d, want 404", path, resp.StatusCode)
		}
	}
	if _, own := s.api(t, bytebridge, "/api/invoices"); len(own["data"].([]any)) != 1 || own["data"].([]any)[0].(map[string]any)["currency"] != "USD" {
		t.Errorf("bytebridge's invoices = %v", own)
	}

	// An invalid invoice is dead-lettered with the reason and blocks
	// nothing; the corrected version is served.
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: s.p.NATSURLFor("backoffice"), Service: "backoffice"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	pub := backoffice.NewPublisher(bus)
	nc, err := nats.Connect(s.observer)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	deadLetters, err := backoffice.NewDeadLetters(nc)
	if err != nil {
		t.Fatal(err)
	}
	fixed := backoffice.Totals(&eventsv1.Invoice{InvoiceId: "inv-cn-fix", ResellerId: "res-cloudnova", Number: "CN-2026-0100",
		Currency: "EUR", IssueDate: "2026-11-20", DueDate: "2026-12-20", Status: eventsv1.InvoiceStatus_INVOICE_STATUS_ISSUED,
		Lines: []*eventsv1.InvoiceLine{
			{LineId: "1", Description: "Dropbox Business Standard", AccountId: "acc-cn-004", Quantity: 3, UnitPriceMinor: 1250, TaxRatePercent: "24"}}})
	publish := func(version int64, inv *eventsv1.Invoice) error {
		_, err := backoffice.Publish(context.Background(), pub, backoffice.Invoices(), []backoffice.Record[*eventsv1.Invoice]{backoffice.At(version, inv)})
		return err
	}
	bad := &eventsv1.InvoiceChanged{
		Meta:    &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: fixed.InvoiceId, Version: 1},
		Invoice: proto.CloneOf(fixed),
	}
	bad.Invoice.TaxMinor++ // a line's tax rounded the wrong way
	(&testkit.Kit{NATSURL: s.observer}).PublishUnchecked(t, subjects.Invoices.Of(fixed.InvoiceId), bad)
	flowing := proto.CloneOf(fixed)
	flowing.InvoiceId, flowing.Number = "inv-cn-next", "CN-2026-0101"
	if err := publish(1, flowing); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		resp, _ := s.api(t, cloudnova, "/api/invoices/inv-cn-next")
		return resp.StatusCode == 200
	}, "the invoice after the invalid one was not projected")
	var refused []backoffice.DeadLetter
	testkit.Eventually(t, 10*time.Second, func() bool {
		refused, err = deadLetters.List(context.Background(), "invoicing")
		return err == nil && len(refused) == 1
	}, "the invalid invoice is not in the dead letters")
	if dl := refused[0]; dl.Subject != subjects.Invoices.Of("inv-cn-fix") || dl.Handler != "invoices" ||
		!strings.Contains(dl.Reason, "tax_minor is 901, but the sum of the lines' tax is 900") {
		t.Errorf("dead letter = %+v", dl)
	}
	if resp, _ := s.api(t, cloudnova, "/api/invoices/inv-cn-fix"); resp.StatusCode != 404 {
		t.Errorf("the invalid invoice is served: %d", resp.StatusCode)
	}
	if err := publish(2, fixed); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		_, inv := s.api(t, cloudnova, "/api/invoices/inv-cn-fix")
		return inv["total"] == "46.50"
	}, "the corrected invoice is not served")

	// A payment in another currency than its invoice is dead-lettered;
	// once the invoice is corrected, republishing the dead letter counts it.
	paidAt := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	if _, err := backoffice.Publish(context.Background(), pub, backoffice.Payments(), []backoffice.Record[*eventsv1.Payment]{backoffice.At(1,
		&eventsv1.Payment{PaymentId: "pay-usd", InvoiceId: "inv-cn-fix", AmountMinor: 4650, Currency: "USD", PaidAt: timestamppb.New(paidAt), Method: "card"})}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		refused, err = deadLetters.List(context.Background(), "invoicing")
		return err == nil && len(refused) == 2
	}, "the USD payment is not in the dead letters")
	if dl := refused[1]; !strings.Contains(dl.Reason, "payment pay-usd is in USD but invoice inv-cn-fix is in EUR") {
		t.Errorf("dead letter = %+v", dl)
	}
	fixed.Currency = "USD"
	if err := publish(3, fixed); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		_, inv := s.api(t, cloudnova, "/api/invoices/inv-cn-fix")
		return inv["currency"] == "USD"
	}, "the invoice was not corrected")
	if _, err := deadLetters.Republish(context.Background(), refused[1].Sequence); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		_, inv := s.api(t, cloudnova, "/api/invoices/inv-cn-fix")
		return inv["status"] == "paid" && inv["amountDue"] == "0.00"
	}, "the republished payment was not counted")
	if left, _ := deadLetters.List(context.Background(), "invoicing"); len(left) != 1 {
		t.Errorf("dead letters after republishing one of two: %d", len(left))
	}
}
