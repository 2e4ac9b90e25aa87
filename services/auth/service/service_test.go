package service_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/oauth2"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/pkg/eckey"
	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/eventsig"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/services/auth/service"
)

const (
	issuer     = "https://api.reseller.test"
	adminToken = "test-admin-token-0123456789"
)

var kit *testkit.Kit

func TestMain(m *testing.M) { testkit.Main(m, &kit) }

type env struct {
	kit *testkit.Kit
	db  string
	srv *httptest.Server
	cfg service.Config
}

// start runs auth over the package's kit with a database of the test's own.
func start(t testing.TB) env {
	t.Helper()
	return startWith(t, nil)
}

// startWith is start with the configuration changed by configure. Each
// test's auth has a database and a consumer group of its own, so the
// tests run in parallel (t.Parallel).
func startWith(t testing.TB, configure func(*service.Config)) env {
	t.Helper()
	key, err := eckey.New()
	if err != nil {
		t.Fatal(err)
	}
	eventKey, err := eckey.New()
	if err != nil {
		t.Fatal(err)
	}
	credKey := make([]byte, 32)
	_, _ = rand.Read(credKey)
	e := env{kit: kit, db: kit.DatabaseName(t)}
	cfg := service.Config{
		Infra: infra.Config{NATSURL: kit.NATSURL, MongoURI: kit.MongoURI, Database: e.db, ConsumerGroup: "auth_" + e.db}, Issuer: issuer, AdminToken: adminToken,
		CredentialsKey: credKey, SigningKeys: []*ecdsa.PrivateKey{key}, EventSigningKey: eventKey, AccessTokenTTL: 5 * time.Minute, BcryptCost: 4,
		TokenRequestsPerSecond: 1000, TokenBurst: 1000,
	}
	if configure != nil {
		configure(&cfg)
	}
	e.db, e.cfg = cfg.Infra.Database, cfg
	svc, err := service.New(context.Background(), cfg, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	testkit.Run(t, svc)
	engine := httpserver.NewEngine(slog.New(slog.DiscardHandler), nil)
	svc.Register(engine)
	e.srv = httptest.NewServer(engine)
	t.Cleanup(e.srv.Close)

	// A version newer than any earlier test's: the stream keeps one
	// message per reseller and takes a version only if it is the newest.
	publishReseller(t, &eventsv1.Reseller{ResellerId: "r1", Name: "CloudNova Solutions"})
	publishReseller(t, &eventsv1.Reseller{ResellerId: "r2", Name: "ByteBridge IT"})
	testkit.Eventually(t, 10*time.Second, func() bool {
		status, _ := e.call(t, "GET", "/admin/v1/resellers/r2/api-credentials", adminToken, nil)
		return status == http.StatusOK
	}, "auth did not learn the resellers")
	return e
}

// call makes an admin API request and decodes the JSON answer.
func (e env) call(t testing.TB, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("%s %s: error %d with content type %q", method, path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, out
}

// credentials activates the Reseller API (unless it is active) and returns
// reseller's own client key and secret as the storefront shows them.
func (e env) credentials(t testing.TB, reseller string) map[string]any {
	t.Helper()
	if status, p := e.call(t, "POST", "/admin/v1/reseller-api/credentials", adminToken, nil); status != 201 && status != 409 {
		t.Fatalf("activate: %d %v", status, p)
	}
	status, creds := e.call(t, "GET", "/admin/v1/resellers/"+reseller+"/api-credentials", adminToken, nil)
	if status != 200 || !strings.HasPrefix(creds["clientKey"].(string), "rapi_") {
		t.Fatalf("credentials of %s: %d %v", reseller, status, creds)
	}
	return creds
}

func newUser(username, password string) map[string]string {
	return map[string]string{"username": username, "email": username + "@acme.example", "password": password, "confirmPassword": password}
}

func TestAdminFlowAndPasswordGrant(t *testing.T) {
	t.Parallel()
	e := start(t)

	if status, p := e.call(t, "GET", "/admin/v1/reseller-api/credentials", "", nil); status != 401 || p["type"] != "urn:resellerapi:problem:unauthorized" {
		t.Errorf("no admin token: %d %v", status, p)
	}
	if status, _ := e.call(t, "GET", "/admin/v1/reseller-api/credentials", "wrong-token", nil); status != 401 {
		t.Errorf("wrong admin token: %d", status)
	}
	status, creds := e.call(t, "GET", "/admin/v1/resellers/r1/api-credentials", adminToken, nil)
	if status != 200 || creds["clientKey"] != "--" || creds["clientSecret"] != "--" || creds["requestTokenUrl"] != issuer+"/oauth/token" {
		t.Errorf("credentials before activation: %d %v", status, creds)
	}
	if status, p := e.call(t, "POST", "/admin/v1/resellers/r1/api-users", adminToken, newUser("alice", "Correct-Horse-9")); status != 409 ||
		!strings.Contains(p["detail"].(string), "credentials have not been generated") {
		t.Errorf("user before credentials: %d %v", status, p)
	}

	if _, act := e.call(t, "GET", "/admin/v1/reseller-api/credentials", adminToken, nil); act["active"] != false {
		t.Errorf("activation before activating: %v", act)
	}
	status, act := e.call(t, "POST", "/admin/v1/reseller-api/credentials", adminToken, nil)
	if status != 201 || act["active"] != true || act["activatedAt"] == nil || act["requestTokenUrl"] != issuer+"/oauth/token" {
		t.Fatalf("activate: %d %v", status, act)
	}
	if status, _ := e.call(t, "POST", "/admin/v1/reseller-api/credentials", adminToken, nil); status != 409 {
		t.Errorf("second activation: %d, want 409", status)
	}
	// Every reseller has its own pair, the same each time it is shown.
	_, created := e.call(t, "GET", "/admin/v1/resellers/r1/api-credentials", adminToken, nil)
	if !strings.HasPrefix(created["clientKey"].(string), "rapi_") || len(created["clientSecret"].(string)) < 40 {
		t.Fatalf("r1's credentials: %v", created)
	}
	_, shown := e.call(t, "GET", "/admin/v1/resellers/r1/api-credentials", adminToken, nil)
	if shown["clientKey"] != created["clientKey"] || shown["clientSecret"] != created["clientSecret"] {
		t.Errorf("storefront shows %v, then %v", created, shown)
	}
	_, r2creds := e.call(t, "GET", "/admin/v1/resellers/r2/api-credentials", adminToken, nil)
	if r2creds["clientKey"] == created["clientKey"] || r2creds["clientSecret"] == created["clientSecret"] ||
		!strings.HasPrefix(r2creds["clientKey"].(string), "rapi_") {
		t.Errorf("r2's credentials %v, r1's %v", r2creds, created)
	}
	if status, _ := e.call(t, "GET", "/admin/v1/resellers/nope/api-credentials", adminToken, nil); status != 404 {
		t.Errorf("unknown reseller: %d", status)
	}

	for name, tt := range map[string]struct {
		path string
		body any
		want int
	}{
		"mismatch":         {"/admin/v1/resellers/r1/api-users", map[string]string{"username": "bob", "email": "b@acme.example", "password": "Correct-Horse-9", "confirmPassword": "Correct-Horse-8"}, 400},
		"weak":             {"/admin/v1/resellers/r1/api-users", newUser("bob", "password"), 400},
		"unknown field":    {"/admin/v1/resellers/r1/api-users", map[string]string{"user": "bob"}, 400},
		"unknown reseller": {"/admin/v1/resellers/nope/api-users", newUser("bob", "Correct-Horse-9"), 404},
	} {
		if status, p := e.call(t, "POST", tt.path, adminToken, tt.body); status != tt.want {
			t.Errorf("%s: %d %v, want %d", name, status, p, tt.want)
		}
	}
	status, alice := e.call(t, "POST", "/admin/v1/resellers/r1/api-users", adminToken, newUser("alice", "Correct-Horse-9"))
	if status != 201 || alice["account"] != "CloudNova Solutions" || alice["username"] != "alice" || alice["password"] != nil {
		t.Fatalf("create alice: %d %v", status, alice)
	}
	if status, _ := e.call(t, "POST", "/admin/v1/resellers/r2/api-users", adminToken, newUser("ALICE", "Correct-Horse-9")); status != 409 {
		t.Errorf("taken username in other case: %d, want 409", status)
	}
	if status, _ := e.call(t, "POST", "/admin/v1/resellers/r2/api-users", adminToken, newUser("carol", "Another-Pass-7")); status != 201 {
		t.Errorf("create carol: %d", status)
	}
	_, r1Users := e.call(t, "GET", "/admin/v1/resellers/r1/api-users", adminToken, nil)
	if data := r1Users["data"].([]any); len(data) != 1 || data[0].(map[string]any)["email"] != "alice@acme.example" {
		t.Errorf("r1 users = %v", r1Users)
	}
	_, all := e.call(t, "GET", "/admin/v1/api-users?pageSize=1", adminToken, nil)
	if all["pagination"].(map[string]any)["totalCount"] != 2.0 || len(all["data"].([]any)) != 1 {
		t.Errorf("all users page = %v", all)
	}
	if status, _ := e.call(t, "GET", "/admin/v1/api-users?pageSize=500", adminToken, nil); status != 400 {
		t.Errorf("pageSize 500: %d", status)
	}

	// Secrets at rest: the client secret only sealed and digested, the
	// password only as a bcrypt hash.
	db := e.kit.Mongo.Database(e.db)
	raw, err := db.Collection("reseller_credentials").FindOne(context.Background(), bson.D{{Key: "_id", Value: "r1"}}).Raw()
	if err != nil || bytes.Contains(raw, []byte(created["clientSecret"].(string))) {
		t.Errorf("client secret stored in clear (%v)", err)
	}
	rawUser, _ := db.Collection("app_users").FindOne(context.Background(), bson.D{{Key: "username", Value: "alice"}}).Raw()
	if bytes.Contains(rawUser, []byte("Correct-Horse-9")) || !bytes.Contains(rawUser, []byte("$2a$04$")) {
		t.Error("password not stored as a bcrypt hash")
	}

	// The password grant through a real OAuth2 client.
	oc := oauth2.Config{ClientID: created["clientKey"].(string), ClientSecret: created["clientSecret"].(string),
		Endpoint: oauth2.Endpoint{TokenURL: e.srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	tok, err := oc.PasswordCredentialsToken(context.Background(), "Alice", "Correct-Horse-9")
	if err != nil {
		t.Fatal(err)
	}
	if tok.TokenType != "bearer" || tok.Expiry.Before(time.Now().Add(4*time.Minute)) {
		t.Errorf("token = %+v", tok)
	}
	verifier := accesstoken.NewVerifier(accesstoken.NewRemoteKeySet(e.srv.URL+"/.well-known/jwks.json", nil), issuer, time.Minute)
	claims, err := verifier.Verify(context.Background(), tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if claims.ResellerID != "r1" || claims.Subject != alice["id"] || !claims.HasScope(accesstoken.ScopeAccountsRead) || claims.ClientID != oc.ClientID {
		t.Errorf("claims = %+v", claims)
	}

	// Form-field client authentication and a narrowed scope work too,
	// with carol's own reseller's client.
	oc.ClientID, oc.ClientSecret = r2creds["clientKey"].(string), r2creds["clientSecret"].(string)
	oc.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	oc.Scopes = []string{accesstoken.ScopeAccountsRead}
	tok, err = oc.PasswordCredentialsToken(context.Background(), "carol", "Another-Pass-7")
	if err != nil {
		t.Fatal(err)
	}
	if claims, err := verifier.Verify(context.Background(), tok.AccessToken); err != nil || claims.ResellerID != "r2" || claims.Scope != accesstoken.ScopeAccountsRead {
		t.Errorf("carol's claims = %+v, %v", claims, err)
	}
}

func TestTokenErrorsAreRFC6749(t *testing.T) {
	t.Parallel()
	e := start(t)
	created := e.credentials(t, "r1")
	e.call(t, "POST", "/admin/v1/resellers/r1/api-users", adminToken, newUser("alice", "Correct-Horse-9"))
	key, secret := created["clientKey"].(string), created["clientSecret"].(string)
	other := e.credentials(t, "r2")

	tests := map[string]struct {
		form       string
		basic      [2]string
		wantStatus int
		wantError  string
	}{
		"wrong password":     {"grant_type=password&username=alice&password=wrong", [2]string{key, secret}, 400, "invalid_grant"},
		"unknown user":       {"grant_type=password&username=mallory&password=Correct-Horse-9", [2]string{key, secret}, 400, "invalid_grant"},
		"wrong secret":       {"grant_type=password&username=alice&password=Correct-Horse-9", [2]string{key, "nope"}, 401, "invalid_client"},
		"unknown client":     {"grant_type=password&username=alice&password=Correct-Horse-9", [2]string{"rapi_nope", secret}, 401, "invalid_client"},
		"unsupported grant":  {"grant_type=authorization_code&code=x", [2]string{key, secret}, 400, "unsupported_grant_type"},
		"client credentials": {"grant_type=client_credentials", [2]string{key, secret}, 400, "unauthorized_client"},
		"unknown scope":      {"grant_type=password&username=alice&password=Correct-Horse-9&scope=admin", [2]string{key, secret}, 400, "invalid_scope"},
		"missing password":   {"grant_type=password&username=alice", [2]string{key, secret}, 400, "invalid_request"},
		"oversized body":     {"grant_type=password&username=alice&password=" + strings.Repeat("x", 20<<10), [2]string{key, secret}, 413, "invalid_request"},
		// One reseller's pair never logs in another's users, and the
		// answer is a wrong password's: it reveals nothing.
		"other reseller's client": {"grant_type=password&username=alice&password=Correct-Horse-9",
			[2]string{other["clientKey"].(string), other["clientSecret"].(string)}, 400, "invalid_grant"},
		"other reseller's secret": {"grant_type=password&username=alice&password=Correct-Horse-9",
			[2]string{key, other["clientSecret"].(string)}, 401, "invalid_client"},
	}
	descriptions := map[string]any{}
	for name, tt := range tests {
		req, _ := http.NewRequest("POST", e.srv.URL+"/oauth/token", strings.NewReader(tt.form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(tt.basic[0], tt.basic[1])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		_ = resp.Body.Close()
		if resp.StatusCode != tt.wantStatus || body["error"] != tt.wantError {
			t.Errorf("%s: %d %v, want %d %s", name, resp.StatusCode, body, tt.wantStatus, tt.wantError)
		}
		// RFC 6749 section 5.2: a 401 carries its challenge.
		if challenge := resp.Header.Get("WWW-Authenticate"); (resp.StatusCode == 401) != strings.HasPrefix(challenge, "Basic ") {
			t.Errorf("%s: %d with WWW-Authenticate %q", name, resp.StatusCode, challenge)
		}
		descriptions[name] = body["error_description"]
	}
	if descriptions["other reseller's client"] != descriptions["wrong password"] {
		t.Errorf("another reseller's client is told apart from a wrong password: %q vs %q",
			descriptions["other reseller's client"], descriptions["wrong password"])
	}

	// Forged tokens are refused by the verifier: unsigned, or signed by a
	// key the JWKS does not publish.
	verifier := accesstoken.NewVerifier(accesstoken.NewRemoteKeySet(e.srv.URL+"/.well-known/jwks.json", nil), issuer, time.Minute)
	otherKey, _ := eckey.New()
	forged := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"iss": issuer, "sub": "u", "rid": "r1", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix()})
	forged.Header["kid"] = "made-up"
	signed, _ := forged.SignedString(otherKey)
	for name, raw := range map[string]string{"alg none": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "other key": signed} {
		if _, err := verifier.Verify(context.Background(), raw); !errors.Is(err, accesstoken.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

// Managers and their API tokens: a token is shown once, stored as a
// digest, and every change is announced to the edge.
func TestManagerTokens(t *testing.T) {
	t.Parallel()
	e := start(t)
	announced := kit.Subscribe(t, subjects.ManagerTokens.Pattern())
	if status, _ := e.call(t, "POST", "/admin/v1/resellers/r1/managers", adminToken, map[string]string{"name": "Maria", "email": "maria@r1.example", "role": "owner"}); status != 400 {
		t.Errorf("unknown role: %d, want 400", status)
	}
	if status, _ := e.call(t, "POST", "/admin/v1/resellers/nope/managers", adminToken, map[string]string{"name": "Maria", "email": "maria@r1.example", "role": "billing"}); status != 404 {
		t.Errorf("unknown reseller: %d, want 404", status)
	}
	status, m := e.call(t, "POST", "/admin/v1/resellers/r1/managers", adminToken, map[string]string{"name": "Maria", "email": "maria@r1.example", "role": "billing"})
	if status != 201 || m["role"] != "billing" || m["resellerId"] != "r1" {
		t.Fatalf("create manager: %d %v", status, m)
	}
	id := m["id"].(string)
	if _, list := e.call(t, "GET", "/admin/v1/resellers/r1/managers", adminToken, nil); len(list["data"].([]any)) != 1 {
		t.Errorf("managers = %v", list)
	}
	status, tok := e.call(t, "POST", "/admin/v1/managers/"+id+"/api-tokens", adminToken, nil)
	plain, _ := tok["apiToken"].(string)
	if status != 201 || !strings.HasPrefix(plain, "mgr_") || len(plain) < 40 {
		t.Fatalf("create token: %d %v", status, tok)
	}
	tokenID := tok["id"].(string)
	_, tokens := e.call(t, "GET", "/admin/v1/managers/"+id+"/api-tokens", adminToken, nil)
	if data := tokens["data"].([]any); len(data) != 1 || data[0].(map[string]any)["apiToken"] != nil {
		t.Errorf("token list shows %v", tokens)
	}
	if status, _ := e.call(t, "DELETE", "/admin/v1/managers/"+id+"/api-tokens/"+tokenID, adminToken, nil); status != 204 {
		t.Errorf("revoke: %d", status)
	}
	if status, _ := e.call(t, "DELETE", "/admin/v1/managers/"+id, adminToken, nil); status != 204 {
		t.Errorf("delete manager: %d", status)
	}
	if status, _ := e.call(t, "GET", "/admin/v1/managers/"+id+"/api-tokens", adminToken, nil); status != 404 {
		t.Errorf("tokens of a removed manager: %d, want 404", status)
	}
	// Announced: created (version 1, the digest and never the token), then
	// revoked (version 2, by the DELETE of the token and by the manager's).
	testkit.Eventually(t, 10*time.Second, func() bool { return len(announced()) >= 3 }, "token events not published")
	digest := sha256.Sum256([]byte(plain))
	verifier, err := eventsig.NewVerifier(&e.cfg.EventSigningKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for i, msg := range announced()[:3] {
		// Signed with auth's event key, for the edge to tell them from
		// forgeries.
		if err := verifier.Verify(msg.Subject, msg.Data, msg.Header.Get(eventbus.SignatureHeader)); err != nil {
			t.Errorf("event %d on %s: %v", i, msg.Subject, err)
		}
		var ev eventsv1.ManagerTokenChanged
		if err := proto.Unmarshal(msg.Data, &ev); err != nil {
			t.Fatal(err)
		}
		tk := ev.GetToken()
		if msg.Subject != subjects.ManagerTokens.Of(tokenID) || tk.GetDigestSha256() != hex.EncodeToString(digest[:]) ||
			tk.GetResellerId() != "r1" || tk.GetRole() != eventsv1.ManagerRole_MANAGER_ROLE_BILLING || tk.GetRevoked() != (i > 0) ||
			bytes.Contains(msg.Data, []byte(plain)) {
			t.Errorf("event %d on %s = %v", i, msg.Subject, &ev)
		}
	}
}
