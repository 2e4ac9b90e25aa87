package service_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"

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
	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/services/edge/api"
	"github.com/resellerapi/platform/services/edge/api/apitest"
	"github.com/resellerapi/platform/services/edge/service"
)

const issuer = "https://api.reseller.test"

// tokens mints access tokens the way auth does, with a key published on
// a JWKS endpoint that stands in for the auth service.
type tokens struct{ *testkit.Tokens }

func newTokens(t *testing.T) *tokens { return &tokens{testkit.NewTokens(t, issuer)} }

func (tk *tokens) mint(t *testing.T, reseller, scope string, ttl time.Duration) string {
	return tk.mintFor(t, reseller, "user-"+reseller, scope, time.Now(), ttl)
}

// mintFor mints a token of user subject of reseller, issued at iat.
func (tk *tokens) mintFor(t *testing.T, reseller, subject, scope string, iat time.Time, ttl time.Duration) string {
	return tk.mintWith(t, "rapi_test", reseller, subject, scope, iat, ttl)
}

// mintWith is mintFor with a token obtained with client.
func (tk *tokens) mintWith(t *testing.T, client, reseller, subject, scope string, iat time.Time, ttl time.Duration) string {
	return tk.Mint(t, testkit.Token{ResellerID: reseller, Subject: subject, ClientID: client, Scope: scope, IssuedAt: iat, TTL: ttl})
}

var kit *testkit.Kit

func TestMain(m *testing.M) { testkit.Main(m, &kit) }

// authEventKey signs the tests' auth events, as auth's own key does; the
// edges under test are given its public key.
var authEventKey = func() *ecdsa.PrivateKey {
	k, err := eckey.New()
	if err != nil {
		panic(err)
	}
	return k
}()

// connectAuth connects to the bus as auth does: what it publishes is
// signed with authEventKey.
func connectAuth() (*eventbus.Bus, error) {
	signer, err := eventsig.NewSigner(authEventKey)
	if err != nil {
		return nil, err
	}
	return eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: "test-auth", Signer: signer})
}

type env struct {
	srv      *httptest.Server
	contract *apitest.Contract
	tokens   *tokens
	cfg      service.Config
}

// publishResellers publishes resellers ({id, parent, price list}); by
// default those the tests' tokens belong to:
// r1 (price list pl-1) with its downstream r1-child (inheriting pl-1),
// and r2 (pl-2). (The edge knows resellers from the directory's events;
// replays are stale and change nothing.)
func publishResellers(t *testing.T, resellers ...[3]string) {
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: "test-backoffice"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	if err := bus.EnsureStreams(infra.Streams()...); err != nil {
		t.Fatal(err)
	}
	if len(resellers) == 0 {
		resellers = [][3]string{{"r1", "", "pl-1"}, {"r1-child", "r1", ""}, {"r2", "", "pl-2"}}
	}
	for _, r := range resellers {
		err := bus.Publish(context.Background(), eventbus.On(subjects.Resellers, &eventsv1.ResellerChanged{
			Meta:     &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: r[0], Version: 1},
			Reseller: &eventsv1.Reseller{ResellerId: r[0], ParentId: r[1], Name: "Reseller " + r[0], PriceListId: r[2]},
		}))
		if err != nil {
			t.Fatal(err)
		}
	}
}

