package service_test

import (
	"context"
	"encoding/json"
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
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/pkg/testkit"
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
	wh, _ := standardwebhooks.NewWebhook(in.secret)
	if err := wh.Verify(body, r.Header); err != nil {
		in.t.Errorf("a delivery that does not verify: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var p struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		in.t.Errorf("payload %s: %v", body, err)
	}
	in.mu.Lock()
	in.got = append(in.got, delivery{id: r.Header.Get("webhook-id"), typ: p.Type, data: p.Data})
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

// From the back-office's events to a reseller's endpoint: an account
// created and then suspended, and a downstream reseller's profile, arrive
// signed, once each, with the API's representation of the object as data.
func TestEventsReachTheResellersEndpoints(t *testing.T) {
	t.Parallel()
	db := kit.DatabaseName(t)
	svc, err := service.New(context.Background(), service.Config{
		Config:     infra.Config{NATSURL: kit.NATSURL, MongoURI: kit.MongoURI, Database: db, ConsumerGroup: "test_" + db},
		SecretsKey: []byte(strings.Repeat("s", 32)), AllowPrivateTargets: true, Workers: 4, PerEndpoint: 2,
	}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	testkit.Run(t, svc)

	run := uuid.NewString()[:8]
	parent, child, account := "res-p-"+run, "res-c-"+run, "acc-"+run
	secret, _ := adapters.NewSecret()
	parentInbox, childInbox := &inbox{t: t, secret: secret}, &inbox{t: t, secret: secret}
	for _, s := range []struct {
		reseller string
		in       *inbox
	}{{parent, parentInbox}, {child, childInbox}} {
		srv := httptest.NewServer(s.in)
		t.Cleanup(srv.Close)
		if err := svc.Store.CreateSubscription(t.Context(), domain.Subscription{ID: "sub-" + s.reseller, ResellerID: s.reseller,
			URL: srv.URL, Events: []domain.EventType{domain.AllEvents}, IncludeDownstream: true, Status: domain.Active,
			Secrets: []domain.Secret{{Value: secret}}, CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}

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
