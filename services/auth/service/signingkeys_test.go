package service_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/services/auth/service"
)

// jwksIDs lists the key ids the JWKS of the auth at base publishes.
func jwksIDs(t *testing.T, base string) []string {
	t.Helper()
	resp, err := http.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			D   string `json:"d"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range set.Keys {
		if k.D != "" {
			t.Fatal("the JWKS publishes a private key")
		}
		ids = append(ids, k.Kid)
	}
	return ids
}

// kidOf is the key id a token was signed with.
func kidOf(t *testing.T, token string) string {
	t.Helper()
	parsed, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := parsed.Header["kid"].(string)
	return kid
}

func TestSigningKeyRotationPublishesBeforeSigning(t *testing.T) {
	t.Parallel()
	e := start(t)
	other := startWith(t, func(c *service.Config) { *c = e.cfg }) // a second replica over the same store
	changes := kit.Subscribe(t, subjects.SigningKeys.Pattern())
	creds := e.credentials(t, "r1")
	e.call(t, "POST", "/admin/v1/resellers/r1/api-users", adminToken, newUser("rita", "Signing-Word-2026"))
	oc := oauth2.Config{ClientID: creds["clientKey"].(string), ClientSecret: creds["clientSecret"].(string),
		Endpoint: oauth2.Endpoint{TokenURL: e.srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	login := func(base string) string {
		oc.Endpoint.TokenURL = base + "/oauth/token"
		tok, err := oc.PasswordCredentialsToken(context.Background(), "rita", "Signing-Word-2026")
		if err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}
	fileToken := login(e.srv.URL)
	fileKey := kidOf(t, fileToken)
	_, list := e.call(t, "GET", "/admin/v1/signing-keys", adminToken, nil)
	if keys := list["data"].([]any); len(keys) != 1 || keys[0].(map[string]any)["source"] != "file" || keys[0].(map[string]any)["state"] != "signing" {
		t.Fatalf("keys before a rotation: %v", list)
	}

	// A rotation: the new key is published on every replica before it
	// signs, and signs on every replica once its time has come.
	status, created := e.call(t, "POST", "/admin/v1/signing-keys", adminToken, map[string]int{"publishDelaySeconds": 2})
	if status != 201 || created["state"] != "published" || created["source"] != "rotated" {
		t.Fatalf("rotate: %d %v", status, created)
	}
	newKey := created["keyId"].(string)
	testkit.Eventually(t, 5*time.Second, func() bool {
		return slices.Contains(jwksIDs(t, e.srv.URL), newKey) && slices.Contains(jwksIDs(t, other.srv.URL), newKey)
	}, "the new key is not published on every replica")
	if kid := kidOf(t, login(other.srv.URL)); kid != fileKey {
		t.Errorf("a token was signed with %s before the new key's time, want %s", kid, fileKey)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		return kidOf(t, login(e.srv.URL)) == newKey && kidOf(t, login(other.srv.URL)) == newKey
	}, "the new key does not sign on every replica")
	newKeyToken := login(e.srv.URL)
	// The old key still verifies what it signed.
	if _, got := e.form(t, "/oauth/introspect", oc.ClientID, oc.ClientSecret, url.Values{"token": {fileToken}}); got["active"] != true {
		t.Errorf("a token of the replaced key: %v", got)
	}

	// An emergency rotation signs at once; the key it replaces verifies
	// for a token lifetime, unless withdrawn.
	_, urgent := e.call(t, "POST", "/admin/v1/signing-keys", adminToken, map[string]int{"publishDelaySeconds": 0})
	if urgent["state"] != "signing" {
		t.Fatalf("rotation without delay: %v", urgent)
	}
	if kid := kidOf(t, login(e.srv.URL)); kid != urgent["keyId"] {
		t.Errorf("after a rotation without delay a token was signed with %s", kid)
	}
	// The other replica signs with it once the key's event reached it.
	testkit.Eventually(t, 5*time.Second, func() bool { return kidOf(t, login(other.srv.URL)) == urgent["keyId"] },
		"the other replica does not sign with the urgent key")
	_, list = e.call(t, "GET", "/admin/v1/signing-keys", adminToken, nil)
	states := map[string]any{}
	for _, k := range list["data"].([]any) {
		states[k.(map[string]any)["keyId"].(string)] = k.(map[string]any)["state"]
	}
	if states[newKey] != "verifying" || states[urgent["keyId"].(string)] != "signing" || states[fileKey] != "verifying" {
		t.Errorf("states after two rotations: %v", states)
	}
	if status, p := e.call(t, "DELETE", "/admin/v1/signing-keys/"+urgent["keyId"].(string), adminToken, nil); status != 409 {
		t.Errorf("withdrawing the signing key: %d %v, want 409", status, p)
	}
	if status, _ := e.call(t, "DELETE", "/admin/v1/signing-keys/no-such-key", adminToken, nil); status != 404 {
		t.Errorf("withdrawing an unknown key: %d, want 404", status)
	}
	if status, p := e.call(t, "DELETE", "/admin/v1/signing-keys/"+newKey, adminToken, nil); status != 204 {
		t.Fatalf("withdraw: %d %v", status, p)
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		return !slices.Contains(jwksIDs(t, e.srv.URL), newKey) && !slices.Contains(jwksIDs(t, other.srv.URL), newKey)
	}, "a withdrawn key is still published")
	for _, replica := range []env{e, other} {
		if _, got := replica.form(t, "/oauth/introspect", oc.ClientID, oc.ClientSecret, url.Values{"token": {newKeyToken}}); got["active"] != false {
			t.Errorf("a withdrawn key's token introspected: %v", got)
		}
	}

	// Announced: created (version 1) and withdrawn (version 2), never the key.
	// (The test's subscriber may get the withdrawal after the replicas
	// have applied it: wait for it.)
	var created1, withdrawn2 bool
	testkit.Eventually(t, 5*time.Second, func() bool {
		for _, m := range changes() {
			ev := &eventsv1.SigningKeyChanged{}
			if proto.Unmarshal(m.Data, ev) != nil || ev.GetKey().GetKeyId() != newKey {
				continue
			}
			created1 = created1 || (ev.GetMeta().GetVersion() == 1 && ev.GetKey().GetWithdrawnAt() == nil)
			withdrawn2 = withdrawn2 || (ev.GetMeta().GetVersion() == 2 && ev.GetKey().GetWithdrawnAt() != nil)
		}
		return created1 && withdrawn2
	}, "announced: created %v, withdrawn %v", created1, withdrawn2)
	for name, body := range map[string]any{"negative": map[string]int{"publishDelaySeconds": -1}, "over a day": map[string]int{"publishDelaySeconds": 86401}} {
		if status, _ := e.call(t, "POST", "/admin/v1/signing-keys", adminToken, body); status != 400 {
			t.Errorf("%s: %d, want 400", name, status)
		}
	}
}