func start(t *testing.T) env {
	t.Helper()
	publishResellers(t)
	db := kit.DatabaseName(t)
	// The read model as the directory writes it: 12 accounts of r1, 3 of r2.
	coll := kit.Mongo.Database(db).Collection(directory.AccountsCollection)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var docs []any
	for i := range 12 {
		status := "active"
		if i%4 == 3 {
			status = "suspended"
		}
		docs = append(docs, directory.Account{ID: fmt.Sprintf("r1-acc-%02d", i), ResellerID: "r1", Name: fmt.Sprintf("Customer %02d", i),
			Email: "it@example.test", Phone: "+302101234567", Country: "GR", Status: status,
			CreatedAt: base, UpdatedAt: base.Add(time.Duration(i) * 24 * time.Hour), Version: 1})
	}
	for i := range 3 {
		docs = append(docs, directory.Account{ID: fmt.Sprintf("r2-acc-%02d", i), ResellerID: "r2", Name: fmt.Sprintf("Other %02d", i),
			Status: "active", CreatedAt: base, UpdatedAt: base, Version: 1})
	}
	docs = append(docs, directory.Account{ID: "r1-child-acc-00", ResellerID: "r1-child", Name: "Downstream", Status: "active", CreatedAt: base, UpdatedAt: base, Version: 1})
	if _, err := coll.InsertMany(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	// The resellers as the directory writes them (the tree itself comes
	// from the events published above).
	profile := func(id, parent, name, status string) any {
		return directory.Reseller{ID: id, ParentID: parent, Name: name, Domain: id + ".example", Currency: "BYN", Manager: "Алена Ратаева",
			Company:          directory.ResellerCompany{Name: name, City: "Минск", Country: "BY", Phone: "+375252222060", Email: "example@gmail.com"},
			Contacts:         directory.ResellerContacts{FirstName: "Ivan", LastName: "Ivanov", Email: "aaaa@example.ru"},
			CustomAttributes: map[string]string{"inn": ""}, Status: status, Edition: "standard",
			CreatedAt: time.Date(2016, 8, 25, 6, 26, 12, 491_000_000, time.UTC), UpdatedAt: base, Version: 1}
	}
	if _, err := kit.Mongo.Database(db).Collection(directory.ResellersCollection).InsertMany(context.Background(), []any{
		profile("r1", "", "SL SP Root", "active"), profile("r1-child", "r1", "Child Reseller", "suspended"), profile("r2", "", "Other Root", "active"),
	}); err != nil {
		t.Fatal(err)
	}

	catalog, invoicing := kit.DatabaseName(t), kit.DatabaseName(t)
	seedOffers(t, catalog)
	seedInvoices(t, invoicing)

	tk := newTokens(t)
	cfg := service.Config{NATSURL: kit.NATSURL, MongoURI: kit.MongoURI, DirectoryDatabase: db, CatalogDatabase: catalog,
		InvoicingDatabase: invoicing, DistributorName: "Dístributor Ελλάς", PageTokenKey: bytes.Repeat([]byte{7}, 32),
		Config: callerauth.Config{Issuer: issuer, JWKSURL: tk.JWKSURL, AuthEventKeys: []*ecdsa.PublicKey{&authEventKey.PublicKey}}}
	srv := serveEdge(t, cfg)
	return env{srv: srv, contract: apitest.Load(t), tokens: tk, cfg: cfg}
}

// serveEdge starts an edge with cfg, waits until it is ready (its reseller
// tree and manager tokens caught up with their streams) and serves it.
func serveEdge(t *testing.T, cfg service.Config) *httptest.Server {
	t.Helper()
	svc, err := service.New(context.Background(), cfg, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	testkit.Eventually(t, 10*time.Second, func() bool {
		for _, check := range svc.Checks() {
			if check(context.Background()) != nil {
				return false
			}
		}
		return true
	}, "edge not ready")
	engine := httpserver.NewEngine(slog.New(slog.DiscardHandler), nil)
	svc.Register(engine)
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)
	return srv
}

// seedOffers writes the catalog's read model as the catalog service does:
// on pl-1 prod-a (active, priced now, monthly and annual, plus a future
// monthly price), prod-b (withdrawn), prod-c (priced only from next
// year), prod-e (priced until an hour ago), prod-x (priced, product not
// published yet), prod-k (KWD, 3
// digits) and prod-j (JPY, none); on pl-2 prod-z.
func seedOffers(t *testing.T, db string) {
	now := time.Now().UTC()
	past, future := now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0)
	offer := func(list, id, name, status, currency string, version int64, prices ...catalog.OfferPrice) catalog.Offer {
		o := catalog.Offer{ID: catalog.OfferID(list, id), PriceListID: list, ProductID: id, Currency: currency, Prices: prices,
			ListVersion: 1, SKU: "SKU-" + id, Name: name, Category: "Productivity", Vendor: "Microsoft", BillingType: "recurring",
			Unit: "user", Status: status, ProductVersion: version, UpdatedAt: past, AvailableFrom: time.Time{}, AvailableTo: catalog.AvailableForever}
		for _, p := range prices {
			o.BillingPeriods = append(o.BillingPeriods, p.BillingPeriod)
		}
		return o
	}
	monthly := func(cost int64) catalog.OfferPrice {
		return catalog.OfferPrice{BillingPeriod: "monthly", CostMinor: cost, RetailMinor: cost + cost/4}
	}
	a := offer("pl-1", "prod-a", "Alpha Suite", "active", "EUR", 2, monthly(1499),
		catalog.OfferPrice{BillingPeriod: "annual", CostMinor: 15000, RetailMinor: 18750, EffectiveTo: future},
		catalog.OfferPrice{BillingPeriod: "monthly", CostMinor: 9999, RetailMinor: 9999, EffectiveFrom: future})
	a.Prices[0].EffectiveTo = future
	c := offer("pl-1", "prod-c", "Coming Soon", "active", "EUR", 1, catalog.OfferPrice{BillingPeriod: "monthly", CostMinor: 100, EffectiveFrom: future})
	c.AvailableFrom = future
	expired := offer("pl-1", "prod-e", "Expired Deal", "active", "EUR", 1,
		catalog.OfferPrice{BillingPeriod: "monthly", CostMinor: 100, EffectiveFrom: past, EffectiveTo: now.Add(-time.Hour)})
	expired.AvailableFrom, expired.AvailableTo = past, now.Add(-time.Hour)
	docs := []any{
		a, c, expired,
		offer("pl-1", "prod-b", "Beta Legacy", "withdrawn", "EUR", 1, monthly(500)),
		offer("pl-1", "prod-x", "Unpublished", "", "EUR", 0, monthly(500)),
		offer("pl-1", "prod-k", "Kuwait Edition", "active", "KWD", 1, monthly(12345)),
		offer("pl-1", "prod-j", "Japan Edition", "active", "JPY", 1, monthly(1500)),
		offer("pl-2", "prod-z", "Zeta Other List", "active", "USD", 1, monthly(700)),
	}
	if _, err := kit.Mongo.Database(db).Collection(catalog.OffersCollection).InsertMany(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
}

func (e env) get(t *testing.T, path, token string, header ...string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, body := e.contract.Do(t, http.DefaultClient, req)
	var out map[string]any
	if resp.StatusCode == 200 && !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		return resp, map[string]any{"body": string(body)}
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("GET %s: body is not JSON: %s", path, body)
	}
	errorType := "application/problem+json"
	if strings.HasPrefix(path, "/api/v3/") {
		errorType = "application/vnd.api+json"
	}
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != errorType {
		t.Errorf("GET %s: error %d is not a %s document", path, resp.StatusCode, errorType)
	}
	return resp, out
}

func ids(body map[string]any) []string {
	var out []string
	for _, d := range body["data"].([]any) {
		out = append(out, d.(map[string]any)["id"].(string))
	}
	return out
}

