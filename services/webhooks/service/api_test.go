package service_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/callerauth"
	"github.com/resellerapi/platform/pkg/contract"
	"github.com/resellerapi/platform/pkg/eckey"
	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/eventsig"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/pkg/testkit"
	resellerapi "github.com/resellerapi/platform/sdk/go"
	"github.com/resellerapi/platform/services/edge/api/apitest"
	webhooksapi "github.com/resellerapi/platform/services/webhooks/api"
	"github.com/resellerapi/platform/services/webhooks/service"
)

const issuer = "https://api.reseller.test"

// authEvents signs the tests' auth events, as auth's own key does; the
// services under test are given its public key.
var authEvents = func() *ecdsa.PrivateKey {
	k, err := eckey.New()
	if err != nil {
		panic(err)
	}
	return k
}()

// callers is the service's view of auth: tokens verified with tk's key
// (nil: a test that calls no API), events with authEvents'.
func callers(tk *testkit.Tokens) callerauth.Config {
	cfg := callerauth.Config{Issuer: issuer, JWKSURL: "http://127.0.0.1:1/jwks.json", AuthEventKeys: []*ecdsa.PublicKey{&authEvents.PublicKey}}
	if tk != nil {
		cfg.JWKSURL = tk.JWKSURL
	}
	return cfg
}

// mint mints an access token of reseller with scope, as auth does.
func (e apiEnv) mint(t *testing.T, reseller, scope string) string {
	return e.tokens.Mint(t, testkit.Token{ResellerID: reseller, Subject: "user-" + reseller, ClientID: "rapi_test", Scope: scope})
}

// managerToken publishes, as auth does, an API token of a manager of
// reseller with role, and returns it.
func managerToken(t *testing.T, reseller string, role eventsv1.ManagerRole) string {
	signer, err := eventsig.NewSigner(authEvents)
	if err != nil {
		t.Fatal(err)
	}
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: "test-auth", Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	plain := "mgr_" + uuid.NewString()
	digest := sha256.Sum256([]byte(plain))
	id := "tok-" + uuid.NewString()[:8]
	if err := bus.Publish(context.Background(), eventbus.On(subjects.ManagerTokens, &eventsv1.ManagerTokenChanged{
		Meta: &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: id, Version: 1},
		Token: &eventsv1.ManagerToken{TokenId: id, ManagerId: "mgr-" + reseller, ResellerId: reseller, Role: role,
			DigestSha256: hex.EncodeToString(digest[:])},
	})); err != nil {
		t.Fatal(err)
	}
	return plain
}

// apiEnv is a webhooks service with its API on a test server.
type apiEnv struct {
	svc      *service.Service
	tokens   *testkit.Tokens
	srv      *httptest.Server
	contract *apitest.Contract
	// directory is the database the service reads resellers from.
	directory string
}

func startAPI(t *testing.T, allowPrivate bool) apiEnv {
	t.Helper()
	tokens := testkit.NewTokens(t, issuer)
	svc, db, _ := startWith(t, allowPrivate, tokens)
	engine := httpserver.NewEngine(slog.New(slog.DiscardHandler), nil)
	svc.Register(engine)
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)
	return apiEnv{svc: svc, tokens: tokens, srv: srv, contract: apitest.LoadDocuments(t, webhooksapi.OpenAPI()), directory: db + "_directory"}
}

// reseller stores a reseller as the directory projects it.
func (e apiEnv) reseller(t *testing.T, id, status string) {
	t.Helper()
	if _, err := kit.Mongo.Database(e.directory).Collection(directory.ResellersCollection).InsertOne(t.Context(),
		directory.Reseller{ID: id, Name: id, Status: status, Edition: "standard", Version: 1}); err != nil {
		t.Fatal(err)
	}
}

// call sends a request with credentials (header name and value; none when
// name is "") and checks the answer against the document.
func (e apiEnv) call(t *testing.T, method, path string, body any, name, value string) (int, []byte, http.Header) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		r = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, r)
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if name != "" {
		req.Header.Set(name, value)
	}
	resp, data := e.contract.Do(t, http.DefaultClient, req)
	return resp.StatusCode, data, resp.Header
}

// as calls with a Bearer token.
func (e apiEnv) as(t *testing.T, token, method, path string, body any) (int, []byte) {
	t.Helper()
	status, data, _ := e.call(t, method, path, body, "Authorization", "Bearer "+token)
	return status, data
}

