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
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/readmodel/catalog"
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
	svc, db, reg := startWith(t, true, nil)
	return svc, db + "_invoicing", reg
}

// startWith runs a webhooks service, with private targets allowed or not,
// verifying tokens tk mints (nil: none); it returns its database (its
// directory, invoicing and catalog databases are named after it).
func startWith(t *testing.T, allowPrivate bool, tk *testkit.Tokens) (*service.Service, string, *prometheus.Registry) {
	t.Helper()
	db := kit.DatabaseName(t)
	reg := prometheus.NewRegistry()
	svc, err := service.New(context.Background(), service.Config{
		Config:     infra.Config{NATSURL: kit.NATSURL, MongoURI: kit.MongoURI, Database: db, ConsumerGroup: "test_" + db},
		SecretsKey: []byte(strings.Repeat("s", 32)), AllowPrivateTargets: allowPrivate, Workers: 4, PerEndpoint: 2,
		DirectoryDatabase: db + "_directory", InvoicingDatabase: db + "_invoicing", CatalogDatabase: db + "_catalog",
		Callers: callers(tk), Queue: adapters.QueueConfig{Name: "wh_" + db},
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

// A price list's new prices reach the resellers buying at it, its own or
// inherited from an ancestor, as product.price_changed with the product
// as GET /api/products/{id} answers it at that list; a product withdrawn
// reaches every list's buyers; a reseller on another list hears only of
// what it could see. The catalog's documents stand in for the catalog
// service's projection (the event waits for them).
func TestProductEventsReachTheResellersBuyingAtTheList(t *testing.T) {
	t.Parallel()
	svc, db, _ := startWith(t, true, nil)
	run := uuid.NewString()[:8]
	parent, child, other := "res-p-"+run, "res-c-"+run, "res-o-"+run
	list, otherList, product := "pl-"+run, "pl-o-"+run, "prod-"+run
	resellers := kit.Mongo.Database(db + "_directory").Collection(directory.ResellersCollection)
	for _, r := range []directory.Reseller{
		{ID: parent, PriceListID: list, Status: "active", Edition: "standard", Version: 1},
		{ID: child, ParentID: parent, Status: "active", Edition: "standard", Version: 1}, // inherits list
		{ID: other, PriceListID: otherList, Status: "active", Edition: "standard", Version: 1},
	} {
		if _, err := resellers.InsertOne(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	secret, _ := adapters.NewSecret()
	inboxes := map[string]*inbox{}
	for _, r := range []string{parent, child, other} {
		inboxes[r] = &inbox{t: t, secret: secret}
		subscribe(t, svc, r, inboxes[r])
	}

	cat := kit.Mongo.Database(db + "_catalog")
	offer := func(l string, listVersion, productVersion int64, status string, monthly int64) catalog.Offer {
		return catalog.Offer{ID: catalog.OfferID(l, product), PriceListID: l, ProductID: product, Currency: "EUR",
			Prices:         []catalog.OfferPrice{{BillingPeriod: "monthly", CostMinor: monthly, RetailMinor: monthly * 3 / 2}},
			BillingPeriods: []string{"monthly"}, AvailableTo: catalog.AvailableForever, ListVersion: listVersion,
			SKU: "SKU-" + run, Name: "Backup 1 TB", Category: "backup", Vendor: "Acme", BillingType: "recurring", Unit: "seat",
			Status: status, ProductVersion: productVersion, UpdatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	}
	// The catalog's state at each version: the list, the product, the
	// offers, written before the event is handled.
	store := func(listVersion, productVersion int64, status string, monthly int64, offers ...catalog.Offer) {
		t.Helper()
		for _, d := range []struct {
			coll string
			doc  any
		}{
			{catalog.PriceListsCollection, catalog.PriceList{ID: list, Name: "Partners", Currency: "EUR", Items: 1, Version: listVersion}},
			{catalog.PriceListsCollection, catalog.PriceList{ID: otherList, Name: "Others", Currency: "EUR", Items: 1, Version: 1}},
			{catalog.ProductsCollection, catalog.Product{ID: product, SKU: "SKU-" + run, Name: "Backup 1 TB", Status: status, Version: productVersion}},
		} {
			replace(t, cat.Collection(d.coll), d.doc)
		}
		for _, o := range append(offers, offer(list, listVersion, productVersion, status, monthly)) {
			replace(t, cat.Collection(catalog.OffersCollection), o)
		}
	}
	listEvent := func(l string, version, monthly int64) *eventsv1.PriceListChanged {
		return &eventsv1.PriceListChanged{
			Meta: &eventsv1.EventMeta{EventId: uuid.NewString(), OccurredAt: timestamppb.Now(), AggregateId: l, Version: version},
			PriceList: &eventsv1.PriceList{PriceListId: l, Name: "Partners", Currency: "EUR", Items: []*eventsv1.PriceListItem{{
				ProductId: product, BillingPeriod: eventsv1.BillingPeriod_BILLING_PERIOD_MONTHLY, CostMinor: monthly, RetailMinor: monthly * 3 / 2}}},
		}
	}
	seen := func(l string) func() bool {
		return func() bool {
			s, err := svc.Store.Seen(t.Context(), "offer", catalog.OfferID(l, product))
			return err == nil && s != nil
		}
	}

	// First sight of both lists' offers: no news.
	store(1, 1, "active", 1000, offer(otherList, 1, 1, "active", 900))
	kit.PublishUnchecked(t, subjects.PriceLists.Of(list), listEvent(list, 1, 1000))
	kit.PublishUnchecked(t, subjects.PriceLists.Of(otherList), listEvent(otherList, 1, 900))
	testkit.Eventually(t, 20*time.Second, seen(list), "the offer of %s never seen", list)
	testkit.Eventually(t, 20*time.Second, seen(otherList), "the offer of %s never seen", otherList)

	// The list's price changes: its buyers hear of it, the other list's not.
	store(2, 1, "active", 1100, offer(otherList, 1, 1, "active", 900))
	kit.PublishUnchecked(t, subjects.PriceLists.Of(list), listEvent(list, 2, 1100))
	testkit.Eventually(t, 20*time.Second, func() bool { return len(inboxes[parent].types()) == 1 && len(inboxes[child].types()) == 1 },
		"product.price_changed to the list's buyers: %v %v", inboxes[parent].types(), inboxes[child].types())
	want, _ := representation.NewProduct(offer(list, 2, 1, "active", 1100))
	var got representation.Product
	if err := json.Unmarshal(inboxes[child].find("product.price_changed").data, &got); err != nil || got.Id != product ||
		len(got.Prices) != 1 || got.Prices[0].Cost != want.Prices[0].Cost || got.Prices[0].Cost != "11.00" {
		t.Errorf("the inheriting reseller got %+v (%v), want the price at its parent's list %+v", got, err, want.Prices)
	}

	// Withdrawn: every list's buyers hear of it.
	store(2, 2, "withdrawn", 1100, offer(otherList, 1, 2, "withdrawn", 900))
	kit.PublishUnchecked(t, subjects.Products.Of(product), &eventsv1.ProductChanged{
		Meta: &eventsv1.EventMeta{EventId: uuid.NewString(), OccurredAt: timestamppb.Now(), AggregateId: product, Version: 2},
		Product: &eventsv1.Product{ProductId: product, Sku: "SKU-" + run, Name: "Backup 1 TB", Category: "backup", Vendor: "Acme",
			BillingType: eventsv1.BillingType_BILLING_TYPE_RECURRING, BillingPeriod: eventsv1.BillingPeriod_BILLING_PERIOD_MONTHLY,
			Status: eventsv1.ProductStatus_PRODUCT_STATUS_WITHDRAWN},
	})
	testkit.Eventually(t, 20*time.Second, func() bool {
		return len(inboxes[parent].types()) == 2 && len(inboxes[child].types()) == 2 && len(inboxes[other].types()) == 1
	}, "product.withdrawn to every list's buyers: %v %v %v", inboxes[parent].types(), inboxes[child].types(), inboxes[other].types())
	time.Sleep(300 * time.Millisecond) // a duplicate would arrive meanwhile
	for r, want := range map[string][]string{parent: {"product.price_changed", "product.withdrawn"},
		child: {"product.price_changed", "product.withdrawn"}, other: {"product.withdrawn"}} {
		if got := inboxes[r].types(); !slices.Equal(got, want) {
			t.Errorf("%s got %v, want %v", r, got, want)
		}
	}
}

// replace stores doc by its _id, as its owning service's projection would.
func replace(t *testing.T, coll *mongo.Collection, doc any) {
	t.Helper()
	raw, err := bson.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var d bson.M
	if err := bson.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.ReplaceOne(t.Context(), bson.D{{Key: "_id", Value: d["_id"]}}, d, options.Replace().SetUpsert(true)); err != nil {
		t.Fatal(err)
	}
}
