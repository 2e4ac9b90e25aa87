package service_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/services/catalog/service"
)

var kit *testkit.Kit

func TestMain(m *testing.M) { testkit.Main(m, &kit) }

type env struct {
	db  string
	pub *eventbus.Bus
}

// start runs the test in parallel with the others and the catalog over
// the package's kit with a database and a consumer group of the test's
// own: it projects every event of the streams, the other tests' too, so
// ids carry a suffix of the test's own.
func start(t *testing.T) env {
	t.Helper()
	t.Parallel()
	e := env{db: kit.DatabaseName(t)}
	svc, err := service.New(context.Background(), service.Config{NATSURL: kit.NATSURL, MongoURI: kit.MongoURI, Database: e.db,
		ConsumerGroup: "test_" + e.db},
		slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	testkit.Run(t, svc)
	if e.pub, err = eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: "test-backoffice"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.pub.Close() })
	return e
}

func meta(id string, version int64) *eventsv1.EventMeta {
	return &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: id, Version: version}
}

func (e env) product(t *testing.T, id, name string, version int64, status eventsv1.ProductStatus) {
	t.Helper()
	err := e.pub.Publish(context.Background(), eventbus.On(subjects.Products, &eventsv1.ProductChanged{Meta: meta(id, version), Product: &eventsv1.Product{
		ProductId: id, Sku: "SKU-" + id, Name: name, Category: "Backup", Vendor: "Acronis", Unit: "device", Status: status,
		BillingType: eventsv1.BillingType_BILLING_TYPE_RECURRING, BillingPeriod: eventsv1.BillingPeriod_BILLING_PERIOD_MONTHLY,
	}}))
	if err != nil {
		t.Fatal(err)
	}
}

func item(product string, cost int64) *eventsv1.PriceListItem {
	return &eventsv1.PriceListItem{ProductId: product, BillingPeriod: eventsv1.BillingPeriod_BILLING_PERIOD_MONTHLY, CostMinor: cost, RetailMinor: cost * 2}
}

func (e env) list(t *testing.T, id, currency string, version int64, items ...*eventsv1.PriceListItem) {
	t.Helper()
	err := e.pub.Publish(context.Background(), eventbus.On(subjects.PriceLists, &eventsv1.PriceListChanged{Meta: meta(id, version),
		PriceList: &eventsv1.PriceList{PriceListId: id, Name: "List " + id, Currency: currency, Items: items}}))
	if err != nil {
		t.Fatal(err)
	}
}

func (e env) offer(list, product string) (catalog.Offer, error) {
	coll := kit.Mongo.Database(e.db).Collection(catalog.OffersCollection)
	return mongodb.FindOne[catalog.Offer](context.Background(), coll, bson.D{{Key: "_id", Value: catalog.OfferID(list, product)}})
}

// eventually waits for the offer of product in list to satisfy cond.
func (e env) eventually(t *testing.T, list, product string, cond func(catalog.Offer, error) bool, msg string) catalog.Offer {
	t.Helper()
	var o catalog.Offer
	testkit.Eventually(t, 10*time.Second, func() bool {
		var err error
		o, err = e.offer(list, product)
		return cond(o, err)
	}, "%s/%s: %s", list, product, msg)
	return o
}

func suffix() string { return uuid.NewString()[:8] }

func TestOffersJoinProductsAndPricesInEitherOrder(t *testing.T) {
	e := start(t)
	s := suffix()
	p1, p2, l := "p1-"+s, "p2-"+s, "pl-"+s
	// p1 is published before the list, p2 after it.
	e.product(t, p1, "Backup 1", 1, eventsv1.ProductStatus_PRODUCT_STATUS_ACTIVE)
	e.list(t, l, "KWD", 1, item(p1, 12345), item(p2, 7))
	o1 := e.eventually(t, l, p1, func(o catalog.Offer, err error) bool { return err == nil && o.ProductVersion == 1 }, "offer with its product")
	if o1.Name != "Backup 1" || o1.Currency != "KWD" || len(o1.Prices) != 1 || o1.Prices[0].CostMinor != 12345 || o1.Prices[0].RetailMinor != 24690 {
		t.Errorf("offer = %+v", o1)
	}
	o2 := e.eventually(t, l, p2, func(o catalog.Offer, err error) bool { return err == nil }, "offer of a product not published yet")
	if o2.ProductVersion != 0 || o2.Prices[0].CostMinor != 7 {
		t.Errorf("offer before its product = %+v", o2)
	}
	e.product(t, p2, "Backup 2", 1, eventsv1.ProductStatus_PRODUCT_STATUS_ACTIVE)
	o2 = e.eventually(t, l, p2, func(o catalog.Offer, err error) bool { return err == nil && o.ProductVersion == 1 }, "product filled in later")
	if o2.Name != "Backup 2" || o2.Vendor != "Acronis" || o2.Prices[0].CostMinor != 7 {
		t.Errorf("offer after its product = %+v", o2)
	}
}

