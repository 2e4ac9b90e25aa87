package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/services/directory/service"
)

var kit *testkit.Kit

func TestMain(m *testing.M) { testkit.Main(m, &kit) }

type env struct {
	kit *testkit.Kit
	db  string
	pub *eventbus.Bus
	// metrics of each replica
	replicas []*prometheus.Registry
}

// start runs replicas instances of the directory service over the
// package's kit, with a database of the test's own. Such tests run one
// after another: each test's services take over the shared durable
// consumers, so the consumers' counters count the test's events only.
func start(t *testing.T, replicas int) env { return startIn(t, replicas, "") }

// startParallel runs the test in parallel with the others (t.Parallel)
// and one directory service with a consumer group of the test's own: it
// projects every event of the streams into the test's database, the
// other tests' too, so its assertions name the test's ids.
func startParallel(t *testing.T) env {
	t.Helper()
	t.Parallel()
	return startIn(t, 1, "test_"+kit.DatabaseName(t))
}

func startIn(t *testing.T, replicas int, group string) env {
	t.Helper()
	e := env{kit: kit, db: kit.DatabaseName(t)}
	for range replicas {
		reg := prometheus.NewRegistry()
		svc, err := service.New(context.Background(), service.Config{NATSURL: kit.NATSURL, MongoURI: kit.MongoURI, Database: e.db,
			ConsumerGroup: group},
			slog.New(slog.DiscardHandler), reg)
		if err != nil {
			t.Fatal(err)
		}
		testkit.Run(t, svc)
		e.replicas = append(e.replicas, reg)
	}
	pub, err := eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: "test-backoffice"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	e.pub = pub
	return e
}

func (e env) publish(t *testing.T, ev eventbus.Event) {
	t.Helper()
	var subject string
	switch ev := ev.(type) {
	case *eventsv1.AccountChanged:
		subject = subjects.Accounts.Of(ev.GetAccount().GetAccountId())
	case *eventsv1.ResellerChanged:
		subject = subjects.Resellers.Of(ev.GetReseller().GetResellerId())
	}
	// Straight to JetStream: the bus would not publish a version the
	// stream holds already, and these tests' ids and versions repeat
	// from one run of the package to the next (go test -count=2).
	e.kit.PublishUnchecked(t, subject, ev)
}

func (e env) account(t *testing.T, id string) (directory.Account, error) {
	coll := e.kit.Mongo.Database(e.db).Collection(directory.AccountsCollection)
	return mongodb.FindOne[directory.Account](context.Background(), coll, bson.D{{Key: "_id", Value: id}})
}

func accountChanged(id, name string, version int64) *eventsv1.AccountChanged {
	return &eventsv1.AccountChanged{
		Meta: &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: id, Version: version},
		Account: &eventsv1.Account{AccountId: id, ResellerId: "r1", Name: name, Email: "it@acme.example",
			Status: eventsv1.AccountStatus_ACCOUNT_STATUS_ACTIVE, Currency: "EUR",
			BillingAddress: &eventsv1.PostalAddress{City: "Athens", Country: "GR"},
			PrimaryContact: &eventsv1.ResellerContacts{FirstName: "Eleni", Phone: "+302101234567"}},
	}
}