func TestAccountsPagingAndIsolation(t *testing.T) {
	t.Parallel()
	e := start(t)
	r1 := e.tokens.mint(t, "r1", "accounts:read products:read", time.Minute)

	resp, body := e.get(t, "/api/accounts?pageIndex=2&pageSize=5", r1, "X-api-version", "3")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %v", resp.StatusCode, body)
	}
	if got := ids(body); strings.Join(got, ",") != "r1-acc-05,r1-acc-06,r1-acc-07,r1-acc-08,r1-acc-09" {
		t.Errorf("page 2 = %v", got)
	}
	p := body["pagination"].(map[string]any)
	if p["pageIndex"] != 2.0 || p["pageSize"] != 5.0 || p["totalCount"] != 12.0 || p["totalPages"] != 3.0 {
		t.Errorf("pagination = %v", p)
	}
	link := resp.Header.Get("Link")
	if !strings.Contains(link, `pageIndex=3&pageSize=5>; rel="next"`) || !strings.Contains(link, `pageIndex=1&pageSize=5>; rel="prev"`) {
		t.Errorf("Link = %q", link)
	}
	if resp.Header.Get("X-api-version") != "3" || resp.Header.Get("X-Correlation-ID") == "" {
		t.Errorf("headers = %v", resp.Header)
	}

	// Defaults: page 1 of 10, without X-api-version.
	_, body = e.get(t, "/api/accounts", r1)
	if len(ids(body)) != 10 {
		t.Errorf("default page has %d items", len(ids(body)))
	}
	// Past the end: an empty page, not an error.
	_, body = e.get(t, "/api/accounts?pageIndex=9", r1)
	if len(ids(body)) != 0 {
		t.Errorf("page 9 = %v", ids(body))
	}

	// Isolation: r2 sees only its own, and r1's accounts are 404 to it.
	r2 := e.tokens.mint(t, "r2", "accounts:read", time.Minute)
	_, body = e.get(t, "/api/accounts?pageSize=100", r2)
	if got := ids(body); len(got) != 3 || !strings.HasPrefix(got[0], "r2-") {
		t.Errorf("r2 sees %v", got)
	}
	if resp, p := e.get(t, "/api/accounts/r1-acc-00", r2); resp.StatusCode != 404 || p["type"] != "urn:resellerapi:problem:not-found" {
		t.Errorf("r2 reading r1's account: %d %v", resp.StatusCode, p)
	}
	if resp, a := e.get(t, "/api/accounts/r1-acc-03", r1); resp.StatusCode != 200 || a["status"] != "suspended" || a["resellerId"] != "r1" {
		t.Errorf("r1 reading its account: %d %v", resp.StatusCode, a)
	}
	if resp, _ := e.get(t, "/api/accounts/nope", r1); resp.StatusCode != 404 {
		t.Errorf("missing account: %d", resp.StatusCode)
	}
}

func TestAccountFilters(t *testing.T) {
	t.Parallel()
	e := start(t)
	r1 := e.tokens.mint(t, "r1", "accounts:read", time.Minute)
	for query, want := range map[string]string{
		"status=suspended":                         "r1-acc-03,r1-acc-07,r1-acc-11",
		"search=customer%200&pageSize=3":           "r1-acc-00,r1-acc-01,r1-acc-02",
		"search=.*":                                "",
		"sort=-name&pageSize=2":                    "r1-acc-11,r1-acc-10",
		"updatedSince=2026-01-11T00:00:00Z":        "r1-acc-10,r1-acc-11",
		"sort=-updatedAt&status=active&pageSize=2": "r1-acc-10,r1-acc-09",
	} {
		_, body := e.get(t, "/api/accounts?"+query, r1)
		if got := strings.Join(ids(body), ","); got != want {
			t.Errorf("%s: %s, want %s", query, got, want)
		}
	}
}

