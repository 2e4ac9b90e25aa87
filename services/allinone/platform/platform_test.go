package platform_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/embedded"
	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/services/allinone/platform"
	authapi "github.com/resellerapi/platform/services/auth/api"
	"github.com/resellerapi/platform/services/backoffice"
	edgeapi "github.com/resellerapi/platform/services/edge/api"
	"github.com/resellerapi/platform/services/edge/api/apitest"
	webhooksapi "github.com/resellerapi/platform/services/webhooks/api"
)

// system is a running all-in-one platform driven as its users drive it:
// the back-office publishes events, the admin API is called with the admin
// token, resellers' developers use a real OAuth2 client.
type system struct {
	p        *platform.Platform
	contract *apitest.Contract
	stop     func()
	// observer is a NATS URL of a user who may do anything: the tests'
	// view of the bus and their faulty publishers.
	observer string
}

func startSystem(t *testing.T, dataDir string) *system {
	t.Helper()
	password := rand.Text()
	p, err := platform.Start(context.Background(), platform.Config{
		DataDir: dataDir, HTTPAddr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", NATSAddr: "127.0.0.1:0", MongoAddr: "127.0.0.1:0",
		SeedDemo: true, BcryptCost: 4, NATSUsers: []embedded.NATSUser{{Name: "observer", Password: password}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	u, _ := url.Parse(p.NATSURL)
	u.User = url.UserPassword("observer", password)
	s := &system{p: p, contract: apitest.LoadDocuments(t, edgeapi.OpenAPI(), authapi.OpenAPI(), webhooksapi.OpenAPI()), observer: u.String()}
	s.stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("platform stopped with %v", err)
		}
		p.Close()
	}
	return s
}

func (s *system) admin(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.p.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+s.p.AdminToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, raw := s.contract.Do(t, http.DefaultClient, req)
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s %s: Cache-Control %q, want no-store on admin answers", method, path, cc)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// api calls the public API with client (an OAuth2 client, or a plain one).
func (s *system) api(t *testing.T, client *http.Client, path string, header ...string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.p.URL+path, nil)
	req.Header.Set("Accept", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, raw := s.contract.Do(t, client, req)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("GET %s: %d, not JSON: %s", path, resp.StatusCode, raw)
	}
	return resp, out
}

// activate waits until auth knows the demo's resellers and generates the
// Reseller API credentials of every one of them.
func (s *system) activate(t *testing.T) {
	t.Helper()
	testkit.Eventually(t, 15*time.Second, func() bool {
		status, _ := s.admin(t, "GET", "/admin/v1/resellers/res-cloudnova/api-credentials", nil)
		return status == 200
	}, "auth never learnt reseller res-cloudnova")
	if status, _ := s.admin(t, "POST", "/admin/v1/reseller-api/credentials", nil); status != 201 {
		t.Fatalf("activate: %d", status)
	}
}

func (s *system) createUser(t *testing.T, reseller, username, password string) {
	t.Helper()
	body := map[string]string{"username": username, "email": username + "@example.test", "password": password, "confirmPassword": password}
	var status int
	var out map[string]any
	// auth learns the resellers from the directory's events: wait for it.
	testkit.Eventually(t, 15*time.Second, func() bool {
		status, out = s.admin(t, "POST", "/admin/v1/resellers/"+reseller+"/api-users", body)
		return status != http.StatusNotFound
	}, "reseller %s never known to auth", reseller)
	if status != http.StatusCreated {
		t.Fatalf("create user %s: %d %v", username, status, out)
	}
}

// login gets a token with the password grant, as a reseller's integration
// does, with its reseller's own client key and secret, and returns an
// HTTP client that sends it.
func (s *system) login(t *testing.T, reseller, username, password string) *http.Client {
	t.Helper()
	_, creds := s.admin(t, "GET", "/admin/v1/resellers/"+reseller+"/api-credentials", nil)
	oc := oauth2.Config{
		ClientID: creds["clientKey"].(string), ClientSecret: creds["clientSecret"].(string),
		Endpoint: oauth2.Endpoint{TokenURL: creds["requestTokenUrl"].(string), AuthStyle: oauth2.AuthStyleInHeader},
	}
	tok, err := oc.PasswordCredentialsToken(context.Background(), username, password)
	if err != nil {
		t.Fatalf("password grant for %s: %v", username, err)
	}
	// Token answers must not be cached (RFC 6749 section 5.1).
	req, _ := http.NewRequest("POST", creds["requestTokenUrl"].(string), strings.NewReader(url.Values{
		"grant_type": {"password"}, "username": {username}, "password": {password}}.Encode()))
	req.SetBasicAuth(oc.ClientID, oc.ClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, _ := s.contract.Do(t, http.DefaultClient, req); resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("token answer: Cache-Control %q, want no-store", resp.Header.Get("Cache-Control"))
	}
	return oc.Client(context.Background(), tok)
}

var nextLink = regexp.MustCompile(`<([^>]*)>; rel="next"`)

func TestResellerReadsItsAccountsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end suite")
	}
	dataDir := t.TempDir()
	s := startSystem(t, dataDir)
	if !s.p.Seeded {
		t.Fatal("first start did not seed the demo data")
	}

	// The distributor activates the Reseller API; the storefront shows it.
	var status int
	var creds map[string]any
	testkit.Eventually(t, 15*time.Second, func() bool {
		status, creds = s.admin(t, "GET", "/admin/v1/resellers/res-cloudnova/api-credentials", nil)
		return status != http.StatusNotFound
	}, "auth never learnt reseller res-cloudnova")
	if status != 200 || creds["clientKey"] != "--" {
		t.Fatalf("credentials before activation: %d %v", status, creds)
	}
	if status, _ := s.admin(t, "POST", "/admin/v1/reseller-api/credentials", nil); status != 201 {
		t.Fatalf("activate: %d", status)
	}
	s.createUser(t, "res-cloudnova", "cloudnova-dev", "Reseller-Api-2026")
	s.createUser(t, "res-bytebridge", "bytebridge-dev", "Another-Secret-77")
	_, users := s.admin(t, "GET", "/admin/v1/api-users", nil)
	if users["pagination"].(map[string]any)["totalCount"] != 2.0 {
		t.Errorf("api users = %v", users)
	}

	cloudnova := s.login(t, "res-cloudnova", "cloudnova-dev", "Reseller-Api-2026")
	bytebridge := s.login(t, "res-bytebridge", "bytebridge-dev", "Another-Secret-77")

	// The seed's request, then every page through the Link headers.
	var first map[string]any
	testkit.Eventually(t, 15*time.Second, func() bool {
		_, first = s.api(t, cloudnova, "/api/accounts?pageIndex=1&pageSize=10", "X-api-version", "3")
		return first["pagination"].(map[string]any)["totalCount"] == 12.0
	}, "the 12 demo accounts of res-cloudnova were not all projected")
	seen := map[string]bool{}
	next := "/api/accounts?pageIndex=1&pageSize=5"
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("Link next never ends")
		}
		resp, page := s.api(t, cloudnova, next)
		for _, a := range page["data"].([]any) {
			acc := a.(map[string]any)
			if acc["resellerId"] != "res-cloudnova" {
				t.Errorf("cloudnova sees %v", acc)
			}
			seen[acc["id"].(string)] = true
		}
		next = ""
		if m := nextLink.FindStringSubmatch(resp.Header.Get("Link")); m != nil {
			next = m[1]
		}
	}
	if len(seen) != 12 {
		t.Errorf("paging through saw %d distinct accounts, want 12", len(seen))
	}

	// Isolation: another reseller's account is a 404, its list its own.
	if resp, p := s.api(t, bytebridge, "/api/accounts/acc-cn-001"); resp.StatusCode != 404 || p["type"] != "urn:resellerapi:problem:not-found" {
		t.Errorf("bytebridge reading cloudnova's account: %d %v", resp.StatusCode, p)
	}
	if resp, a := s.api(t, cloudnova, "/api/accounts/acc-cn-001"); resp.StatusCode != 200 || a["name"] != "Acropolis Bakery" ||
		a["currency"] != "EUR" || a["billingAddress"].(map[string]any)["city"] != "Athens" || a["primaryContact"].(map[string]any)["firstName"] != "Giorgos" {
		t.Errorf("cloudnova reading its account: %d %v", resp.StatusCode, a)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		_, list := s.api(t, bytebridge, "/api/accounts")
		return list["pagination"].(map[string]any)["totalCount"] == 3.0
	}, "bytebridge does not see exactly its 3 accounts")

	// Products: each reseller sees its price list's active products at its
	// prices; another list's product is a 404.
	var products map[string]any
	testkit.Eventually(t, 15*time.Second, func() bool {
		_, products = s.api(t, cloudnova, "/api/products?pageSize=100")
		return products["pagination"].(map[string]any)["totalCount"] == 7.0
	}, "cloudnova does not see the 7 active products of the EU list: %v", products)
	if resp, p := s.api(t, cloudnova, "/api/products/prd-m365-basic"); resp.StatusCode != 200 ||
		p["prices"].([]any)[0].(map[string]any)["cost"] != "4.80" || p["prices"].([]any)[0].(map[string]any)["currency"] != "EUR" {
		t.Errorf("cloudnova reading Business Basic: %d %v", resp.StatusCode, p)
	}
	if resp, _ := s.api(t, cloudnova, "/api/products/prd-exchange-p1"); resp.StatusCode != 404 {
		t.Errorf("a withdrawn product: %d, want 404", resp.StatusCode)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		_, list := s.api(t, bytebridge, "/api/products")
		return list["pagination"].(map[string]any)["totalCount"] == 5.0
	}, "bytebridge does not see the 5 products of the US list")
	if resp, p := s.api(t, bytebridge, "/api/products/prd-m365-basic"); resp.StatusCode != 200 ||
		p["prices"].([]any)[0].(map[string]any)["cost"] != "5.00" || p["prices"].([]any)[0].(map[string]any)["currency"] != "USD" {
		t.Errorf("bytebridge reading Business Basic: %d %v", resp.StatusCode, p)
	}
	if resp, _ := s.api(t, bytebridge, "/api/products/prd-onboarding"); resp.StatusCode != 404 {
		t.Errorf("bytebridge reading a product only the EU list prices: %d, want 404", resp.StatusCode)
	}
	// The downstream reseller has no list of its own: it inherits its parent's.
	s.createUser(t, "res-cloudnova-cy", "cloudnova-cy-dev", "Cyprus-Secret-2026")
	cyprus := s.login(t, "res-cloudnova-cy", "cloudnova-cy-dev", "Cyprus-Secret-2026")
	if _, list := s.api(t, cyprus, "/api/products?pageSize=100"); list["pagination"].(map[string]any)["totalCount"] != 7.0 {
		t.Errorf("res-cloudnova-cy does not inherit the EU list: %v", list["pagination"])
	}

	// Reseller profiles over JSON:API: CloudNova sees itself and its two
	// levels below; its Cyprus reseller never sees CloudNova.
	jsonAPI := []string{"Accept", "application/vnd.api+json"}
	var tree map[string]any
	testkit.Eventually(t, 15*time.Second, func() bool {
		_, tree = s.api(t, cloudnova, "/api/v3/resellers", jsonAPI...)
		return tree["meta"].(map[string]any)["total"] == 3.0
	}, "res-cloudnova does not see its three-level tree: %v", tree)
	if resp, limassol := s.api(t, cloudnova, "/api/v3/customer_store/resellers/res-limassol-it", jsonAPI...); resp.StatusCode != 200 || limassol["data"].(map[string]any)["attributes"].(map[string]any)["parent_id"] != "res-cloudnova-cy" {
		t.Errorf("res-cloudnova reading two levels down: %d %v", resp.StatusCode, limassol)
	}
	if resp, _ := s.api(t, cyprus, "/api/v3/resellers/res-cloudnova", jsonAPI...); resp.StatusCode != 404 {
		t.Errorf("res-cloudnova-cy reading its parent: %d, want 404", resp.StatusCode)
	}
	if resp, _ := s.api(t, bytebridge, "/api/v3/resellers/res-cloudnova-cy", jsonAPI...); resp.StatusCode != 404 {
		t.Errorf("res-bytebridge reading another tree: %d, want 404", resp.StatusCode)
	}

	// A manager's API token, from the admin API to the edge and back out.
	status, manager := s.admin(t, "POST", "/admin/v1/resellers/res-cloudnova/managers", map[string]string{"name": "Sofia", "email": "sofia@cloudnova.example", "role": "support"})
	if status != 201 {
		t.Fatalf("create manager: %d %v", status, manager)
	}
	managerID := manager["id"].(string)
	status, created := s.admin(t, "POST", "/admin/v1/managers/"+managerID+"/api-tokens", nil)
	apiToken, _ := created["apiToken"].(string)
	if status != 201 || apiToken == "" {
		t.Fatalf("create API token: %d %v", status, created)
	}
	withToken := []string{"X-Api-Token", apiToken}
	testkit.Eventually(t, 10*time.Second, func() bool {
		resp, _ := s.api(t, http.DefaultClient, "/api/accounts", withToken...)
		return resp.StatusCode == 200
	}, "the edge does not accept the new API token")
	if resp, _ := s.api(t, http.DefaultClient, "/api/products", withToken...); resp.StatusCode != 403 {
		t.Errorf("a support manager reading products: %d, want 403", resp.StatusCode)
	}
	if resp, _ := s.api(t, http.DefaultClient, "/api/v3/resellers/res-limassol-it", append(withToken, jsonAPI...)...); resp.StatusCode != 200 {
		t.Errorf("a support manager reading a reseller two levels down: %d", resp.StatusCode)
	}
	if status, _ := s.admin(t, "DELETE", "/admin/v1/managers/"+managerID, nil); status != 204 {
		t.Errorf("remove manager: %d", status)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		resp, _ := s.api(t, http.DefaultClient, "/api/accounts", withToken...)
		return resp.StatusCode == 401
	}, "the token of a removed manager is still accepted")

	// An Application User disabled by the admin API: its live token is
	// refused at the edge as soon as auth's event arrives, and it cannot
	// log in again.
	s.createUser(t, "res-cloudnova", "cloudnova-temp", "Temporary-Pass-2026")
	temp := s.login(t, "res-cloudnova", "cloudnova-temp", "Temporary-Pass-2026")
	if resp, _ := s.api(t, temp, "/api/accounts"); resp.StatusCode != 200 {
		t.Fatalf("temporary user: %d", resp.StatusCode)
	}
	_, tempUsers := s.admin(t, "GET", "/admin/v1/resellers/res-cloudnova/api-users?pageSize=100", nil)
	var tempID string
	for _, u := range tempUsers["data"].([]any) {
		if u.(map[string]any)["username"] == "cloudnova-temp" {
			tempID = u.(map[string]any)["id"].(string)
		}
	}
	if status, _ := s.admin(t, "PATCH", "/admin/v1/resellers/res-cloudnova/api-users/"+tempID, map[string]any{"disabled": true}); status != 200 {
		t.Fatalf("disable: %d", status)
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		resp, _ := s.api(t, temp, "/api/accounts")
		return resp.StatusCode == 401
	}, "a disabled user's token is still accepted")

	// A token revoked by its client (RFC 7009) is refused at the edge.
	_, creds = s.admin(t, "GET", "/admin/v1/resellers/res-cloudnova/api-credentials", nil)
	oc := oauth2.Config{ClientID: creds["clientKey"].(string), ClientSecret: creds["clientSecret"].(string),
		Endpoint: oauth2.Endpoint{TokenURL: creds["requestTokenUrl"].(string), AuthStyle: oauth2.AuthStyleInHeader}}
	revocable, err := oc.PasswordCredentialsToken(context.Background(), "cloudnova-dev", "Reseller-Api-2026")
	if err != nil {
		t.Fatal(err)
	}
	revocableClient := oc.Client(context.Background(), revocable)
	if resp, _ := s.api(t, revocableClient, "/api/accounts"); resp.StatusCode != 200 {
		t.Fatalf("token before revocation: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", s.p.URL+"/oauth/revoke", strings.NewReader(url.Values{"token": {revocable.AccessToken}}.Encode()))
	req.SetBasicAuth(oc.ClientID, oc.ClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, _ := s.contract.Do(t, http.DefaultClient, req); resp.StatusCode != 200 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		resp, _ := s.api(t, revocableClient, "/api/accounts")
		return resp.StatusCode == 401
	}, "a revoked token is still accepted")
	if resp, _ := s.api(t, cloudnova, "/api/accounts"); resp.StatusCode != 200 {
		t.Errorf("another token of the same user: %d", resp.StatusCode)
	}

	// A reseller's service client (client_credentials) reads its
	// reseller's data, and is refused at the edge once deleted.
	status, svc := s.admin(t, "POST", "/admin/v1/resellers/res-bytebridge/service-clients", map[string]string{"name": "PSA sync"})
	if status != 201 {
		t.Fatalf("create service client: %d %v", status, svc)
	}
	service := (&clientcredentials.Config{ClientID: svc["clientKey"].(string), ClientSecret: svc["clientSecret"].(string),
		TokenURL: s.p.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}).Client(context.Background())
	if resp, list := s.api(t, service, "/api/accounts"); resp.StatusCode != 200 || list["pagination"].(map[string]any)["totalCount"] != 3.0 {
		t.Errorf("service client reading its reseller's accounts: %d %v", resp.StatusCode, list["pagination"])
	}
	if status, _ := s.admin(t, "DELETE", "/admin/v1/resellers/res-bytebridge/service-clients/"+svc["clientKey"].(string), nil); status != 204 {
		t.Fatalf("delete service client: %d", status)
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		resp, _ := s.api(t, service, "/api/accounts")
		return resp.StatusCode == 401
	}, "a deleted service client's token is still accepted")

	// Error cases: no token, wrong version, bad paging.
	for _, tt := range []struct {
		client *http.Client
		path   string
		header []string
		status int
	}{
		{http.DefaultClient, "/api/accounts", nil, 401},
		{cloudnova, "/api/accounts", []string{"X-api-version", "4"}, 400},
		{cloudnova, "/api/accounts?pageSize=0", nil, 400},
		{cloudnova, "/api/accounts?pageIndex=-3", nil, 400},
	} {
		if resp, p := s.api(t, tt.client, tt.path, tt.header...); resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %v: %d %v, want %d problem", tt.path, tt.header, resp.StatusCode, p, tt.status)
		}
	}

	// The back-office publishes a change and a bad record: the change
	// reaches the API, the bad record is dead-lettered and blocks nothing.
	deadLetters := subscribe(t, s.observer, subjects.DeadLetter("directory"))
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: s.p.NATSURLFor("backoffice"), Service: "backoffice"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	bad := eventWithBadEmail(t, s.observer)
	pub := backoffice.NewPublisher(bus)
	if _, err := backoffice.Publish(context.Background(), pub, backoffice.Accounts(), []backoffice.Record[*eventsv1.Account]{
		backoffice.At(2, &eventsv1.Account{AccountId: "acc-cn-001", ResellerId: "res-cloudnova", Name: "Acropolis Bakery & Cafe",
			Status: eventsv1.AccountStatus_ACCOUNT_STATUS_SUSPENDED, Country: "GR"}),
	}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		_, a := s.api(t, cloudnova, "/api/accounts/acc-cn-001")
		return a["name"] == "Acropolis Bakery & Cafe" && a["status"] == "suspended"
	}, "account change did not reach the API")
	testkit.Eventually(t, 10*time.Second, func() bool { return len(deadLetters()) >= 1 }, "bad event %s not dead-lettered", bad)

	// Catalog changes are live: a product withdrawn disappears, and a
	// reseller reassigned to another list sees that list's products.
	demo := backoffice.Demo()
	dropbox := demo.Products[5]
	dropbox.Version, dropbox.State.Status = 2, eventsv1.ProductStatus_PRODUCT_STATUS_WITHDRAWN
	if _, err := backoffice.Publish(context.Background(), pub, backoffice.Products(), []backoffice.Record[*eventsv1.Product]{dropbox}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		resp, _ := s.api(t, cloudnova, "/api/products/"+dropbox.State.ProductId)
		return resp.StatusCode == 404
	}, "withdrawn product %s still offered", dropbox.State.ProductId)
	moved := demo.Resellers[1] // res-bytebridge, on the US list
	moved.Version, moved.State.PriceListId = moved.Version+1, "pl-eu-partners"
	if _, err := backoffice.Publish(context.Background(), pub, backoffice.Resellers(), []backoffice.Record[*eventsv1.Reseller]{moved}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		_, p := s.api(t, bytebridge, "/api/products/prd-onboarding")
		return p["id"] == "prd-onboarding"
	}, "bytebridge does not see the EU list after its reassignment")

	// Readiness and metrics, on the ops port only.
	resp, err := http.Get(s.p.OpsURL + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("readyz: %v %v", resp, err)
	}
	for _, path := range []string{"/readyz", "/metrics", "/healthz"} {
		if resp, err := http.Get(s.p.URL + path); err != nil || resp.StatusCode != 404 {
			t.Errorf("%s on the public port: %v %v, want 404", path, resp, err)
		}
	}
	metrics := get(t, s.p.OpsURL+"/metrics")
	for _, want := range []string{`events_handled_total{handler="accounts",outcome="applied",service="directory"}`, `http_requests_total{`,
		`eventbus_consumer_pending_messages{consumer="directory_accounts",service="directory"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// A refresh token from before the restart.
	beforeRestart, err := oc.PasswordCredentialsToken(context.Background(), "cloudnova-dev", "Reseller-Api-2026")
	if err != nil || beforeRestart.RefreshToken == "" {
		t.Fatalf("password grant: %v", err)
	}
	s.stop()

	// A restart keeps everything: data, credentials, users; no re-seed.
	s = startSystem(t, dataDir)
	defer s.stop()
	if s.p.Seeded {
		t.Error("restart seeded the demo data again")
	}
	again := s.login(t, "res-cloudnova", "cloudnova-dev", "Reseller-Api-2026")
	expired := &oauth2.Token{RefreshToken: beforeRestart.RefreshToken, Expiry: time.Now().Add(-time.Minute)}
	oc.Endpoint.TokenURL = s.p.URL + "/oauth/token" // the restarted platform listens elsewhere
	if refreshed, err := oc.TokenSource(context.Background(), expired).Token(); err != nil || refreshed.AccessToken == "" {
		t.Errorf("a refresh token from before the restart: %v", err)
	}
	if _, list := s.api(t, again, "/api/accounts"); list["pagination"].(map[string]any)["totalCount"] != 12.0 {
		t.Errorf("after restart: %v", list["pagination"])
	}

	// A reseller's pair rotated without grace (a leaked secret): the edge
	// refuses the tokens obtained with the old one; the new one logs in.
	bytebridgeAgain := s.login(t, "res-bytebridge", "bytebridge-dev", "Another-Secret-77")
	if status, p := s.admin(t, "POST", "/admin/v1/resellers/res-cloudnova/api-credentials/rotate", map[string]int{"gracePeriodSeconds": 0}); status != 200 {
		t.Fatalf("rotate: %d %v", status, p)
	}
	rotatedAt := time.Now()
	testkit.Eventually(t, 5*time.Second, func() bool {
		resp, _ := s.api(t, again, "/api/accounts")
		return resp.StatusCode == http.StatusUnauthorized
	}, "a token of a rotated pair is still accepted")
	t.Logf("the edge refused the rotated pair's token %v after the rotation", time.Since(rotatedAt).Round(time.Millisecond))
	if resp, _ := s.api(t, bytebridgeAgain, "/api/accounts"); resp.StatusCode != 200 {
		t.Errorf("another reseller's token after the rotation: %d", resp.StatusCode)
	}
	rotated := s.login(t, "res-cloudnova", "cloudnova-dev", "Reseller-Api-2026")
	if resp, _ := s.api(t, rotated, "/api/accounts"); resp.StatusCode != 200 {
		t.Errorf("a token of the new pair: %d", resp.StatusCode)
	}

	// Deactivating the Reseller API cuts off every token at the edge.
	if status, p := s.admin(t, "DELETE", "/admin/v1/reseller-api/credentials", nil); status != 204 {
		t.Fatalf("deactivate: %d %v", status, p)
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		a, _ := s.api(t, rotated, "/api/accounts")
		b, _ := s.api(t, bytebridgeAgain, "/api/accounts")
		return a.StatusCode == http.StatusUnauthorized && b.StatusCode == http.StatusUnauthorized
	}, "tokens are still accepted after the deactivation")
}

// eventWithBadEmail publishes an account event the directory must refuse.
// The event bus checks the rules before publishing, so it goes straight to
// JetStream, as a buggy back-office would send it.
func eventWithBadEmail(t *testing.T, natsURL string) string {
	ev := &eventsv1.AccountChanged{
		Meta: &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: "acc-bad", Version: 1},
		Account: &eventsv1.Account{AccountId: "acc-bad", ResellerId: "res-cloudnova", Name: "Bad", Email: "x",
			Status: eventsv1.AccountStatus_ACCOUNT_STATUS_ACTIVE},
	}
	(&testkit.Kit{NATSURL: natsURL}).PublishUnchecked(t, subjects.Accounts.Of("acc-bad"), ev)
	return "acc-bad"
}

func subscribe(t *testing.T, natsURL, subject string) func() []string {
	t.Helper()
	msgs := testkit.Subscribe(t, natsURL, subject)
	return func() []string {
		var out []string
		for _, m := range msgs() {
			out = append(out, m.Header.Get("reason_poisoned"))
		}
		return out
	}
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