func TestProjectionIsOrderSafeAndIdempotent(t *testing.T) {
	e := start(t, 1)
	// Version 3 arrives first, then the older 2, then a replay of 3 with
	// other content (a redelivery must not change anything either). The
	// bus would not publish the older ones (the stream keeps an account's
	// newest version), so they go straight to JetStream, as a redelivery
	// or a buggy publisher would bring them, each once the one before was
	// handled.
	stale := func() float64 {
		return testkit.CounterValue(t, e.replicas[0], "events_handled_total", "outcome", "stale")
	}
	e.publish(t, accountChanged("a1", "Acme v3", 3))
	testkit.Eventually(t, 10*time.Second, func() bool { _, err := e.account(t, "a1"); return err == nil }, "version 3 not projected")
	kit.PublishUnchecked(t, subjects.Accounts.Of("a1"), accountChanged("a1", "Acme v2", 2))
	testkit.Eventually(t, 10*time.Second, func() bool { return stale() == 1 }, "version 2 not handled as stale")
	kit.PublishUnchecked(t, subjects.Accounts.Of("a1"), accountChanged("a1", "Acme v3 again", 3))
	testkit.Eventually(t, 10*time.Second, func() bool { return stale() == 2 }, "the replay of version 3 not handled as stale")

	got, err := e.account(t, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Acme v3" || got.Version != 3 || got.ResellerID != "r1" || got.Status != "active" || got.CreatedAt.IsZero() ||
		got.Currency != "EUR" || got.BillingAddress.City != "Athens" || got.PrimaryContact.FirstName != "Eleni" {
		t.Errorf("account = %+v, want version 3 as first stored", got)
	}

	e.publish(t, accountChanged("a1", "Acme v4", 4))
	testkit.Eventually(t, 10*time.Second, func() bool { a, _ := e.account(t, "a1"); return a.Version == 4 }, "version 4 not projected")
}

func TestInvalidEventIsDeadLetteredAndTheStreamMovesOn(t *testing.T) {
	e := startParallel(t)
	deadLetters := e.kit.Subscribe(t, subjects.DeadLetter("directory"))
	bad, good := "bad-"+uuid.NewString()[:8], "good-"+uuid.NewString()[:8]

	// A faulty publisher skips the rules the bus applies on publishing.
	ev := accountChanged(bad, "Bad", 1)
	ev.Account.Email = "not-an-address"
	ev.Account.Country = "ZZ"
	e.kit.PublishUnchecked(t, subjects.Accounts.Of(bad), ev)
	e.publish(t, accountChanged(good, "Good", 1))

	testkit.Eventually(t, 10*time.Second, func() bool { _, err := e.account(t, good); return err == nil }, "good event behind a bad one not projected")
	ours := func() []string { return reasons(deadLetters(), bad) }
	testkit.Eventually(t, 10*time.Second, func() bool { return len(ours()) >= 1 }, "bad event not dead-lettered")
	if reason := ours()[0]; !strings.Contains(reason, "e-mail") || !strings.Contains(reason, "ISO 3166-1") {
		t.Errorf("reason = %q", reason)
	}
	if _, err := e.account(t, bad); err == nil {
		t.Error("invalid account was stored")
	}
}

// reasons are the dead letters' reasons that name id.
func reasons(msgs []*nats.Msg, id string) []string {
	var out []string
	for _, m := range msgs {
		if r := m.Header.Get(eventbus.ReasonHeader); strings.Contains(r, `"`+id+`"`) {
			out = append(out, r)
		}
	}
	return out
}

func TestResellerProjection(t *testing.T) {
	e := startParallel(t)
	e.publish(t, &eventsv1.ResellerChanged{
		Meta: &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: "r2", Version: 1},
		Reseller: &eventsv1.Reseller{ResellerId: "r2", ParentId: "r1", Name: "Two", Currency: "EUR", Country: "BY", PriceListId: "pl-eu",
			Manager: "Алена Ратаева", Company: &eventsv1.ResellerCompany{Name: "ООО «БелСофт»", City: "Минск", Phone: "+375172222060", Fax: ""},
			Contacts:         &eventsv1.ResellerContacts{FirstName: "Иван", Email: "ivan@belsoft.example"},
			CustomAttributes: map[string]string{"inn": "191234567"}, Status: eventsv1.ResellerStatus_RESELLER_STATUS_SUSPENDED},
	})
	coll := e.kit.Mongo.Database(e.db).Collection(directory.ResellersCollection)
	var got directory.Reseller
	testkit.Eventually(t, 10*time.Second, func() bool {
		var err error
		got, err = mongodb.FindOne[directory.Reseller](context.Background(), coll, bson.D{{Key: "_id", Value: "r2"}})
		return err == nil
	}, "reseller not projected")
	if got.ParentID != "r1" || got.Name != "Two" || got.Currency != "EUR" || got.PriceListID != "pl-eu" || got.Manager != "Алена Ратаева" ||
		got.Company.City != "Минск" || got.Company.Country != "BY" || got.Contacts.FirstName != "Иван" || got.CustomAttributes["inn"] != "191234567" ||
		got.Status != "suspended" || got.Edition != "standard" {
		t.Errorf("reseller = %+v", got)
	}
}

func TestReplicasShareTheWorkAndProjectEachEventOnce(t *testing.T) {
	e := start(t, 2)
	const n = 60
	for i := range n {
		e.publish(t, accountChanged(fmt.Sprintf("acc-%02d", i), "Customer", 1))
	}
	coll := e.kit.Mongo.Database(e.db).Collection(directory.AccountsCollection)
	testkit.Eventually(t, 20*time.Second, func() bool {
		c, _ := coll.CountDocuments(context.Background(), bson.D{})
		return c == n
	}, "not all %d accounts projected", n)
	// Each replica handled a share, and together each event exactly once.
	total := 0.0
	for i, reg := range e.replicas {
		applied := testkit.CounterValue(t, reg, "events_handled_total", "outcome", "applied")
		if applied == 0 {
			t.Errorf("replica %d handled no event: the durable consumer is not shared", i)
		}
		total += applied
	}
	if total != n {
		t.Errorf("replicas applied %v events together, want %d (each once)", total, n)
	}
}