func TestErrorsAreProblemDocuments(t *testing.T) {
	t.Parallel()
	e := start(t)
	good := e.tokens.mint(t, "r1", "accounts:read", time.Minute)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forged := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"iss": issuer, "sub": "x", "rid": "r2", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix()})
	forged.Header["kid"] = e.tokens.KeyID
	forgedToken, _ := forged.SignedString(other)

	tests := []struct {
		name, path, token string
		header            []string
		status            int
		typ               string
	}{
		{"no token", "/api/accounts", "", nil, 401, "unauthorized"},
		{"garbage token", "/api/accounts", "not.a.jwt", nil, 401, "unauthorized"},
		{"expired", "/api/accounts", e.tokens.mint(t, "r1", "accounts:read", -2*time.Minute), nil, 401, "unauthorized"},
		{"forged signature", "/api/accounts", forgedToken, nil, 401, "unauthorized"},
		{"missing scope", "/api/accounts", e.tokens.mint(t, "r1", "products:read", time.Minute), nil, 403, "forbidden"},
		{"unknown reseller", "/api/accounts", e.tokens.mint(t, "r9", "accounts:read", time.Minute), nil, 403, "forbidden"},
		{"repeated param", "/api/accounts?pageSize=5&pageSize=6", good, nil, 400, "invalid-parameter"},
		{"control character", "/api/accounts?search=a%0Ab", good, nil, 400, "invalid-parameter"},
		{"bad status", "/api/accounts?status=gone", good, nil, 400, "invalid-parameter"},
		{"bad time", "/api/accounts?updatedSince=yesterday", good, nil, 400, "invalid-parameter"},
		{"bad sort", "/api/accounts?sort=email", good, nil, 400, "invalid-parameter"},
		{"too deep", "/api/accounts?pageIndex=1002&pageSize=10", good, nil, 400, "invalid-parameter"},
		{"version 2", "/api/accounts", good, []string{"X-api-version", "2"}, 400, "unsupported-api-version"},
		{"page size", "/api/accounts?pageSize=101", good, nil, 400, "invalid-parameter"},
		{"page index", "/api/accounts?pageIndex=0", good, nil, 400, "invalid-parameter"},
		{"unknown param", "/api/accounts?pagesize=5", good, nil, 400, "invalid-parameter"},
	}
	for _, tt := range tests {
		resp, p := e.get(t, tt.path, tt.token, tt.header...)
		if resp.StatusCode != tt.status || p["type"] != "urn:resellerapi:problem:"+tt.typ || p["detail"] == "" || p["instance"] != "/api/accounts" {
			t.Errorf("%s: %d %v, want %d %s", tt.name, resp.StatusCode, p, tt.status, tt.typ)
		}
	}
	if resp, p := e.get(t, "/api/accounts", good, "X-api-version", "2"); !strings.Contains(p["detail"].(string), "supported versions: 3") {
		t.Errorf("version problem = %d %v", resp.StatusCode, p)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/nothing-here", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown route: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestAPIDocs(t *testing.T) {
	t.Parallel()
	e := start(t)
	resp, err := http.Get(e.srv.URL + "/apidocs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromIoReader(resp.Body)
	_ = resp.Body.Close()
	if err != nil || doc.Paths.Find("/api/accounts") == nil || doc.Paths.Find("/oauth/token") == nil {
		t.Fatalf("served document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Errorf("served document is invalid: %v", err)
	}
	resp, err = http.Get(e.srv.URL + "/apidocs/admin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := openapi3.NewLoader().LoadFromIoReader(resp.Body)
	_ = resp.Body.Close()
	if err != nil || admin.Paths.Find("/admin/v1/api-users") == nil {
		t.Fatalf("admin document: %v", err)
	}
	resp, err = http.Get(e.srv.URL + "/apidocs/?urls.primaryName=API%20Version%203%20for%20Resellers")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `name: "API Version 3 for Resellers"`) || !strings.Contains(string(page), "/apidocs/openapi.yaml") ||
		!strings.Contains(string(page), `name: "Admin API"`) || !strings.Contains(string(page), `{url: "/api/webhooks/openapi.yaml", name: "Webhooks"}`) ||
		resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("swagger ui: %d %v %s", resp.StatusCode, resp.Header, page)
	}
	// The UI's assets are embedded, not fetched from a CDN.
	if resp, err := http.Get(e.srv.URL + "/apidocs/swagger-ui-bundle.js"); err != nil || resp.StatusCode != 200 {
		t.Errorf("swagger ui bundle: %v %v", resp, err)
	} else {
		_ = resp.Body.Close()
	}
}

// isolationCases is the isolation table: every route of the edge's document
// joins it with a row, and a test fails for a route without one. Each row
// reads, as reseller r1, an object of another reseller (r2) and of its own
// downstream reseller (r1-child), which must both be 404 exactly like a
// missing object, and lists, which must hold only r1's objects.
var isolationCases = map[string]struct {
	// caller is the reseller whose token reads (default r1).
	caller string
	scope  string
	// foreign are paths naming objects r1 may not see.
	foreign []string
	// list, if set, is a list path whose items must all be r1's.
	list string
	// mine says whether a list item is r1's (default: its resellerId is r1).
	mine func(item map[string]any) bool
	// own is a path naming an object of r1, to show the route works.
	own string
}{
	"GET /api/accounts": {scope: "accounts:read", list: "/api/accounts?pageSize=100&includeDownstream=true",
		mine: func(a map[string]any) bool { return a["resellerId"] == "r1" || a["resellerId"] == "r1-child" }},
	"GET /api/accounts/{id}": {scope: "accounts:read", foreign: []string{"/api/accounts/r2-acc-00", "/api/accounts/r1-child-acc-00"}, own: "/api/accounts/r1-acc-00"},
	"GET /api/products": {scope: "products:read", list: "/api/products?pageSize=100",
		mine: func(p map[string]any) bool {
			return slices.Contains([]string{"prod-a", "prod-k", "prod-j"}, p["id"].(string))
		}},
	"GET /api/v3/resellers": {scope: "resellers:read", list: "/api/v3/resellers?page[size]=100",
		mine: func(r map[string]any) bool { return r["id"] == "r1" || r["id"] == "r1-child" }},
	"GET /api/v3/resellers/{reseller_id}": {caller: "r1-child", scope: "resellers:read", own: "/api/v3/resellers/r1-child",
		foreign: []string{"/api/v3/resellers/r1" /* its parent */, "/api/v3/resellers/r2", "/api/v3/resellers/nope"}},
	"GET /api/v3/customer_store/resellers/{reseller_id}": {caller: "r1-child", scope: "resellers:read", own: "/api/v3/customer_store/resellers/r1-child",
		foreign: []string{"/api/v3/customer_store/resellers/r1", "/api/v3/customer_store/resellers/r2"}},
	"GET /api/invoices": {scope: "invoices:read", list: "/api/invoices?pageSize=100",
		mine: func(inv map[string]any) bool { return strings.HasPrefix(inv["id"].(string), "r1-inv-") }},
	"GET /api/invoices/{id}": {scope: "invoices:read", own: "/api/invoices/r1-inv-04",
		foreign: []string{"/api/invoices/r2-inv-01", "/api/invoices/r1-child-inv-01", "/api/invoices/nope"}},
	"GET /api/invoices/{id}/pdf": {scope: "invoices:read", own: "/api/invoices/r1-inv-04/pdf",
		foreign: []string{"/api/invoices/r2-inv-01/pdf", "/api/invoices/r1-child-inv-01/pdf", "/api/invoices/nope/pdf"}},
	"GET /api/products/{id}": {scope: "products:read", own: "/api/products/prod-a", foreign: []string{
		"/api/products/prod-z", // another list's
		"/api/products/prod-b", // withdrawn
		"/api/products/prod-c", // not priced yet
		"/api/products/prod-e", // no longer priced
		"/api/products/prod-x", // product not published
		"/api/products/nope",
	}},
}

func TestIsolation(t *testing.T) {
	t.Parallel()
	e := start(t)
	doc, err := contract.Load(api.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	// Both kinds of credentials: an OAuth access token with the route's
	// scope, and an admin manager's X-Api-Token.
	managers := map[string]string{}
	credentials := map[string]func(who, scope string) (token string, header []string){
		"bearer": func(who, scope string) (string, []string) { return e.tokens.mint(t, who, scope, time.Minute), nil },
		"manager": func(who, _ string) (string, []string) {
			if managers[who] == "" {
				managers[who] = e.managerToken(t, who, eventsv1.ManagerRole_MANAGER_ROLE_ADMIN)
			}
			return "", []string{"X-Api-Token", managers[who]}
		},
	}
	for kind, credential := range credentials {
		for _, op := range doc.Operations() {
			key := op.Method + " " + op.Path
			c, ok := isolationCases[key]
			if !ok {
				t.Errorf("%s has no row in the isolation table", key)
				continue
			}
			who := c.caller
			if who == "" {
				who = "r1"
			}
			token, header := credential(who, c.scope)
			get := func(path string) (*http.Response, map[string]any) { return e.get(t, path, token, header...) }
			for _, path := range c.foreign {
				if resp, p := get(path); resp.StatusCode != 404 || (p["type"] != "urn:resellerapi:problem:not-found" && p["errors"] == nil) {
					t.Errorf("%s, %s: %s reading %s: %d %v, want 404", kind, key, who, path, resp.StatusCode, p)
				}
			}
			if c.own != "" {
				if resp, _ := get(c.own); resp.StatusCode != 200 {
					t.Errorf("%s, %s: %s reading its own %s: %d", kind, key, who, c.own, resp.StatusCode)
				}
			}
			if c.list != "" {
				resp, body := get(c.list)
				items, _ := body["data"].([]any)
				if resp.StatusCode != 200 || len(items) == 0 {
					t.Errorf("%s, %s: %d with %d items", kind, key, resp.StatusCode, len(items))
				}
				mine := c.mine
				if mine == nil {
					mine = func(item map[string]any) bool { return item["resellerId"] == "r1" }
				}
				for _, it := range items {
					if !mine(it.(map[string]any)) {
						t.Errorf("%s, %s: r1's list holds %v", kind, key, it)
					}
				}
			}
		}
	}
}

// managerToken announces a new API token of a manager of reseller with
// role, as auth does, and returns it once the edge accepts it.
func (e env) managerToken(t *testing.T, reseller string, role eventsv1.ManagerRole) string {
	t.Helper()
	bus, err := connectAuth()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	plain := publishManagerToken(t, bus, reseller, role)
	testkit.Eventually(t, 5*time.Second, func() bool {
		resp, _ := e.get(t, "/api/v3/resellers/"+reseller, "", "X-Api-Token", plain)
		return resp.StatusCode != 401
	}, "manager token of %s not accepted", reseller)
	return plain
}

// publishManagerToken announces a new manager token on bus and returns it.
func publishManagerToken(t *testing.T, bus *eventbus.Bus, reseller string, role eventsv1.ManagerRole) string {
	t.Helper()
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

// A party that may publish on auth's subjects but does not hold auth's
// event key (an open bus, a permission too wide) announces a manager
// token of its choosing for another reseller: unsigned, or signed with a
// key of its own. The edge applies neither; a token auth announces after
// them works.
func TestForgedManagerTokensAreRefused(t *testing.T) {
	t.Parallel()
	e := start(t)
	intruder := func(signer eventbus.Signer) *eventbus.Bus {
		bus, err := eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: "intruder", Signer: signer})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = bus.Close() })
		return bus
	}
	key, err := eckey.New()
	if err != nil {
		t.Fatal(err)
	}
	own, err := eventsig.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	forged := map[string]string{
		"unsigned":            publishManagerToken(t, intruder(nil), "r2", eventsv1.ManagerRole_MANAGER_ROLE_ADMIN),
		"signed with its key": publishManagerToken(t, intruder(own), "r2", eventsv1.ManagerRole_MANAGER_ROLE_ADMIN),
	}
	e.managerToken(t, "r2", eventsv1.ManagerRole_MANAGER_ROLE_ADMIN) // followed in order: the forgeries came first
	for name, plain := range forged {
		for _, path := range []string{"/api/v3/resellers/r2", "/api/accounts"} {
			if resp, _ := e.get(t, path, "", "X-Api-Token", plain); resp.StatusCode != 401 {
				t.Errorf("forged token (%s) on %s: %d, want 401", name, path, resp.StatusCode)
			}
		}
	}
}