// receiver is a reseller's endpoint: it keeps every request and answers
// 204.
type receiver struct {
	mu  sync.Mutex
	got []received
}

type received struct {
	body   []byte
	header http.Header
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, received{body: body, header: r.Header.Clone()})
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

type webhook struct {
	ID             string   `json:"id"`
	URL            string   `json:"url"`
	Events         []string `json:"events"`
	Status         string   `json:"status"`
	Secret         string   `json:"secret"`
	DisabledReason string   `json:"disabledReason"`
}

type deliveryLog struct {
	Data []struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		State    string `json:"state"`
		Attempts []struct {
			Outcome        string `json:"outcome"`
			ResponseStatus int    `json:"responseStatus"`
		} `json:"attempts"`
	} `json:"data"`
}

func decode[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return v
}

// A reseller's developer subscribes an endpoint, gets its secret once,
// pings it, pauses and resumes it, reads the delivery log, retries and
// replays deliveries (same webhook-id), rotates the secret (both sign in
// the grace period) and deletes it.
func TestTheSubscriptionsAPI(t *testing.T) {
	t.Parallel()
	e := startAPI(t, true)
	// The document is public, under the routes' prefix.
	resp, err := http.Get(e.srv.URL + "/api/webhooks/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(spec, webhooksapi.OpenAPI()) {
		t.Errorf("GET /api/webhooks/openapi.yaml: %d", resp.StatusCode)
	}
	r := "res-" + uuid.NewString()[:8]
	e.reseller(t, r, "active")
	token := e.mint(t, r, "webhooks:manage")
	rc := &receiver{}
	endpoint := httptest.NewServer(rc)
	t.Cleanup(endpoint.Close)

	status, data, header := e.call(t, "POST", "/api/webhooks",
		map[string]any{"url": endpoint.URL + "/hooks", "events": []string{"account.created", "invoice.issued"}, "description": "CRM"},
		"Authorization", "Bearer "+token)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, data)
	}
	created := decode[webhook](t, data)
	if !strings.HasPrefix(created.Secret, "whsec_") || created.Status != "active" || header.Get("Location") != "/api/webhooks/"+created.ID {
		t.Fatalf("created %+v, Location %q", created, header.Get("Location"))
	}
	path := "/api/webhooks/" + created.ID
	if status, data = e.as(t, token, "GET", path, nil); status != 200 || strings.Contains(string(data), created.Secret) {
		t.Fatalf("get: %d %s (the secret is shown only once)", status, data)
	}
	if status, data = e.as(t, token, "GET", "/api/webhooks", nil); status != 200 || len(decode[struct{ Data []webhook }](t, data).Data) != 1 {
		t.Fatalf("list: %d %s", status, data)
	}

	// A ping arrives signed with the secret.
	if status, data = e.as(t, token, "POST", path+"/test", nil); status != http.StatusAccepted {
		t.Fatalf("test: %d %s", status, data)
	}
	ping := decode[struct{ ID string }](t, data)
	testkit.Eventually(t, 20*time.Second, func() bool { return len(rc.all()) == 1 }, "the ping")
	got := rc.all()[0]
	ev, err := resellerapi.VerifyWebhook(created.Secret, got.body, got.header)
	if err != nil || ev.Type != "webhook.ping" || ev.ID != ping.ID || !strings.Contains(string(ev.Data), created.ID) {
		t.Fatalf("ping %+v: %v", ev, err)
	}

	// Paused, a ping is held; resumed, it is sent.
	if status, data = e.as(t, token, "PATCH", path, map[string]any{"status": "paused"}); status != 200 || decode[webhook](t, data).Status != "paused" {
		t.Fatalf("pause: %d %s", status, data)
	}
	if status, data = e.as(t, token, "POST", path+"/test", nil); status != http.StatusAccepted {
		t.Fatalf("test while paused: %d %s", status, data)
	}
	time.Sleep(700 * time.Millisecond) // a delivery would arrive meanwhile
	if n := len(rc.all()); n != 1 {
		t.Fatalf("%d deliveries while paused", n)
	}
	if status, data = e.as(t, token, "PATCH", path, map[string]any{"status": "active", "events": []string{"*"}}); status != 200 {
		t.Fatalf("resume: %d %s", status, data)
	}
	if w := decode[webhook](t, data); w.Status != "active" || len(w.Events) != 1 || w.Events[0] != "*" {
		t.Fatalf("resumed %+v", w)
	}
	testkit.Eventually(t, 20*time.Second, func() bool { return len(rc.all()) == 2 }, "the held ping after resuming")

	// The log shows both, delivered with the endpoint's status (recorded
	// once the endpoint has answered).
	var log deliveryLog
	testkit.Eventually(t, 20*time.Second, func() bool {
		status, data = e.as(t, token, "GET", path+"/deliveries?limit=10", nil)
		log = decode[deliveryLog](t, data)
		return status == 200 && len(log.Data) == 2 && log.Data[0].State == "succeeded" && log.Data[1].State == "succeeded"
	}, "the log of both pings: %s", data)
	for _, d := range log.Data {
		if d.State != "succeeded" || len(d.Attempts) != 1 || d.Attempts[0].ResponseStatus != 204 || d.Attempts[0].Outcome != "delivered" {
			t.Errorf("delivery %+v", d)
		}
	}

	// A retry sends the same webhook-id again.
	if status, data = e.as(t, token, "POST", path+"/deliveries/"+ping.ID+"/retry", nil); status != http.StatusAccepted {
		t.Fatalf("retry: %d %s", status, data)
	}
	testkit.Eventually(t, 20*time.Second, func() bool { return len(rc.all()) == 3 }, "the retry")
	if id := rc.all()[2].header.Get("webhook-id"); id != ping.ID {
		t.Errorf("a retry's webhook-id %q, want %q", id, ping.ID)
	}
	// A replay sends what was queued since then, with their ids.
	status, data = e.as(t, token, "POST", path+"/replay", map[string]any{"since": time.Now().Add(-time.Hour).Format(time.RFC3339)})
	if status != http.StatusAccepted || decode[struct{ Queued int }](t, data).Queued != 2 {
		t.Fatalf("replay: %d %s", status, data)
	}
	testkit.Eventually(t, 20*time.Second, func() bool { return len(rc.all()) == 5 }, "the replay")
	ids := map[string]bool{}
	for _, g := range rc.all()[3:] {
		ids[g.header.Get("webhook-id")] = true
	}
	if !ids[ping.ID] || len(ids) != 2 {
		t.Errorf("replayed webhook-ids %v", ids)
	}

	// Rotated: the next ping verifies with the new secret and the old.
	status, data = e.as(t, token, "POST", path+"/rotate-secret", map[string]any{"graceSeconds": 3600})
	rotated := decode[struct {
		Secret                  string
		PreviousSecretExpiresAt time.Time
	}](t, data)
	if status != 200 || rotated.Secret == created.Secret || !strings.HasPrefix(rotated.Secret, "whsec_") ||
		time.Until(rotated.PreviousSecretExpiresAt) < 59*time.Minute {
		t.Fatalf("rotate: %d %s", status, data)
	}
	if status, _ = e.as(t, token, "POST", path+"/test", nil); status != http.StatusAccepted {
		t.Fatalf("test after rotation: %d", status)
	}
	testkit.Eventually(t, 20*time.Second, func() bool { return len(rc.all()) == 6 }, "the ping after rotation")
	last := rc.all()[5]
	for _, secret := range []string{created.Secret, rotated.Secret} {
		if _, err := resellerapi.VerifyWebhook(secret, last.body, last.header); err != nil {
			t.Errorf("not signed with %s...: %v", secret[:10], err)
		}
	}

	if status, _ = e.as(t, token, "DELETE", path, nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d", status)
	}
	if status, _ = e.as(t, token, "GET", path, nil); status != http.StatusNotFound {
		t.Errorf("get after delete: %d", status)
	}
}

