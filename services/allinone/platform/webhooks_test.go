package platform_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/testkit"
	resellerapi "github.com/resellerapi/platform/sdk/go"
	"github.com/resellerapi/platform/services/backoffice"
)

// A reseller's developer, with the token its OAuth2 client got by the
// password grant, subscribes a local endpoint on the platform's public
// port; the back-office then suspends one of its accounts and the change
// arrives there signed with the secret the subscription answered, its data
// the account exactly as GET /api/accounts/{id} answers it.
func TestWebhooksEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end suite")
	}
	s := startSystem(t, t.TempDir())
	defer s.stop()
	s.activate(t)
	s.createUser(t, "res-cloudnova", "cloudnova-hooks", "Reseller-Api-2026")
	client := s.login(t, "res-cloudnova", "cloudnova-hooks", "Reseller-Api-2026")

	var mu sync.Mutex
	var got []*resellerapi.WebhookEvent
	var secret string
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		ev, err := resellerapi.VerifyWebhook(secret, body, r.Header)
		if err != nil {
			t.Errorf("a delivery that does not verify: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		got = append(got, ev)
	}))
	defer endpoint.Close()

	body, _ := json.Marshal(map[string]any{"url": endpoint.URL + "/hooks", "events": []string{"account.status_changed", "product.price_changed"}})
	req, _ := http.NewRequest("POST", s.p.URL+"/api/webhooks", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, raw := s.contract.Do(t, client, req)
	var created struct{ ID, Secret string }
	if err := json.Unmarshal(raw, &created); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("subscribe: %d %s", resp.StatusCode, raw)
	}
	mu.Lock()
	secret = created.Secret
	mu.Unlock()

	bus, err := eventbus.Connect(eventbus.Config{NATSURL: s.p.NATSURLFor("backoffice"), Service: "backoffice"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	// The demo's account, as the directory holds it, then suspended.
	testkit.Eventually(t, 15*time.Second, func() bool {
		resp, _ := s.api(t, client, "/api/accounts/acc-cn-002")
		return resp.StatusCode == 200
	}, "the demo's account acc-cn-002 never projected")
	_, before := s.api(t, client, "/api/accounts/acc-cn-002")
	if _, err := backoffice.Publish(context.Background(), backoffice.NewPublisher(bus), backoffice.Accounts(), []backoffice.Record[*eventsv1.Account]{
		backoffice.At(2, &eventsv1.Account{AccountId: "acc-cn-002", ResellerId: "res-cloudnova", Name: before["name"].(string),
			Email: before["email"].(string), Status: eventsv1.AccountStatus_ACCOUNT_STATUS_SUSPENDED, Country: "GR"}),
	}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 20*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 1
	}, "account.status_changed never arrived")
	after, raw := s.contract.Do(t, client, mustRequest(t, s.p.URL+"/api/accounts/acc-cn-002"))
	mu.Lock()
	ev := got[0]
	mu.Unlock()
	if after.StatusCode != 200 || ev.Type != "account.status_changed" || !bytes.Equal(bytes.TrimSpace(raw), ev.Data) {
		t.Errorf("delivered %s %s\nGET answers %s", ev.Type, ev.Data, raw)
	}

	// The delivery log shows it delivered.
	resp, raw = s.contract.Do(t, client, mustRequest(t, s.p.URL+"/api/webhooks/"+created.ID+"/deliveries"))
	var log struct {
		Data []struct{ ID, State string }
	}
	if err := json.Unmarshal(raw, &log); err != nil || resp.StatusCode != 200 || len(log.Data) != 1 ||
		log.Data[0].ID != ev.ID || log.Data[0].State != "succeeded" {
		t.Errorf("deliveries: %d %s", resp.StatusCode, raw)
	}

	// The distributor changes a price on the reseller's list: once the
	// webhooks service has seen the demo's two lists, the new price
	// arrives as the product GET /api/products/{id} then answers.
	testkit.Eventually(t, 20*time.Second, func() bool {
		return strings.Contains(get(t, s.p.OpsURL+"/metrics"), `events_handled_total{handler="price_lists",outcome="applied",service="webhooks"} 2`)
	}, "the webhooks service never handled the demo's price lists")
	eu := backoffice.Demo().PriceLists[0] // pl-eu-partners, res-cloudnova's
	eu.Version++
	eu.State.Items[0].CostMinor += 100
	product := eu.State.Items[0].ProductId
	if _, err := backoffice.Publish(context.Background(), backoffice.NewPublisher(bus), backoffice.PriceLists(),
		[]backoffice.Record[*eventsv1.PriceList]{eu}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 20*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 2
	}, "product.price_changed never arrived: %s", debugWebhooks(t, s, product))
	mu.Lock()
	ev = got[1]
	mu.Unlock()
	after, raw = s.contract.Do(t, client, mustRequest(t, s.p.URL+"/api/products/"+product))
	if after.StatusCode != 200 || ev.Type != "product.price_changed" || !bytes.Equal(bytes.TrimSpace(raw), ev.Data) {
		t.Errorf("delivered %s %s\nGET answers %s", ev.Type, ev.Data, raw)
	}

	// Paused, a ping waits in the backlog, which the dashboard shows by
	// subscription beside the attempts and their times.
	for _, call := range []struct{ method, path, body string }{
		{"PATCH", "/api/webhooks/" + created.ID, `{"status":"paused"}`},
		{"POST", "/api/webhooks/" + created.ID + "/test", ""},
	} {
		req, _ := http.NewRequest(call.method, s.p.URL+call.path, strings.NewReader(call.body))
		if call.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if resp, raw := s.contract.Do(t, client, req); resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", call.method, call.path, resp.StatusCode, raw)
		}
	}
	metrics := get(t, s.p.OpsURL+"/metrics")
	if !strings.Contains(metrics, `webhooks_backlog_by_subscription{subscription="`+created.ID+`"} 1`) ||
		!strings.Contains(metrics, `webhooks_attempts_total{outcome="delivered"} 2`) {
		t.Errorf("webhooks metrics:\n%s", grep(metrics, "webhooks_"))
	}
	checkDashboard(t, metrics)
}