// A reseller registered after the edge started is known to it as soon as
// its event arrives: the tree is followed, not loaded once.
func TestNewResellerReachesTheEdge(t *testing.T) {
	t.Parallel()
	e := start(t)
	id := "r-" + uuid.NewString()[:8]
	token := e.tokens.mint(t, id, "accounts:read", time.Minute)
	if resp, _ := e.get(t, "/api/accounts", token); resp.StatusCode != 403 {
		t.Fatalf("unknown reseller: %d, want 403", resp.StatusCode)
	}
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: "test-backoffice"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	published := time.Now()
	if err := bus.Publish(context.Background(), eventbus.On(subjects.Resellers, &eventsv1.ResellerChanged{
		Meta:     &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: id, Version: 1},
		Reseller: &eventsv1.Reseller{ResellerId: id, Name: "Newcomer"},
	})); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		resp, _ := e.get(t, "/api/accounts", token)
		return resp.StatusCode == 200
	}, "the edge did not learn the new reseller")
	t.Logf("new reseller served %v after its event", time.Since(published).Round(time.Millisecond))
}

func TestProductsAtTheCallersPrices(t *testing.T) {
	t.Parallel()
	e := start(t)
	// r1-child has no list of its own: it inherits r1's.
	for _, reseller := range []string{"r1", "r1-child"} {
		token := e.tokens.mint(t, reseller, "products:read", time.Minute)
		resp, body := e.get(t, "/api/products", token)
		if got := strings.Join(ids(body), ","); resp.StatusCode != 200 || got != "prod-a,prod-j,prod-k" {
			t.Errorf("%s: %d %s, want prod-a,prod-j,prod-k (sorted by name)", reseller, resp.StatusCode, got)
		}
	}
	token := e.tokens.mint(t, "r1", "products:read", time.Minute)
	_, a := e.get(t, "/api/products/prod-a", token)
	prices, _ := a["prices"].([]any)
	// Only the prices in effect now: monthly and annual, not the future one.
	if len(prices) != 2 {
		t.Fatalf("prod-a prices = %v", a["prices"])
	}
	m := prices[0].(map[string]any)
	if m["billingPeriod"] != "monthly" || m["cost"] != "14.99" || m["retail"] != "18.73" || m["currency"] != "EUR" || m["effectiveTo"] == nil {
		t.Errorf("monthly price = %v", m)
	}
	for id, want := range map[string]string{"prod-k": "12.345", "prod-j": "1500"} {
		_, p := e.get(t, "/api/products/"+id, token)
		if cost := p["prices"].([]any)[0].(map[string]any)["cost"]; cost != want {
			t.Errorf("%s cost = %v, want %s", id, cost, want)
		}
	}
	for query, want := range map[string]string{
		"billingPeriod=annual":        "prod-a",
		"search=edition&sort=-name":   "prod-k,prod-j",
		"vendor=Microsoft&pageSize=1": "prod-a",
		"category=Security":           "",
		"billingType=usage":           "",
	} {
		_, body := e.get(t, "/api/products?"+query, token)
		if got := strings.Join(ids(body), ","); got != want {
			t.Errorf("%s: %s, want %s", query, got, want)
		}
	}
	// A reseller without any list up its tree may resell nothing.
	e.publishReseller(t, "r-nolist")
	none := e.tokens.mint(t, "r-nolist", "products:read", time.Minute)
	testkit.Eventually(t, 5*time.Second, func() bool { resp, _ := e.get(t, "/api/products", none); return resp.StatusCode == 200 }, "r-nolist unknown")
	if _, body := e.get(t, "/api/products", none); len(ids(body)) != 0 {
		t.Errorf("a reseller without a price list sees %v", ids(body))
	}
	if resp, _ := e.get(t, "/api/products/prod-a", none); resp.StatusCode != 404 {
		t.Errorf("a reseller without a price list reading prod-a: %d", resp.StatusCode)
	}
	if resp, _ := e.get(t, "/api/products", e.tokens.mint(t, "r1", "accounts:read", time.Minute)); resp.StatusCode != 403 {
		t.Errorf("without products:read: %d", resp.StatusCode)
	}
}

