package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/pkg/testkit"
)

// form posts an OAuth form to path with HTTP Basic client authentication
// (none when id is "") and decodes the JSON answer, if any.
func (e env) form(t *testing.T, path, id, secret string, values url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", path, cc)
	}
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestRevocationAndIntrospection(t *testing.T) {
	t.Parallel()
	e := start(t)
	creds := e.credentials(t, "r2")
	id, secret := creds["clientKey"].(string), creds["clientSecret"].(string)
	if status, _ := e.call(t, "POST", "/admin/v1/resellers/r2/api-users", adminToken, newUser("erin", "Secret-Word-2026")); status != 201 {
		t.Fatalf("create user: %d", status)
	}
	oc := oauth2.Config{ClientID: id, ClientSecret: secret, Endpoint: oauth2.Endpoint{TokenURL: e.srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	tok, err := oc.PasswordCredentialsToken(context.Background(), "erin", "Secret-Word-2026")
	if err != nil {
		t.Fatal(err)
	}
	revoked := kit.Subscribe(t, subjects.RevokedAccessTokens.Pattern())
	token := url.Values{"token": {tok.AccessToken}}

	status, got := e.form(t, "/oauth/introspect", id, secret, token)
	if status != 200 || got["active"] != true || got["rid"] != "r2" || got["client_id"] != id || got["token_type"] != "Bearer" || got["jti"] == nil {
		t.Fatalf("introspect: %d %v", status, got)
	}
	for name, c := range map[string]struct {
		id, secret string
		values     url.Values
		status     int
		error      string
	}{
		"wrong secret":   {id, "nope", token, 401, "invalid_client"},
		"no client":      {"", "", token, 401, "invalid_client"},
		"no token":       {id, secret, url.Values{}, 400, "invalid_request"},
		"two auth means": {id, secret, url.Values{"token": {"x"}, "client_id": {id}}, 400, "invalid_request"},
	} {
		for _, path := range []string{"/oauth/revoke", "/oauth/introspect"} {
			if status, p := e.form(t, path, c.id, c.secret, c.values); status != c.status || p["error"] != c.error {
				t.Errorf("%s %s: %d %v, want %d %s", name, path, status, p, c.status, c.error)
			}
		}
	}
	// Form-field client authentication, and an invalid token: 200, nothing to do.
	if status, _ := e.form(t, "/oauth/revoke", "", "", url.Values{"token": {"not-a-token"}, "client_id": {id}, "client_secret": {secret}}); status != 200 {
		t.Errorf("revoking garbage: %d, want 200", status)
	}

	if status, _ := e.form(t, "/oauth/revoke", id, secret, token); status != 200 {
		t.Fatalf("revoke: %d", status)
	}
	if status, got := e.form(t, "/oauth/introspect", id, secret, token); status != 200 || got["active"] != false || len(got) != 1 {
		t.Errorf("introspect a revoked token: %d %v", status, got)
	}
	verifier := accesstoken.NewVerifier(accesstoken.NewRemoteKeySet(e.srv.URL+"/.well-known/jwks.json", nil), issuer, time.Minute)
	claims, err := verifier.Verify(context.Background(), tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		for _, m := range revoked() {
			var ev eventsv1.AccessTokenRevoked
			if proto.Unmarshal(m.Data, &ev) == nil && ev.GetTokenId() == claims.ID && ev.GetResellerId() == "r2" &&
				ev.GetExpiresAt().AsTime().Equal(claims.ExpiresAt.Time) && !strings.Contains(string(m.Data), tok.AccessToken) {
				return true
			}
		}
		return false
	}, "the revocation was not announced")

	// A token of a disabled user is not active either.
	fresh, err := oc.PasswordCredentialsToken(context.Background(), "erin", "Secret-Word-2026")
	if err != nil {
		t.Fatal(err)
	}
	_, users := e.call(t, "GET", "/admin/v1/resellers/r2/api-users", adminToken, nil)
	var erin string
	for _, u := range users["data"].([]any) {
		if u.(map[string]any)["username"] == "erin" {
			erin = u.(map[string]any)["id"].(string)
		}
	}
	if status, _ := e.call(t, "PATCH", "/admin/v1/resellers/r2/api-users/"+erin, adminToken, map[string]any{"disabled": true}); status != 200 {
		t.Fatalf("disable: %d", status)
	}
	if _, got := e.form(t, "/oauth/introspect", id, secret, url.Values{"token": {fresh.AccessToken}}); got["active"] != false {
		t.Errorf("a disabled user's token is active: %v", got)
	}

	_, meta := e.call(t, "GET", "/.well-known/oauth-authorization-server", "", nil)
	if meta["revocation_endpoint"] != issuer+"/oauth/revoke" || meta["introspection_endpoint"] != issuer+"/oauth/introspect" {
		t.Errorf("metadata = %v", meta)
	}
}

// The metadata announces what is served, no more and no less: a client
// that reads it must find every grant it can use (RFC 8414).
func TestServerMetadataSaysWhatIsServed(t *testing.T) {
	t.Parallel()
	e := start(t)
	_, meta := e.call(t, "GET", "/.well-known/oauth-authorization-server", "", nil)
	want := map[string]string{
		"grant_types_supported":                         "[password refresh_token client_credentials]",
		"response_types_supported":                      "[]",
		"token_endpoint_auth_methods_supported":         "[client_secret_basic client_secret_post]",
		"revocation_endpoint_auth_methods_supported":    "[client_secret_basic client_secret_post]",
		"introspection_endpoint_auth_methods_supported": "[client_secret_basic client_secret_post]",
		"access_token_signing_alg_values_supported":     "[ES256]",
	}
	for field, w := range want {
		if got := fmt.Sprint(meta[field]); got != w {
			t.Errorf("%s = %s, want %s", field, got, w)
		}
	}
	// Every grant announced is served: none answers unsupported_grant_type.
	for _, grant := range meta["grant_types_supported"].([]any) {
		if _, got := e.form(t, "/oauth/token", "nobody", "nothing", url.Values{"grant_type": {grant.(string)}}); got["error"] == "unsupported_grant_type" {
			t.Errorf("announced grant %s is not served", grant)
		}
	}
	// They take no parameters: a misspelt one is a 400, as the document says.
	for _, path := range []string{"/.well-known/jwks.json?kid=x", "/.well-known/oauth-authorization-server?format=json"} {
		if status, p := e.call(t, "GET", path, "", nil); status != 400 || !strings.Contains(fmt.Sprint(p["detail"]), "unknown") {
			t.Errorf("GET %s: %d %v, want 400 naming the unknown parameter", path, status, p)
		}
	}
	_, keys := e.call(t, "GET", "/.well-known/jwks.json", "", nil)
	for _, k := range keys["keys"].([]any) {
		if alg := k.(map[string]any)["alg"]; alg != "ES256" {
			t.Errorf("a key of alg %v, not announced", alg)
		}
	}
}

// A refresh token is active for the client it was issued to, until it is
// rotated or revoked (RFC 7662).
func TestIntrospectingRefreshTokens(t *testing.T) {
	t.Parallel()
	e := start(t)
	creds := e.credentials(t, "r2")
	id, secret := creds["clientKey"].(string), creds["clientSecret"].(string)
	other := e.credentials(t, "r1")
	if status, _ := e.call(t, "POST", "/admin/v1/resellers/r2/api-users", adminToken, newUser("frank", "Secret-Word-2026")); status != 201 {
		t.Fatalf("create user: %d", status)
	}
	oc := oauth2.Config{ClientID: id, ClientSecret: secret, Endpoint: oauth2.Endpoint{TokenURL: e.srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	tok, err := oc.PasswordCredentialsToken(context.Background(), "frank", "Secret-Word-2026")
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("token %v, %v", tok, err)
	}
	refresh := url.Values{"token": {tok.RefreshToken}}
	status, got := e.form(t, "/oauth/introspect", id, secret, refresh)
	if status != 200 || got["active"] != true || got["token_type"] != "refresh_token" || got["client_id"] != id || got["rid"] != "r2" ||
		got["sub"] == nil || got["sub"] == "" || !strings.Contains(fmt.Sprint(got["scope"]), "accounts:read") {
		t.Fatalf("introspect a refresh token: %d %v", status, got)
	}
	if exp, _ := got["exp"].(float64); time.Unix(int64(exp), 0).Before(time.Now().Add(time.Hour)) {
		t.Errorf("exp %v: a refresh token outlives its access token", got["exp"])
	}
	// Another reseller's client learns nothing of it.
	if _, got := e.form(t, "/oauth/introspect", other["clientKey"].(string), other["clientSecret"].(string), refresh); got["active"] != false || len(got) != 1 {
		t.Errorf("another client's introspection: %v", got)
	}
	// A forged one (the right shape, not the server's HMAC) is inactive.
	key, _, _ := strings.Cut(tok.RefreshToken, ".")
	if _, got := e.form(t, "/oauth/introspect", id, secret, url.Values{"token": {key + ".forged"}}); got["active"] != false {
		t.Errorf("a forged refresh token: %v", got)
	}
	// Used once, it is rotated: the old one is no longer active, the new one is.
	next, err := oc.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatal(err)
	}
	if _, got := e.form(t, "/oauth/introspect", id, secret, refresh); got["active"] != false {
		t.Errorf("a rotated refresh token: %v", got)
	}
	nextRefresh := url.Values{"token": {next.RefreshToken}}
	if _, got := e.form(t, "/oauth/introspect", id, secret, nextRefresh); got["active"] != true {
		t.Errorf("the new refresh token: %v", got)
	}
	if status, _ := e.form(t, "/oauth/revoke", id, secret, nextRefresh); status != 200 {
		t.Fatalf("revoke: %d", status)
	}
	if _, got := e.form(t, "/oauth/introspect", id, secret, nextRefresh); got["active"] != false {
		t.Errorf("a revoked refresh token: %v", got)
	}
}