// checkDashboard fails for a metric the Grafana dashboard queries that
// the platform's metrics do not have.
func checkDashboard(t *testing.T, metrics string) {
	t.Helper()
	dashboard, err := os.ReadFile("../../../deployments/grafana/resellerapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var board struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(dashboard, &board); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	queried := 0
	for _, p := range board.Panels {
		for _, target := range p.Targets {
			for _, m := range regexp.MustCompile(`([a-z_]+)\{`).FindAllStringSubmatch(target.Expr, -1) {
				queried++
				if !regexp.MustCompile(`(?m)^` + m[1] + `[{ ]`).MatchString(metrics) {
					t.Errorf("dashboard panel %q queries %s, which no service exports", p.Title, m[1])
				}
			}
		}
	}
	if queried < 12 {
		t.Errorf("the dashboard queries %d metrics", queried)
	}
}

// grep keeps the lines of text that contain s.
func grep(text, s string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

func mustRequest(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// debugWebhooks is what the webhooks service and the catalog hold of
// product, and the queue, for a failure's message.
func debugWebhooks(t *testing.T, s *system, product string) string {
	c, err := mongo.Connect(options.Client().ApplyURI(s.p.MongoURI))
	if err != nil {
		return err.Error()
	}
	defer func() { _ = c.Disconnect(context.Background()) }()
	var out []string
	for _, q := range []struct{ db, coll string }{{"webhooks", "seen"}, {"catalog", "offers"}, {"webhooks", "deliveries"}} {
		cur, err := c.Database(q.db).Collection(q.coll).Find(context.Background(), bson.D{})
		if err != nil {
			return err.Error()
		}
		var docs []bson.M
		_ = cur.All(context.Background(), &docs)
		for _, d := range docs {
			if strings.Contains(fmt.Sprint(d), product) || q.coll == "deliveries" {
				delete(d, "body")
				out = append(out, fmt.Sprint(q.coll, d))
			}
		}
	}
	out = append(out, grep(get(t, s.p.OpsURL+"/metrics"), "handler=\"p"))
	return strings.Join(out, "\n")
}