// Another reseller's subscription is a 404 on every route, exactly like
// one that does not exist, and is never listed.
func TestSubscriptionsAreTheCallersOwn(t *testing.T) {
	t.Parallel()
	e := startAPI(t, true)
	a, b := "res-a-"+uuid.NewString()[:8], "res-b-"+uuid.NewString()[:8]
	e.reseller(t, a, "active")
	e.reseller(t, b, "active")
	tokA, tokB := e.mint(t, a, "webhooks:manage"), e.mint(t, b, "webhooks:manage")
	status, data := e.as(t, tokA, "POST", "/api/webhooks", map[string]any{"url": "https://hooks.a.example/x", "events": []string{"*"}})
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, data)
	}
	id := decode[webhook](t, data).ID
	path := "/api/webhooks/" + id
	// A delivery of A's subscription, so the retry row names a real one.
	status, data = e.as(t, tokA, "POST", path+"/test", nil)
	if status != http.StatusAccepted {
		t.Fatalf("test: %d %s", status, data)
	}
	deliveryID := decode[struct{ ID string }](t, data).ID
	since := map[string]any{"since": time.Now().Add(-time.Hour).Format(time.RFC3339)}
	// One row per operation of the document that names a subscription; a
	// route added without a row fails here.
	rows := map[string]any{
		"GET /api/webhooks/{id}":                                nil,
		"PATCH /api/webhooks/{id}":                              map[string]any{"status": "paused"},
		"DELETE /api/webhooks/{id}":                             nil,
		"POST /api/webhooks/{id}/rotate-secret":                 nil,
		"POST /api/webhooks/{id}/test":                          nil,
		"GET /api/webhooks/{id}/deliveries":                     nil,
		"POST /api/webhooks/{id}/deliveries/{deliveryId}/retry": nil,
		"POST /api/webhooks/{id}/replay":                        since,
	}
	doc, err := contract.Load(webhooksapi.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range doc.Operations() {
		key := op.Method + " " + op.Path
		if !strings.Contains(op.Path, "{id}") {
			continue // the list and create routes: checked below
		}
		body, ok := rows[key]
		if !ok {
			t.Errorf("%s has no row in the isolation table", key)
			continue
		}
		for _, target := range []string{id, "wh_none"} {
			p := strings.NewReplacer("{id}", target, "{deliveryId}", deliveryID).Replace(op.Path)
			if status, data := e.as(t, tokB, op.Method, p, body); status != http.StatusNotFound {
				t.Errorf("%s %s by another reseller: %d %s, want 404 as for a missing one", op.Method, p, status, data)
			}
		}
	}
	if status, data := e.as(t, tokB, "GET", "/api/webhooks", nil); status != 200 || len(decode[struct{ Data []webhook }](t, data).Data) != 0 {
		t.Errorf("another reseller's list: %d %s", status, data)
	}
	// Still there, unchanged, for its own reseller.
	if status, data := e.as(t, tokA, "GET", path, nil); status != 200 || decode[webhook](t, data).Status != "active" {
		t.Errorf("the owner's subscription after the others' attempts: %d %s", status, data)
	}
}