func (e env) publishReseller(t *testing.T, id string) { publishResellers(t, [3]string{id, "", ""}) }

// A suspended reseller's credentials are refused with the reason, and let
// in again as soon as it is active: the tree is followed, not cached.
func TestResellerStatusAndEditionReachTheEdge(t *testing.T) {
	t.Parallel()
	e := start(t)
	id := "r-" + uuid.NewString()[:8]
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: "test-backoffice"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	publish := func(version int64, status eventsv1.ResellerStatus, edition eventsv1.ResellerEdition) {
		t.Helper()
		if err := bus.Publish(context.Background(), eventbus.On(subjects.Resellers, &eventsv1.ResellerChanged{
			Meta:     &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: id, Version: version},
			Reseller: &eventsv1.Reseller{ResellerId: id, Name: "Changing", Status: status, Edition: edition},
		})); err != nil {
			t.Fatal(err)
		}
	}
	token := e.tokens.mint(t, id, "accounts:read", time.Minute)
	refused := func(reason string) func() bool {
		return func() bool {
			resp, p := e.get(t, "/api/accounts", token)
			return resp.StatusCode == 403 && strings.Contains(fmt.Sprint(p["detail"]), reason)
		}
	}
	publish(1, eventsv1.ResellerStatus_RESELLER_STATUS_SUSPENDED, 0)
	testkit.Eventually(t, 5*time.Second, refused("suspended"), "a suspended reseller is not refused")
	publish(2, eventsv1.ResellerStatus_RESELLER_STATUS_ACTIVE, eventsv1.ResellerEdition_RESELLER_EDITION_FREE)
	testkit.Eventually(t, 5*time.Second, refused("Free edition"), "a Free-edition reseller is not refused")
	publish(3, eventsv1.ResellerStatus_RESELLER_STATUS_ACTIVE, eventsv1.ResellerEdition_RESELLER_EDITION_STANDARD)
	opened := time.Now()
	testkit.Eventually(t, 5*time.Second, func() bool { resp, _ := e.get(t, "/api/accounts", token); return resp.StatusCode == 200 },
		"moving to Standard does not open the API")
	t.Logf("the move to Standard reached the edge in %v", time.Since(opened).Round(time.Millisecond))
	publish(4, eventsv1.ResellerStatus_RESELLER_STATUS_CLOSED, eventsv1.ResellerEdition_RESELLER_EDITION_STANDARD)
	testkit.Eventually(t, 5*time.Second, refused("closed"), "a closed reseller is not refused")
}

