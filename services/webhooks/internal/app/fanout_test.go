package app_test

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/resellerapi/platform/services/webhooks/internal/adapters"
	"github.com/resellerapi/platform/services/webhooks/internal/app"
	"github.com/resellerapi/platform/services/webhooks/internal/domain"
)

// Each change goes, once however often its event is seen, to the
// subscriptions of the object's reseller that want its type (held for a
// paused one, none for a disabled one); a profile's change also goes to
// the ancestors' subscriptions that asked for downstream profiles.
func TestFanoutQueuesEachChangeOnceForThoseWhoWantIt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	secret, _ := adapters.NewSecret()
	mk := func(id, reseller string, status domain.Status, downstream bool, events ...domain.EventType) {
		sub := domain.Subscription{ID: id, ResellerID: reseller, URL: "https://hooks.example.com/" + id, Events: events,
			IncludeDownstream: downstream, Status: status, Secrets: []domain.Secret{{Value: secret}}, CreatedAt: time.Now()}
		if err := f.store.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	all := domain.EventType(domain.AllEvents)
	mk("fan-all", "res-a", domain.Active, true, all)
	mk("fan-paid", "res-a", domain.Active, false, domain.InvoicePaid)
	mk("fan-paused", "res-a", domain.Paused, false, all)
	mk("fan-disabled", "res-a", domain.Disabled, true, all)
	mk("fan-child", "res-b", domain.Active, false, all)
	fan := app.NewFanout(f.store, f.store, f.store, f.queue)

	apply := func(event string, c app.Change) int {
		t.Helper()
		c.EventID = event
		n, err := fan.Apply(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	account := func(version int64, status, digest string) app.Change {
		return app.Change{State: domain.State{Kind: "account", ID: "acc-1", Version: version, Status: status, Digest: digest, At: at},
			ResellerID: "res-a", Data: json.RawMessage(`{"id":"acc-1","status":"` + status + `"}`)}
	}
	if n := apply("e1", account(1, "active", "d1")); n != 2 {
		t.Errorf("a new account queued %d deliveries, want 2 (all and paused; not paid-only, disabled or another reseller's)", n)
	}
	if n := apply("e1", account(1, "active", "d1")); n != 0 {
		t.Errorf("the same event again queued %d", n)
	}
	if n := apply("e0", account(1, "active", "d0")); n != 0 {
		t.Errorf("an older version queued %d", n)
	}
	invoice := func(version int64, status string) app.Change {
		return app.Change{State: domain.State{Kind: "invoice", ID: "inv-1", Version: version, Status: status, Digest: status, At: at},
			ResellerID: "res-a", Data: json.RawMessage(`{"id":"inv-1"}`)}
	}
	apply("e2", invoice(1, "issued"))
	if n := apply("e3", invoice(2, "paid")); n != 3 {
		t.Errorf("a paid invoice queued %d deliveries, want 3 (with the paid-only one)", n)
	}
	profile := app.Change{State: domain.State{Kind: "reseller", ID: "res-b", Version: 1, Status: "active", Digest: "p1", At: at},
		ResellerID: "res-b", Ancestors: []string{"res-a"}, Data: json.RawMessage(`{"data":{"id":"res-b","type":"resellers"}}`)}
	if n := apply("e4", profile); n != 2 {
		t.Errorf("a downstream profile queued %d deliveries, want 2 (its own and the ancestor's that asked)", n)
	}

	types := func(sub string) []string {
		log, err := f.store.Deliveries(ctx, sub, 20)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range log {
			out = append(out, string(d.Type))
			if d.Held != (sub == "fan-paused") {
				t.Errorf("%s: %s held %v", sub, d.Type, d.Held)
			}
		}
		slices.Sort(out)
		return out
	}
	for sub, want := range map[string][]string{
		"fan-all":      {"account.created", "invoice.issued", "invoice.paid", "reseller.updated"},
		"fan-paid":     {"invoice.paid"},
		"fan-paused":   {"account.created", "invoice.issued", "invoice.paid"},
		"fan-disabled": nil,
		"fan-child":    {"reseller.updated"},
	} {
		if got := types(sub); !slices.Equal(got, want) {
			t.Errorf("%s got %v, want %v", sub, got, want)
		}
	}
	log, _ := f.store.Deliveries(ctx, "fan-child", 1)
	var body struct {
		Type      string          `json:"type"`
		Timestamp string          `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(log[0].Body, &body); err != nil || body.Type != "reseller.updated" ||
		body.Timestamp != "2026-12-06T12:00:00.000Z" || string(body.Data) != `{"data":{"id":"res-b","type":"resellers"}}` {
		t.Errorf("payload %s (%v)", log[0].Body, err)
	}
	backlog, err := f.queue.Backlog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"fan-all": 4, "fan-paid": 1, "fan-paused": 3, "fan-child": 1}; !maps.Equal(backlog, want) {
		t.Errorf("queued %v, want %v", backlog, want)
	}
}
