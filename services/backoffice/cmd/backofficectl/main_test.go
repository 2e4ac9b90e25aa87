package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/testkit"
)

var kit *testkit.Kit

func TestMain(m *testing.M) { testkit.Main(m, &kit) }

// unique makes an id no other test (or earlier run) has published.
func unique(id string) string { return id + "-" + uuid.NewString()[:8] }

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "input.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// published reads every event on subject from the start of its stream.
func published(t *testing.T, natsURL, subject string) []*nats.Msg {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := nc.JetStream()
	sub, err := js.SubscribeSync(subject, nats.DeliverAll(), nats.OrderedConsumer())
	if errors.Is(err, nats.ErrNoMatchingStream) {
		return nil // nothing was ever published
	}
	if err != nil {
		t.Fatal(err)
	}
	var msgs []*nats.Msg
	for {
		m, err := sub.NextMsg(300 * time.Millisecond)
		if errors.Is(err, nats.ErrTimeout) {
			return msgs
		}
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
}

func TestPublishAccountsFromFile(t *testing.T) {
	t.Setenv("NATS_URL", kit.NATSURL)
	a1, a2 := unique("a1"), unique("a2")
	path := writeFile(t, `{"accountId":"`+a1+`","resellerId":"r1","version":2,"name":"Acme","email":"it@acme.example","phone":"+302101234567","country":"GR","status":"suspended","createdAt":"2025-01-02T03:04:05Z"}
{"account_id":"`+a2+`","reseller_id":"r1","version":1,"name":"Beta"}`)

	var out bytes.Buffer
	if err := run(context.Background(), []string{"publish", "account", "--file", path}, nil, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "published 2 of 2 account events") {
		t.Errorf("output = %q", out.String())
	}

	msgs := append(published(t, kit.NATSURL, subjects.Accounts.Of(a1)), published(t, kit.NATSURL, subjects.Accounts.Of(a2))...)
	if len(msgs) != 2 {
		t.Fatalf("%d events on the stream, want 2", len(msgs))
	}
	var ev eventsv1.AccountChanged
	if err := proto.Unmarshal(msgs[0].Data, &ev); err != nil {
		t.Fatal(err)
	}
	a, m := ev.GetAccount(), ev.GetMeta()
	if a.GetAccountId() != a1 || a.GetResellerId() != "r1" || a.GetName() != "Acme" || a.GetPhone() != "+302101234567" ||
		a.GetStatus() != eventsv1.AccountStatus_ACCOUNT_STATUS_SUSPENDED || a.GetCreatedAt().AsTime().Year() != 2025 {
		t.Errorf("account = %v", a)
	}
	if m.GetAggregateId() != a1 || m.GetVersion() != 2 || m.GetOccurredAt() == nil {
		t.Errorf("meta = %v", m)
	}
	if id, err := uuid.Parse(m.GetEventId()); err != nil || id.Version() != 7 {
		t.Errorf("event id %q is not a UUIDv7", m.GetEventId())
	}
	if got := msgs[0].Header.Get("Nats-Msg-Id"); got != m.GetEventId() {
		t.Errorf("message id = %q, want the event id", got)
	}
	var second eventsv1.AccountChanged
	_ = proto.Unmarshal(msgs[1].Data, &second)
	if c := m.GetCorrelationId(); !strings.HasPrefix(c, "batch-") || second.GetMeta().GetCorrelationId() != c || msgs[0].Header.Get("correlation_id") != c {
		t.Errorf("correlation ids %q and %q (header %q): want one batch id on both events", c, second.GetMeta().GetCorrelationId(), msgs[0].Header.Get("correlation_id"))
	}
}

func TestPublishRefusesInvalidInputAndPublishesNothing(t *testing.T) {
	t.Setenv("NATS_URL", kit.NATSURL)
	good, bad := unique("r1"), unique("r2")
	path := writeFile(t, `[{"reseller_id":"`+good+`","version":1,"name":"Good"},{"reseller_id":"`+bad+`","version":1,"name":"Bad","currency":"euro"}]`)

	err := run(context.Background(), []string{"publish", "reseller", "--file", path}, nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "record 2") || !strings.Contains(err.Error(), "ISO 4217") || !strings.Contains(err.Error(), "nothing published") {
		t.Fatalf("err = %v", err)
	}
	for _, id := range []string{good, bad} {
		if msgs := published(t, kit.NATSURL, subjects.Resellers.Of(id)); len(msgs) != 0 {
			t.Fatalf("%d events of %s published from invalid input", len(msgs), id)
		}
	}
}

func TestPublishFromStdinAndSeedDemo(t *testing.T) {
	t.Setenv("NATS_URL", kit.NATSURL)
	r9 := unique("r9")
	in := strings.NewReader(`{"reseller_id":"` + r9 + `","version":1,"name":"Nine"}`)
	if err := run(context.Background(), []string{"publish", "reseller", "--file", "-"}, in, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"seed-demo"}, nil, &out); err != nil {
		t.Fatal(err)
	}
	if msgs := published(t, kit.NATSURL, subjects.Resellers.Of(r9)); len(msgs) != 1 {
		t.Errorf("%d events of %s, want 1", len(msgs), r9)
	}
	for _, id := range []string{"res-cloudnova", "res-bytebridge", "res-cloudnova-cy"} {
		if msgs := published(t, kit.NATSURL, subjects.Resellers.Of(id)); len(msgs) == 0 {
			t.Errorf("demo reseller %s not published", id)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"publish"}, {"publish", "refund", "--file", "x"}, {"publish", "account"}, {"publish", "account", "--bogus"}, {"publish", "pricelist", "--file"},
		{"dead-letters"}, {"dead-letters", "show"}, {"dead-letters", "list", "7"}, {"dead-letters", "republish"}, {"dead-letters", "republish", "x"},
		{"dead-letters", "republish", "0"}, {"dead-letters", "republish", "3", "--all"}} {
		err := run(context.Background(), args, nil, &bytes.Buffer{})
		if !errors.Is(err, errUsage) {
			t.Errorf("run(%q) = %v, want a usage error", args, err)
		}
	}
	t.Setenv("NATS_URL", "nats://127.0.0.1:1")
	err := run(context.Background(), []string{"publish", "account", "--file", "/does/not/exist"}, nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestPublishCatalog(t *testing.T) {
	t.Setenv("NATS_URL", kit.NATSURL)
	p, l := unique("p"), unique("pl")
	products := writeFile(t, `{"productId":"`+p+`","version":1,"sku":"S-1","name":"Backup","category":"Backup","vendor":"Acronis","billingType":"recurring","billingPeriod":"monthly","unit":"device"}`)
	lists := writeFile(t, `{"priceListId":"`+l+`","version":1,"name":"JP partners","currency":"JPY","items":[{"productId":"`+p+`","billingPeriod":"monthly","costMinor":1500,"retailMinor":1980}]}`)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"publish", "product", "--file", products}, nil, &out); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"publish", "pricelists", "--file", lists}, nil, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "published 1 of 1 product events") || !strings.Contains(out.String(), "published 1 of 1 price list events") {
		t.Errorf("output = %q", out.String())
	}
	msgs := published(t, kit.NATSURL, subjects.PriceLists.Of(l))
	if len(msgs) != 1 {
		t.Fatalf("%d price list events, want 1", len(msgs))
	}
	var ev eventsv1.PriceListChanged
	if err := proto.Unmarshal(msgs[0].Data, &ev); err != nil {
		t.Fatal(err)
	}
	if it := ev.GetPriceList().GetItems(); ev.GetPriceList().GetCurrency() != "JPY" || len(it) != 1 || it[0].GetCostMinor() != 1500 ||
		it[0].GetBillingPeriod() != eventsv1.BillingPeriod_BILLING_PERIOD_MONTHLY {
		t.Errorf("price list event = %v", ev.GetPriceList())
	}
	if n := len(published(t, kit.NATSURL, subjects.Products.Of(p))); n != 1 {
		t.Errorf("%d product events, want 1", n)
	}

	bad := writeFile(t, `{"priceListId":"`+unique("pl")+`","version":1,"name":"X","currency":"EUR","items":[{"productId":"p","billingPeriod":"monthly","costMinor":-1}]}`)
	err := run(context.Background(), []string{"publish", "pricelist", "--file", bad}, nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "a price cannot be negative") || !strings.Contains(err.Error(), "nothing published") {
		t.Errorf("negative price: err = %v", err)
	}
}

