package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
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

	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
	"github.com/resellerapi/platform/pkg/testkit"
	resellerapi "github.com/resellerapi/platform/sdk/go"
	"github.com/resellerapi/platform/services/edge/representation"
	"github.com/resellerapi/platform/services/webhooks/internal/adapters"
	"github.com/resellerapi/platform/services/webhooks/internal/domain"
	"github.com/resellerapi/platform/services/webhooks/service"
)

var kit *testkit.Kit

func TestMain(m *testing.M) { testkit.Main(m, &kit) }

type delivery struct {
	id, typ string
	data    json.RawMessage
}

// inbox is a reseller's endpoint that keeps what verifies with its secret.
type inbox struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	got    []delivery
}

func (in *inbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	// As a reseller's integration verifies it: with the Go SDK.
	ev, err := resellerapi.VerifyWebhook(in.secret, body, r.Header)
	if err != nil {
		in.t.Errorf("a delivery that does not verify: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	in.mu.Lock()
	in.got = append(in.got, delivery{id: ev.ID, typ: ev.Type, data: ev.Data})
	in.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (in *inbox) types() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []string
	for _, d := range in.got {
		out = append(out, d.typ)
	}
	return out
}

func (in *inbox) find(typ string) delivery {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, d := range in.got {
		if d.typ == typ {
			return d
		}
	}
	return delivery{}
}

// start runs a webhooks service with databases and consumers of the
// test's own; it returns the database it reads invoices from.
func start(t *testing.T) (*service.Service, string, *prometheus.Registry) {
	t.Helper()
	svc, db, reg := startWith(t, true)
	return svc, db + "_invoicing", reg
}

// startWith runs a webhooks service, with private targets allowed or not;
// it returns its database (its directory and invoicing databases are
// named after it).
func startWith(t *testing.T, allowPrivate bool) (*service.Service, string, *prometheus.Registry) {
	t.Helper()
	db := kit.DatabaseName(t)
	reg := prometheus.NewRegistry()
	svc, err := service.New(context.Background(), service.Config{
		Config:     infra.Config{NATSURL: kit.NATSURL, MongoURI: kit.MongoURI, Database: db, ConsumerGroup: "test_" + db},
		SecretsKey: []byte(strings.Repeat("s", 32)), AllowPrivateTargets: allowPrivate, Workers: 4, PerEndpoint: 2,
		DirectoryDatabase: db + "_directory", InvoicingDatabase: db + "_invoicing", Callers: callers(),
	}, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	testkit.Run(t, svc)
	return svc, db, reg
}

// subscribe gives reseller an endpoint for every event type.
func subscribe(t *testing.T, svc *service.Service, reseller string, in *inbox) {
	t.Helper()
	srv := httptest.NewServer(in)
	t.Cleanup(srv.Close)
	if err := svc.Store.CreateSubscription(t.Context(), domain.Subscription{ID: "sub-" + reseller, ResellerID: reseller,
		URL: srv.URL, Events: []domain.EventType{domain.AllEvents}, IncludeDownstream: true, Status: domain.Active,
		Secrets: []domain.Secret{{Value: in.secret}}, CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// From the back-office's events to a reseller's endpoint: an account
// created and then suspended, and a downstream reseller's profile, arrive
// signed, once each, with the API's representation of the object as data.
func TestEventsReachTheResellersEndpoints(t *testing.T) {
	t.Parallel()
	svc, _, _ := start(t)

	run := uuid.NewString()[:8]
	parent, child, account := "res-p-"+run, "res-c-"+run, "acc-"+run
	secret, _ := adapters.NewSecret()
	parentInbox, childInbox := &inbox{t: t, secret: secret}, &inbox{t: t, secret: secret}
	subscribe(t, svc, parent, parentInbox)
	subscribe(t, svc, child, childInbox)

	accountEvent := func(version int64, status eventsv1.AccountStatus) *eventsv1.AccountChanged {
		return &eventsv1.AccountChanged{
			Meta: &eventsv1.EventMeta{EventId: uuid.NewString(), OccurredAt: timestamppb.Now(), AggregateId: account, Version: version},
			Account: &eventsv1.Account{AccountId: account, ResellerId: parent, Name: "Acme", Email: "it@acme.example",
				Status: status, Currency: "EUR"},
		}
	}
	created := accountEvent(1, eventsv1.AccountStatus_ACCOUNT_STATUS_ACTIVE)
	kit.PublishUnchecked(t, subjects.Accounts.Of(account), created)
	testkit.Eventually(t, 20*time.Second, func() bool { return len(parentInbox.types()) == 1 }, "account.created")
	suspended := accountEvent(2, eventsv1.AccountStatus_ACCOUNT_STATUS_SUSPENDED)
	kit.PublishUnchecked(t, subjects.Accounts.Of(account), suspended)
	kit.PublishUnchecked(t, subjects.Accounts.Of(account), suspended) // redelivered: sent once
	profile := &eventsv1.ResellerChanged{
		Meta:     &eventsv1.EventMeta{EventId: uuid.NewString(), OccurredAt: timestamppb.Now(), AggregateId: child, Version: 1},
		Reseller: &eventsv1.Reseller{ResellerId: child, ParentId: parent, Name: "Downstream IT", Currency: "EUR", Country: "GR", Email: "ops@down.example"},
	}
	kit.PublishUnchecked(t, subjects.Resellers.Of(child), profile)

	testkit.Eventually(t, 20*time.Second, func() bool { return len(parentInbox.types()) == 3 && len(childInbox.types()) == 1 },
		"the status change and the profile, got %v and %v", parentInbox.types(), childInbox.types())
	time.Sleep(300 * time.Millisecond) // a duplicate would arrive meanwhile
	if got := parentInbox.types(); !slices.Equal(got, []string{"account.created", "account.status_changed", "reseller.updated"}) &&
		!slices.Equal(got, []string{"account.created", "reseller.updated", "account.status_changed"}) {
		t.Errorf("the parent's endpoint got %v", got)
	}
	if got := childInbox.types(); !slices.Equal(got, []string{"reseller.updated"}) {
		t.Errorf("the child's endpoint got %v", got)
	}

	// The data is the API's representation, as GET /api/accounts/{id}
	// and GET /api/v3/resellers/{id} answer it.
	wantAccount, _ := json.Marshal(representation.NewAccount(directory.AccountFromEvent(suspended), nil))
	if got := parentInbox.find("account.status_changed").data; string(got) != string(wantAccount) {
		t.Errorf("account data %s\nwant %s", got, wantAccount)
	}
	var doc representation.ResellerDocument
	if err := json.Unmarshal(childInbox.find("reseller.updated").data, &doc); err != nil || doc.Data.Id != child ||
		doc.Data.Attributes.ParentId == nil || *doc.Data.Attributes.ParentId != parent || doc.Links.Self != "/api/v3/resellers/"+child {
		t.Errorf("reseller data %+v (%v)", doc, err)
	}
	if a, b := parentInbox.find("reseller.updated").id, childInbox.find("reseller.updated").id; a == "" || a == b {
		t.Errorf("webhook-ids %q and %q: one per subscription", a, b)
	}
}

// An invoice's events wait for the invoicing service's document (its
// settlement is the invoicing service's): issued when it is stored, then a
// payment is received and the invoice paid, each with the stored invoice
// as the API shows it.
func TestInvoiceEventsCarryTheStoredInvoice(t *testing.T) {
	t.Parallel()
	svc, invoicingDB, _ := start(t)
	run := uuid.NewString()[:8]
	reseller, id, payment := "res-i-"+run, "inv-"+run, "pay-"+run
	secret, _ := adapters.NewSecret()
	in := &inbox{t: t, secret: secret}
	subscribe(t, svc, reseller, in)
	invoices := kit.Mongo.Database(invoicingDB).Collection(invoicing.InvoicesCollection)
	payments := kit.Mongo.Database(invoicingDB).Collection(invoicing.PaymentsCollection)

	issued := &eventsv1.InvoiceChanged{
		Meta: &eventsv1.EventMeta{EventId: uuid.NewString(), OccurredAt: timestamppb.Now(), AggregateId: id, Version: 1},
		Invoice: &eventsv1.Invoice{InvoiceId: id, ResellerId: reseller, Number: "INV-" + run, Currency: "EUR",
			IssueDate: "2026-11-01", DueDate: "2099-12-01", Status: eventsv1.InvoiceStatus_INVOICE_STATUS_ISSUED,
			Lines:         []*eventsv1.InvoiceLine{{LineId: "l1", Description: "Seats", Quantity: 1, UnitPriceMinor: 1000, TaxRatePercent: "24", AmountMinor: 1000}},
			SubtotalMinor: 1000, TaxMinor: 240, TotalMinor: 1240},
	}
	stored := invoicing.Invoice{ID: id, ResellerID: reseller, Number: "INV-" + run, Currency: "EUR", IssueDate: "2026-11-01", DueDate: "2099-12-01",
		Lines:         []invoicing.InvoiceLine{{LineID: "l1", Description: "Seats", Quantity: 1, UnitPriceMinor: 1000, TaxRatePercent: "24", AmountMinor: 1000}},
		SubtotalMinor: 1000, TaxMinor: 240, TotalMinor: 1240, Status: invoicing.InvoiceIssued, AmountDueMinor: 1240, Payments: []invoicing.InvoicePayment{},
		CreatedAt: time.Now().UTC().Truncate(time.Millisecond), UpdatedAt: time.Now().UTC().Truncate(time.Millisecond), Version: 1}
	// The event first: nothing can be sent until the invoicing service
	// has stored the invoice.
	kit.PublishUnchecked(t, subjects.Invoices.Of(id), issued)
	time.Sleep(300 * time.Millisecond)
	if got := in.types(); len(got) != 0 {
		t.Fatalf("sent %v before the invoice was stored", got)
	}
	if _, err := invoices.InsertOne(t.Context(), stored); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 30*time.Second, func() bool { return len(in.types()) == 1 }, "invoice.issued after the invoice was stored")

	paid := &eventsv1.PaymentChanged{
		Meta:    &eventsv1.EventMeta{EventId: uuid.NewString(), OccurredAt: timestamppb.Now(), AggregateId: payment, Version: 1},
		Payment: &eventsv1.Payment{PaymentId: payment, InvoiceId: id, AmountMinor: 1240, Currency: "EUR", PaidAt: timestamppb.Now(), Method: "card"},
	}
	stored.Status, stored.AmountPaidMinor, stored.AmountDueMinor = invoicing.InvoicePaid, 1240, 0
	stored.UpdatedAt = stored.UpdatedAt.Add(time.Second)
	stored.Payments = []invoicing.InvoicePayment{{PaymentID: payment, AmountMinor: 1240, PaidAt: stored.UpdatedAt, Method: "card", UpdatedAt: stored.UpdatedAt, Version: 1}}
	if _, err := payments.InsertOne(t.Context(), invoicing.Payment{ID: payment, InvoiceID: id, AmountMinor: 1240, Currency: "EUR", Version: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := invoices.ReplaceOne(t.Context(), bson.D{{Key: "_id", Value: id}}, stored); err != nil {
		t.Fatal(err)
	}
	kit.PublishUnchecked(t, subjects.Payments.Of(payment), paid)
	testkit.Eventually(t, 30*time.Second, func() bool { return len(in.types()) == 3 }, "payment.received and invoice.paid, got %v", in.types())
	if got := in.types(); !slices.Equal(got[1:], []string{"payment.received", "invoice.paid"}) && !slices.Equal(got[1:], []string{"invoice.paid", "payment.received"}) {
		t.Errorf("got %v", got)
	}
	want, _ := json.Marshal(mustInvoice(t, stored))
	if got := in.find("invoice.paid").data; string(got) != string(want) {
		t.Errorf("invoice data %s\nwant %s", got, want)
	}
	if got := in.find("payment.received").data; string(got) != string(want) {
		t.Errorf("payment data %s\nwant the paid invoice", got)
	}
}

func mustInvoice(t *testing.T, inv invoicing.Invoice) representation.Invoice {
	t.Helper()
	rep, err := representation.NewInvoice(inv, inv.StatusOn(time.Now().UTC().Format(time.DateOnly)), map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// The backlog gauge counts what waits per subscription, and attempts are
// counted by outcome.
func TestBacklogAndAttemptsAreMetrics(t *testing.T) {
	t.Parallel()
	svc, _, reg := start(t)
	run := uuid.NewString()[:8]
	reseller := "res-m-" + run
	secret, _ := adapters.NewSecret()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	t.Cleanup(failing.Close)
	if err := svc.Store.CreateSubscription(t.Context(), domain.Subscription{ID: "sub-" + reseller, ResellerID: reseller, URL: failing.URL,
		Events: []domain.EventType{domain.AllEvents}, Status: domain.Active, Secrets: []domain.Secret{{Value: secret}}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		id := fmt.Sprintf("acc-m-%s-%d", run, i)
		kit.PublishUnchecked(t, subjects.Accounts.Of(id), &eventsv1.AccountChanged{
			Meta:    &eventsv1.EventMeta{EventId: uuid.NewString(), OccurredAt: timestamppb.Now(), AggregateId: id, Version: 1},
			Account: &eventsv1.Account{AccountId: id, ResellerId: reseller, Name: "Acme", Status: eventsv1.AccountStatus_ACCOUNT_STATUS_ACTIVE},
		})
	}
	gauge := func() float64 {
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if f.GetName() == "webhooks_backlog_by_subscription" && l.GetValue() == "sub-"+reseller {
						return m.GetGauge().GetValue()
					}
				}
			}
		}
		return 0
	}
	testkit.Eventually(t, 20*time.Second, func() bool {
		return gauge() == 3 && testkit.CounterValue(t, reg, "webhooks_attempts_total", "outcome", "failed") >= 3
	}, "a backlog of 3 after 3 failed attempts: backlog %v", gauge())
}