func TestOlderAndReplayedEventsOfBothAggregatesChangeNothing(t *testing.T) {
	e := start(t)
	s := suffix()
	p, gone, l := "p-"+s, "gone-"+s, "pl-"+s
	e.product(t, p, "Version 2", 2, eventsv1.ProductStatus_PRODUCT_STATUS_WITHDRAWN)
	e.list(t, l, "EUR", 2, item(p, 500))
	e.eventually(t, l, p, func(o catalog.Offer, err error) bool { return err == nil && o.ProductVersion == 2 }, "first state")
	// Older versions of both aggregates arrive late, and version 2 again.
	e.product(t, p, "Version 1", 1, eventsv1.ProductStatus_PRODUCT_STATUS_ACTIVE)
	e.list(t, l, "EUR", 1, item(p, 1), item(gone, 1))
	e.product(t, p, "Version 2 again", 2, eventsv1.ProductStatus_PRODUCT_STATUS_ACTIVE)
	// A marker after them on each consumer: once projected, they were too.
	e.list(t, "marker-"+s, "EUR", 1, item("m-"+s, 1))
	e.product(t, "m-"+s, "Marker", 1, eventsv1.ProductStatus_PRODUCT_STATUS_ACTIVE)
	e.eventually(t, "marker-"+s, "m-"+s, func(o catalog.Offer, err error) bool { return err == nil && o.ProductVersion == 1 }, "marker")
	o, err := e.offer(l, p)
	if err != nil || o.Name != "Version 2" || o.Status != "withdrawn" || o.ListVersion != 2 || o.Prices[0].CostMinor != 500 {
		t.Errorf("offer = %+v, %v; want version 2 of both", o, err)
	}
	if _, err := e.offer(l, gone); err == nil {
		t.Error("an older list version created an offer")
	}
	// A newer list that no longer prices p removes its offer.
	e.list(t, l, "EUR", 3, item(gone, 900))
	e.eventually(t, l, p, func(_ catalog.Offer, err error) bool { return err != nil }, "offer of an unpriced product removed")
	e.eventually(t, l, gone, func(o catalog.Offer, err error) bool { return err == nil && o.Prices[0].CostMinor == 900 }, "new item")
}

func TestInvalidPriceListIsDeadLettered(t *testing.T) {
	e := start(t)
	deadLetters := kit.Subscribe(t, subjects.DeadLetter("catalog"))
	s := suffix()
	l := "pl-" + s
	bad := &eventsv1.PriceListChanged{Meta: meta(l, 1), PriceList: &eventsv1.PriceList{PriceListId: l, Name: "Bad", Currency: "XXQ",
		Items: []*eventsv1.PriceListItem{item("p-"+s, -1)}}}
	kit.PublishUnchecked(t, subjects.PriceLists.Of(l), bad)
	var reason string
	testkit.Eventually(t, 10*time.Second, func() bool {
		for _, m := range deadLetters() {
			if r := m.Header.Get(eventbus.ReasonHeader); strings.Contains(r, l) {
				reason = r
			}
		}
		return reason != ""
	}, "not dead-lettered")
	if !strings.Contains(reason, "ISO 4217") || !strings.Contains(reason, "a price cannot be negative") {
		t.Errorf("reason = %q", reason)
	}
	if _, err := e.offer(l, "p-"+s); err == nil {
		t.Error("an invalid list created an offer")
	}
}