// What the API refuses, each with a problem document: no or wrong
// credentials, a token without the scope, a manager whose role is not
// admin, a suspended reseller, bad URLs and event types, unknown fields,
// a body over the limit, the 26th subscription, and sending to a disabled
// one.
func TestTheSubscriptionsAPIRefuses(t *testing.T) {
	t.Parallel()
	e := startAPI(t, false)
	r, suspended := "res-"+uuid.NewString()[:8], "res-s-"+uuid.NewString()[:8]
	e.reseller(t, r, "active")
	e.reseller(t, suspended, "suspended")
	token := e.mint(t, r, "webhooks:manage")
	valid := map[string]any{"url": "https://hooks.example.com/reseller", "events": []string{"*"}}

	if status, _, header := e.call(t, "GET", "/api/webhooks", nil, "", ""); status != 401 || header.Get("WWW-Authenticate") == "" {
		t.Errorf("no credentials: %d", status)
	}
	if status, _ := e.as(t, "not-a-token", "GET", "/api/webhooks", nil); status != 401 {
		t.Errorf("a bad token: %d", status)
	}
	if status, data := e.as(t, e.mint(t, r, "accounts:read invoices:read"), "GET", "/api/webhooks", nil); status != 403 ||
		!strings.Contains(string(data), "webhooks:manage") {
		t.Errorf("a token without webhooks:manage: %d %s", status, data)
	}
	if status, _ := e.as(t, e.mint(t, suspended, "webhooks:manage"), "GET", "/api/webhooks", nil); status != 403 {
		t.Errorf("a suspended reseller: %d", status)
	}
	admin := managerToken(t, r, eventsv1.ManagerRole_MANAGER_ROLE_ADMIN)
	billing := managerToken(t, r, eventsv1.ManagerRole_MANAGER_ROLE_BILLING)
	testkit.Eventually(t, 20*time.Second, func() bool {
		status, _, _ := e.call(t, "GET", "/api/webhooks", nil, "X-Api-Token", admin)
		return status == 200
	}, "an admin manager's API token accepted")
	// The billing token was published after the admin's: it may be
	// learnt a moment later (401 until then), never accepted.
	testkit.Eventually(t, 20*time.Second, func() bool {
		status, _, _ := e.call(t, "GET", "/api/webhooks", nil, "X-Api-Token", billing)
		if status == 200 {
			t.Fatal("a billing manager's token was accepted")
		}
		return status == 403
	}, "a billing manager's API token refused with 403")

	for name, body := range map[string]any{
		"plain http without the allowance": map[string]any{"url": "http://hooks.example.com/x", "events": []string{"*"}},
		"not a URL":                        map[string]any{"url": "hooks", "events": []string{"*"}},
		"user information":                 map[string]any{"url": "https://u:p@hooks.example.com/x", "events": []string{"*"}},
		"an unknown event type":            map[string]any{"url": "https://hooks.example.com/x", "events": []string{"account.deleted"}},
		"* beside a type":                  map[string]any{"url": "https://hooks.example.com/x", "events": []string{"*", "account.created"}},
		"no events":                        map[string]any{"url": "https://hooks.example.com/x", "events": []string{}},
		"an unknown field":                 map[string]any{"url": "https://hooks.example.com/x", "events": []string{"*"}, "secret": "mine"},
		"not JSON":                         "{url:",
	} {
		status, data := e.as(t, token, "POST", "/api/webhooks", body)
		if status != 400 || !strings.Contains(string(data), "urn:resellerapi:problem:") {
			t.Errorf("%s: %d %s", name, status, data)
		}
	}
	big := map[string]any{"url": "https://hooks.example.com/x", "events": []string{"*"}, "description": strings.Repeat("x", 20<<10)}
	if status, data := e.as(t, token, "POST", "/api/webhooks", big); status != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the limit: %d %s", status, data)
	}

	var first string
	for i := range 25 {
		status, data := e.as(t, token, "POST", "/api/webhooks", valid)
		if status != http.StatusCreated {
			t.Fatalf("subscription %d: %d %s", i+1, status, data)
		}
		if i == 0 {
			first = decode[webhook](t, data).ID
		}
	}
	if status, data := e.as(t, token, "POST", "/api/webhooks", valid); status != http.StatusConflict || !strings.Contains(string(data), "25") {
		t.Errorf("the 26th subscription: %d %s", status, data)
	}

	// A disabled subscription takes no test, retry or replay until it is
	// resumed.
	if err := e.svc.Store.SetStatus(t.Context(), first, "disabled", "the endpoint answered 410 Gone", time.Now()); err != nil {
		t.Fatal(err)
	}
	status, data := e.as(t, token, "GET", "/api/webhooks/"+first, nil)
	if w := decode[webhook](t, data); status != 200 || w.Status != "disabled" || w.DisabledReason == "" {
		t.Errorf("a disabled subscription shows %d %s", status, data)
	}
	if status, data := e.as(t, token, "POST", "/api/webhooks/"+first+"/test", nil); status != http.StatusConflict {
		t.Errorf("a test of a disabled subscription: %d %s", status, data)
	}
	if status, data := e.as(t, token, "PATCH", "/api/webhooks/"+first, map[string]any{"status": "active"}); status != 200 ||
		decode[webhook](t, data).Status != "active" {
		t.Errorf("resuming a disabled subscription: %d %s", status, data)
	}
	if status, _ := e.as(t, token, "POST", "/api/webhooks/"+first+"/test", nil); status != http.StatusAccepted {
		t.Errorf("a test after resuming: %d", status)
	}
	if status, data := e.as(t, token, "PATCH", "/api/webhooks/"+first, map[string]any{"status": "disabled"}); status != 400 {
		t.Errorf("disabling by hand: %d %s", status, data)
	}
	if status, data := e.as(t, token, "POST", "/api/webhooks/"+first+"/replay",
		map[string]any{"since": time.Now().Add(-40 * 24 * time.Hour).Format(time.RFC3339)}); status != 400 {
		t.Errorf("a replay from 40 days ago: %d %s", status, data)
	}
}