// The JSON:API reseller documents: the seed's shape, any depth below the
// caller, JSON:API errors and media-type rules.
func TestResellerProfilesOverJSONAPI(t *testing.T) {
	t.Parallel()
	e := start(t)
	token := e.tokens.mint(t, "r1", "resellers:read", time.Minute)
	resp, doc := e.get(t, "/api/v3/customer_store/resellers/r1-child", token, "Accept", "application/vnd.api+json")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.api+json" {
		t.Fatalf("get: %d %s %v", resp.StatusCode, resp.Header.Get("Content-Type"), doc)
	}
	data := doc["data"].(map[string]any)
	attrs := data["attributes"].(map[string]any)
	company := attrs["company"].(map[string]any)
	if data["type"] != "resellers" || data["id"] != "r1-child" || attrs["parent_id"] != "r1" || company["city"] != "Минск" ||
		attrs["created_at"] != "2016-08-25T06:26:12.491Z" || company["created_at"] != attrs["created_at"] ||
		attrs["general"].(map[string]any)["manager"] != "Алена Ратаева" || doc["links"].(map[string]any)["self"] == nil {
		t.Errorf("document = %v", doc)
	}
	if _, own := e.get(t, "/api/v3/resellers/r1", token); own["data"].(map[string]any)["attributes"].(map[string]any)["parent_id"] != nil {
		t.Errorf("a top-level reseller's parent_id must be null: %v", own)
	}
	_, list := e.get(t, "/api/v3/resellers?page[size]=1&filter[status]=active", token)
	if ids := list["data"].([]any); len(ids) != 1 || list["meta"].(map[string]any)["total"] != 1.0 {
		t.Errorf("filtered list = %v", list)
	}
	_, list = e.get(t, "/api/v3/resellers?page[size]=1", token)
	links := list["links"].(map[string]any)
	if list["meta"].(map[string]any)["total"] != 2.0 || links["next"] == nil || links["prev"] != nil || !strings.Contains(links["last"].(string), "page%5Bnumber%5D=2") {
		t.Errorf("paged list = %v", list)
	}
	_, list = e.get(t, "/api/v3/resellers?filter[parent_id]=r1", token)
	if ids := list["data"].([]any); len(ids) != 1 || ids[0].(map[string]any)["id"] != "r1-child" {
		t.Errorf("filter[parent_id] = %v", list)
	}
	for _, tt := range []struct {
		name, path, token string
		header            []string
		status            int
	}{
		{"no token", "/api/v3/resellers/r1", "", nil, 401},
		{"no scope", "/api/v3/resellers/r1", e.tokens.mint(t, "r1", "accounts:read", time.Minute), nil, 403},
		{"unknown parameter", "/api/v3/resellers?page[count]=2", token, nil, 400},
		{"bad page size", "/api/v3/resellers?page[size]=500", token, nil, 400},
		{"content type with parameters", "/api/v3/resellers/r1", token, []string{"Content-Type", "application/vnd.api+json; charset=utf-8"}, 415},
		{"accept only with parameters", "/api/v3/resellers/r1", token, []string{"Accept", "application/vnd.api+json; ext=bulk"}, 406},
	} {
		resp, p := e.get(t, tt.path, tt.token, tt.header...)
		errs, _ := p["errors"].([]any)
		if resp.StatusCode != tt.status || len(errs) != 1 || errs[0].(map[string]any)["status"] != strconv.Itoa(tt.status) {
			t.Errorf("%s: %d %v, want a JSON:API error %d", tt.name, resp.StatusCode, p, tt.status)
		}
	}
	// Accepting JSON:API with parameters and without is fine.
	if resp, _ := e.get(t, "/api/v3/resellers/r1", token, "Accept", "application/vnd.api+json; ext=bulk, application/vnd.api+json"); resp.StatusCode != 200 {
		t.Errorf("mixed Accept: %d", resp.StatusCode)
	}
}

// includeDownstream widens an account list to the caller's subtree, and
// never above it.
func TestAccountsIncludeDownstream(t *testing.T) {
	t.Parallel()
	e := start(t)
	r1 := e.tokens.mint(t, "r1", "accounts:read", time.Minute)
	_, body := e.get(t, "/api/accounts?pageSize=100&includeDownstream=true", r1)
	if got := ids(body); len(got) != 13 || !slices.Contains(got, "r1-child-acc-00") {
		t.Errorf("r1 with its downstream sees %v", got)
	}
	if _, body := e.get(t, "/api/accounts?pageSize=100", r1); slices.Contains(ids(body), "r1-child-acc-00") {
		t.Error("without includeDownstream, r1 sees its downstream's accounts")
	}
	child := e.tokens.mint(t, "r1-child", "accounts:read", time.Minute)
	if _, body := e.get(t, "/api/accounts?includeDownstream=true", child); strings.Join(ids(body), ",") != "r1-child-acc-00" {
		t.Errorf("r1-child with its downstream sees %v, want only its own", ids(body))
	}
	if resp, _ := e.get(t, "/api/accounts?includeDownstream=maybe", r1); resp.StatusCode != 400 {
		t.Errorf("includeDownstream=maybe: %d, want 400", resp.StatusCode)
	}
}