// Every account list the edge offers (scope, optional status, any sort) is
// served by an index ending with the sort key and _id.
func TestAccountIndexesServeEveryListQuery(t *testing.T) {
	e := startParallel(t)
	e.publish(t, accountChanged("idx", "Index", 1)) // creates the collection
	coll := e.kit.Mongo.Database(e.db).Collection(directory.AccountsCollection)
	testkit.Eventually(t, 10*time.Second, func() bool { _, err := e.account(t, "idx"); return err == nil }, "not projected")
	specs, err := coll.Indexes().ListSpecifications(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range directory.AccountSortFields() {
		for _, prefix := range [][]string{{"reseller_id"}, {"reseller_id", "status"}} {
			want := append(append(slices.Clone(prefix), field), "_id")
			found := false
			for _, s := range specs {
				var keys bson.D
				_ = bson.Unmarshal(s.KeysDocument, &keys)
				var names []string
				for _, k := range keys {
					names = append(names, k.Key)
				}
				found = found || slices.Equal(names, want)
			}
			if !found {
				t.Errorf("no index %v", want)
			}
		}
	}
}

// The nested profile: an older version arriving late changes nothing, and
// an invalid profile is dead-lettered with the reason and never stored.
func TestResellerProfileIsOrderSafeAndValidated(t *testing.T) {
	e := startParallel(t)
	deadLetters := e.kit.Subscribe(t, subjects.DeadLetter("directory"))
	id := "rp-" + uuid.NewString()[:8]
	profile := func(version int64, city, fax string) *eventsv1.ResellerChanged {
		return &eventsv1.ResellerChanged{
			Meta: &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: id, Version: version},
			Reseller: &eventsv1.Reseller{ResellerId: id, Name: "Profile", Company: &eventsv1.ResellerCompany{City: city, Fax: fax},
				Contacts: &eventsv1.ResellerContacts{MiddleName: "", Position: ""}},
		}
	}
	e.publish(t, profile(2, "Минск", ""))
	e.publish(t, profile(1, "Гомель", ""))
	e.kit.PublishUnchecked(t, subjects.Resellers.Of(id), profile(3, "Брест", "12-34"))
	e.publish(t, accountChanged("marker-"+id, "Marker", 1)) // a marker on the other consumer
	coll := e.kit.Mongo.Database(e.db).Collection(directory.ResellersCollection)
	testkit.Eventually(t, 10*time.Second, func() bool { return len(reasons(deadLetters(), id)) >= 1 }, "invalid profile not dead-lettered")
	testkit.Eventually(t, 10*time.Second, func() bool {
		r, err := mongodb.FindOne[directory.Reseller](context.Background(), coll, bson.D{{Key: "_id", Value: id}})
		return err == nil && r.Version == 2
	}, "profile version 2 not projected")
	r, _ := mongodb.FindOne[directory.Reseller](context.Background(), coll, bson.D{{Key: "_id", Value: id}})
	if r.Company.City != "Минск" || r.Version != 2 {
		t.Errorf("stored = %+v, want version 2 (Минск)", r)
	}
	if reason := reasons(deadLetters(), id)[0]; !strings.Contains(reason, "company.fax") {
		t.Errorf("reason = %q", reason)
	}
}

func TestARebuildFromTheCompactedStreamEqualsTheLiveReadModel(t *testing.T) {
	e := startParallel(t)
	s := uuid.NewString()[:8]
	const accounts = 20
	id := func(i int) string { return fmt.Sprintf("acc-%s-%02d", s, i) }
	for v := int64(1); v <= 3; v++ {
		for i := range accounts {
			e.publish(t, accountChanged(id(i), fmt.Sprintf("Customer %d, version %d", i, v), v))
		}
	}
	ours := bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^acc-" + s + "-"}}}}
	count := func(db string) int64 {
		n, _ := kit.Mongo.Database(db).Collection(directory.AccountsCollection).CountDocuments(context.Background(),
			append(ours, bson.E{Key: "version", Value: 3}))
		return n
	}
	testkit.Eventually(t, 20*time.Second, func() bool { return count(e.db) == accounts }, "the live projection is behind")

	// The stream keeps the latest event of every account, no more.
	nc, err := nats.Connect(kit.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := nc.JetStream()
	info, err := js.StreamInfo("DIRECTORY", &nats.StreamInfoRequest{SubjectsFilter: subjects.Accounts.Of("acc-" + s + "-*")})
	if err != nil {
		t.Fatal(err)
	}
	if len(info.State.Subjects) != accounts {
		t.Errorf("the stream holds %d of the accounts' subjects, want %d", len(info.State.Subjects), accounts)
	}
	for subject, n := range info.State.Subjects {
		if n != 1 {
			t.Errorf("%s: %d messages kept, want the latest only", subject, n)
		}
	}

	// A new consumer group over a new database projects the stream from
	// its start: the rebuilt collection equals the live one.
	rebuilt := kit.DatabaseName(t)
	svc, err := service.New(context.Background(), service.Config{NATSURL: kit.NATSURL, MongoURI: kit.MongoURI, Database: rebuilt,
		ConsumerGroup: "rebuild_" + s}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	testkit.Run(t, svc)
	testkit.Eventually(t, 20*time.Second, func() bool { return count(rebuilt) == accounts }, "the rebuild is behind")
	read := func(db string) []bson.M {
		docs, err := mongodb.FindAll[bson.M](context.Background(), kit.Mongo.Database(db).Collection(directory.AccountsCollection), ours,
			options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			t.Fatal(err)
		}
		return docs
	}
	live, again := read(e.db), read(rebuilt)
	if len(live) != accounts || !reflect.DeepEqual(live, again) {
		t.Errorf("rebuilt read model differs from the live one:\nlive    %v\nrebuilt %v", live, again)
	}
}