func TestPublishInvoiceAndPayment(t *testing.T) {
	t.Setenv("NATS_URL", kit.NATSURL)
	inv, pay := unique("inv"), unique("pay")
	invoices := writeFile(t, `{"invoice_id":"`+inv+`","reseller_id":"r1","version":1,"number":"INV-1","currency":"JPY","issue_date":"2026-11-01",
	 "due_date":"2026-11-30","subtotal_minor":3000,"tax_minor":300,"total_minor":3300,
	 "lines":[{"line_id":"l1","description":"Backup","quantity":2,"unit_price_minor":1500,"tax_rate_percent":"10","amount_minor":3000}]}`)
	payments := writeFile(t, `{"payment_id":"`+pay+`","invoice_id":"`+inv+`","version":1,"amount_minor":3300,"currency":"JPY","paid_at":"2026-11-20T10:00:00Z","method":"bank_transfer"}`)
	var out bytes.Buffer
	for _, args := range [][]string{{"publish", "invoice", "--file", invoices}, {"publish", "payments", "--file", payments}} {
		if err := run(context.Background(), args, nil, &out); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(out.String(), "published 1 of 1 invoice events") || !strings.Contains(out.String(), "published 1 of 1 payment events") {
		t.Errorf("output = %q", out.String())
	}
	msgs := published(t, kit.NATSURL, subjects.Invoices.Of(inv))
	if len(msgs) != 1 {
		t.Fatalf("%d invoice events, want 1", len(msgs))
	}
	var ev eventsv1.InvoiceChanged
	if err := proto.Unmarshal(msgs[0].Data, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.GetInvoice().GetTotalMinor() != 3300 || ev.GetInvoice().GetLines()[0].GetTaxRatePercent() != "10" {
		t.Errorf("invoice event = %v", &ev)
	}
	if n := len(published(t, kit.NATSURL, subjects.Payments.Of(pay))); n != 1 {
		t.Errorf("%d payment events, want 1", n)
	}
}

// deadLetterOf publishes a dead letter as a service's event bus does: the
// refused event's payload with the reason and the original subject.
func deadLetterOf(t *testing.T, service, subject, reason string, ev proto.Message) {
	t.Helper()
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	if err := bus.EnsureStreams(infra.Streams()...); err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(kit.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := nc.JetStream()
	data, _ := proto.Marshal(ev)
	msg := nats.NewMsg(subjects.DeadLetter(service))
	msg.Data = data
	msg.Header.Set("reason_poisoned", reason)
	msg.Header.Set("topic_poisoned", subject)
	msg.Header.Set("handler_poisoned", "payments")
	msg.Header.Set("event_type", string(ev.ProtoReflect().Descriptor().FullName()))
	if _, err := js.PublishMsg(msg); err != nil {
		t.Fatal(err)
	}
}

func TestDeadLettersListAndRepublish(t *testing.T) {
	t.Setenv("NATS_URL", kit.NATSURL)
	service := unique("svc")
	pay := unique("pay")
	ev := &eventsv1.PaymentChanged{Meta: &eventsv1.EventMeta{EventId: uuid.NewString(), AggregateId: pay, Version: 1},
		Payment: &eventsv1.Payment{PaymentId: pay, InvoiceId: "inv-1", AmountMinor: 5, Currency: "USD"}}
	deadLetterOf(t, service, subjects.Payments.Of(pay), "payment is in USD but invoice inv-1 is in EUR", ev)
	deadLetterOf(t, unique("other"), subjects.Payments.Of(pay), "another service's", ev)

	var out bytes.Buffer
	if err := run(context.Background(), []string{"dead-letters", "list", "--service", service}, nil, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], subjects.Payments.Of(pay)) || !strings.Contains(lines[1], "resellerapi.events.v1.PaymentChanged") ||
		!strings.Contains(lines[1], "is in USD but invoice inv-1 is in EUR") || lines[2] != "1 dead letters" {
		t.Fatalf("list:\n%s", out.String())
	}
	seq := strings.Fields(lines[1])[0]
	out.Reset()
	if err := run(context.Background(), []string{"dead-letters", "republish", seq}, nil, &out); err != nil {
		t.Fatal(err)
	}
	msgs := published(t, kit.NATSURL, subjects.Payments.Of(pay))
	if len(msgs) != 1 || msgs[0].Header.Get("event_type") != "resellerapi.events.v1.PaymentChanged" {
		t.Fatalf("republished: %v", msgs)
	}
	var got eventsv1.PaymentChanged
	if err := proto.Unmarshal(msgs[0].Data, &got); err != nil || got.GetPayment().GetPaymentId() != pay || got.GetMeta().GetEventId() != ev.GetMeta().GetEventId() {
		t.Errorf("republished event = %v, %v", &got, err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"dead-letters", "list", "--service", service}, nil, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "0 dead letters") {
		t.Errorf("after republishing, list:\n%s", out.String())
	}
	if err := run(context.Background(), []string{"dead-letters", "republish", seq}, nil, &out); err == nil {
		t.Error("republishing a removed dead letter succeeded")
	}
}

func FuzzDeadLetterArgs(f *testing.F) {
	for _, s := range []string{"list", "list --service invoicing", "republish 1 2 3", "republish --all --service x", "republish --all 4", "list 0", "republish -1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a, err := parseDeadLetterArgs(strings.Fields(in))
		if err != nil {
			if !errors.Is(err, errUsage) {
				t.Fatalf("%q: %v is not a usage error", in, err)
			}
			return
		}
		switch {
		case a.cmd == "list" && (a.all || len(a.seqs) > 0),
			a.cmd == "republish" && a.all == (len(a.seqs) > 0),
			a.cmd != "list" && a.cmd != "republish",
			slices.Contains(a.seqs, 0):
			t.Fatalf("%q parsed as %+v", in, a)
		}
	})
}