// A manager's X-Api-Token: its reseller decides what it sees, its role
// what it may call; a revocation is refused as soon as its event arrives.
func TestManagerAPITokens(t *testing.T) {
	t.Parallel()
	e := start(t)
	bus, err := connectAuth()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	token := func(reseller string, role eventsv1.ManagerRole) (plain string, announce func(version int64, revoked bool)) {
		plain = "mgr_" + uuid.NewString()
		digest := sha256.Sum256([]byte(plain))
		id := "tok-" + uuid.NewString()[:8]
		return plain, func(version int64, revoked bool) {
			if err := bus.Publish(context.Background(), eventbus.On(subjects.ManagerTokens, &eventsv1.ManagerTokenChanged{
				Meta: &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: id, Version: version},
				Token: &eventsv1.ManagerToken{TokenId: id, ManagerId: "mgr-1", ResellerId: reseller, Role: role,
					DigestSha256: hex.EncodeToString(digest[:]), Revoked: revoked},
			})); err != nil {
				t.Fatal(err)
			}
		}
	}
	status := func(path, plain string) int {
		resp, _ := e.get(t, path, "", "X-Api-Token", plain)
		return resp.StatusCode
	}
	support, announceSupport := token("r1", eventsv1.ManagerRole_MANAGER_ROLE_SUPPORT)
	if got := status("/api/accounts", support); got != 401 {
		t.Errorf("a token the edge has not heard of: %d, want 401", got)
	}
	announceSupport(1, false)
	testkit.Eventually(t, 5*time.Second, func() bool { return status("/api/accounts", support) == 200 }, "support token not accepted")
	for path, want := range map[string]int{
		"/api/accounts/r1-acc-00":        200,
		"/api/accounts/r2-acc-00":        404, // another reseller's
		"/api/products":                  403, // outside the support role
		"/api/v3/resellers/r1-child":     200, // below its reseller
		"/api/v3/resellers/r2":           404,
		"/api/accounts?pageSize=200":     400,
		"/api/v3/resellers?page[size]=1": 200,
	} {
		if got := status(path, support); got != want {
			t.Errorf("support %s: %d, want %d", path, got, want)
		}
	}
	billing, announceBilling := token("r1", eventsv1.ManagerRole_MANAGER_ROLE_BILLING)
	announceBilling(1, false)
	testkit.Eventually(t, 5*time.Second, func() bool { return status("/api/products", billing) == 200 }, "billing token not accepted")
	for path, want := range map[string]int{
		"/api/accounts":              403,
		"/api/v3/resellers/r1":       200, // its own profile
		"/api/v3/resellers/r1-child": 404, // not the ones below
	} {
		if got := status(path, billing); got != want {
			t.Errorf("billing %s: %d, want %d", path, got, want)
		}
	}
	// Two credentials of two kinds, each valid on its own, are refused:
	// which one speaks for the request is not the edge's guess.
	for _, path := range []string{"/api/accounts", "/api/v3/resellers/r1"} {
		if resp, _ := e.get(t, path, e.tokens.mint(t, "r2", "accounts:read resellers:read", time.Minute), "X-Api-Token", support); resp.StatusCode != 400 {
			t.Errorf("%s with a Bearer token and an X-Api-Token: %d, want 400", path, resp.StatusCode)
		}
	}
	// A second edge replica: it rebuilds the tokens from the stream.
	replica := e.replica(t)
	if got := replica.status("/api/accounts", support); got != 200 {
		t.Errorf("second replica: support token %d, want 200", got)
	}
	announceSupport(2, true)
	revoked := time.Now()
	for i, s := range []func(string, string) int{status, replica.status} {
		testkit.Eventually(t, 5*time.Second, func() bool { return s("/api/accounts", support) == 401 }, "replica %d still accepts a revoked token", i)
	}
	t.Logf("revocation refused by both replicas %v after its event", time.Since(revoked).Round(time.Millisecond))
}

// edgeReplica is another edge process over the same stores and streams.
type edgeReplica struct {
	t   *testing.T
	url string
}

// replica starts another edge like e's and waits until it is ready.
func (e env) replica(t *testing.T) edgeReplica {
	t.Helper()
	srv := serveEdge(t, e.cfg)
	return edgeReplica{t: t, url: srv.URL}
}

func (r edgeReplica) status(path, apiToken string) int {
	req, _ := http.NewRequest("GET", r.url+path, nil)
	req.Header.Set("X-Api-Token", apiToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// Moving a reseller under another parent changes who sees it at once.
func TestMoveChangesVisibility(t *testing.T) {
	t.Parallel()
	e := start(t)
	s := uuid.NewString()[:8]
	moved := "moved-" + s
	publishResellers(t, [3]string{moved, "r1", ""})
	r1 := e.tokens.mint(t, "r1", "resellers:read", time.Minute)
	r2 := e.tokens.mint(t, "r2", "resellers:read", time.Minute)
	visible := func(token string) bool {
		_, list := e.get(t, "/api/v3/resellers?page[size]=100", token)
		for _, d := range list["data"].([]any) {
			if d.(map[string]any)["id"] == moved {
				return true
			}
		}
		return false
	}
	if _, err := kit.Mongo.Database(e.cfg.DirectoryDatabase).Collection(directory.ResellersCollection).InsertOne(context.Background(),
		directory.Reseller{ID: moved, ParentID: "r1", Name: "Moved", Status: "active", Version: 1}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, func() bool { return visible(r1) && !visible(r2) }, "r1 does not see its new reseller")
	// Version 2 moves it under r2.
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: "test-backoffice"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	if err := bus.Publish(context.Background(), eventbus.On(subjects.Resellers, &eventsv1.ResellerChanged{
		Meta:     &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: moved, Version: 2},
		Reseller: &eventsv1.Reseller{ResellerId: moved, ParentId: "r2", Name: "Moved"},
	})); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, func() bool { return !visible(r1) && visible(r2) }, "the move did not change who sees the reseller")
	if resp, _ := e.get(t, "/api/v3/resellers/"+moved, r1); resp.StatusCode != 404 {
		t.Errorf("its former parent reading it: %d, want 404", resp.StatusCode)
	}
}
