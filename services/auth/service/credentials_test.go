package service_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/services/auth/service"
)

// login is the password grant with a reseller's pair; it returns the
// RFC 6749 error code ("" on success).
func (e env) login(t *testing.T, creds map[string]any, username, password string) string {
	t.Helper()
	oc := oauth2.Config{ClientID: creds["clientKey"].(string), ClientSecret: creds["clientSecret"].(string),
		Endpoint: oauth2.Endpoint{TokenURL: e.srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	_, err := oc.PasswordCredentialsToken(context.Background(), username, password)
	if err == nil {
		return ""
	}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("login %s: %v", username, err)
	}
	return re.ErrorCode
}

func TestRotatingAResellersCredentials(t *testing.T) {
	t.Parallel()
	e := startWith(t, func(c *service.Config) { c.CredentialsGracePeriod = time.Hour })
	changes := kit.Subscribe(t, subjects.APICredentials.Pattern())
	first := e.credentials(t, "r1")
	e.call(t, "POST", "/admin/v1/resellers/r1/api-users", adminToken, newUser("nina", "Rotate-Word-2026"))

	// A rotation with a grace period: both pairs log in meanwhile.
	status, second := e.call(t, "POST", "/admin/v1/resellers/r1/api-credentials/rotate", adminToken, map[string]int{"gracePeriodSeconds": 120})
	if status != 200 || second["clientKey"] == first["clientKey"] || second["clientSecret"] == first["clientSecret"] {
		t.Fatalf("rotate: %d %v", status, second)
	}
	previous, _ := second["previous"].([]any)
	if len(previous) != 1 || previous[0].(map[string]any)["clientKey"] != first["clientKey"] {
		t.Fatalf("previous keys: %v", second["previous"])
	}
	until, _ := time.Parse(time.RFC3339, previous[0].(map[string]any)["validUntil"].(string))
	if d := time.Until(until); d < 100*time.Second || d > 121*time.Second {
		t.Errorf("the old key is valid for %v, want 120s", d)
	}
	if _, shown := e.call(t, "GET", "/admin/v1/resellers/r1/api-credentials", adminToken, nil); shown["clientKey"] != second["clientKey"] ||
		shown["clientSecret"] != second["clientSecret"] || len(shown["previous"].([]any)) != 1 {
		t.Errorf("the storefront shows %v after the rotation", shown)
	}
	for name, creds := range map[string]map[string]any{"old pair in its grace": first, "new pair": second} {
		if code := e.login(t, creds, "nina", "Rotate-Word-2026"); code != "" {
			t.Errorf("%s: %s", name, code)
		}
	}

	// A rotation without grace (a leaked secret): every earlier pair is
	// refused at once.
	status, third := e.call(t, "POST", "/admin/v1/resellers/r1/api-credentials/rotate", adminToken, map[string]int{"gracePeriodSeconds": 0})
	if status != 200 || third["previous"] != nil {
		t.Fatalf("rotate without grace: %d %v", status, third)
	}
	for name, creds := range map[string]map[string]any{"first pair": first, "second pair": second} {
		if code := e.login(t, creds, "nina", "Rotate-Word-2026"); code != "invalid_client" {
			t.Errorf("%s after a rotation without grace: %q, want invalid_client", name, code)
		}
	}
	if code := e.login(t, third, "nina", "Rotate-Word-2026"); code != "" {
		t.Errorf("third pair: %s", code)
	}

	// Each rotation is announced with every retired key (never a secret),
	// so that the edge refuses their tokens.
	var last *eventsv1.ApiCredentialsChanged
	for _, m := range changes() {
		for _, secret := range []any{first["clientSecret"], second["clientSecret"], third["clientSecret"]} {
			if strings.Contains(string(m.Data), secret.(string)) {
				t.Fatal("a client secret was published")
			}
		}
		ev := &eventsv1.ApiCredentialsChanged{}
		if err := proto.Unmarshal(m.Data, ev); err == nil && ev.GetCredentials().GetClientId() == third["clientKey"] {
			last = ev
		}
	}
	if last == nil || last.GetMeta().GetVersion() != 3 || len(last.GetCredentials().GetRetired()) != 2 ||
		last.GetCredentials().GetRetired()[0].GetClientId() != second["clientKey"] ||
		last.GetCredentials().GetRetired()[1].GetNotAfter().AsTime().After(time.Now()) {
		t.Errorf("announced: %v", last)
	}

	// Bad grace periods are 400s; a storefront key rotates its own
	// reseller's pair only; an unknown reseller is a 404.
	for name, body := range map[string]any{
		"negative": map[string]int{"gracePeriodSeconds": -1}, "over 30 days": map[string]int{"gracePeriodSeconds": 2592001},
		"unknown field": map[string]int{"grace": 1}, "not an object": []int{1},
	} {
		if status, p := e.call(t, "POST", "/admin/v1/resellers/r1/api-credentials/rotate", adminToken, body); status != 400 {
			t.Errorf("%s: %d %v", name, status, p)
		}
	}
	_, sfk := e.call(t, "POST", "/admin/v1/resellers/r1/storefront-keys", adminToken, nil)
	key := sfk["storefrontKey"].(string)
	if status, _ := e.call(t, "POST", "/admin/v1/resellers/r1/api-credentials/rotate", key, nil); status != 200 {
		t.Errorf("storefront key rotating its own: %d", status)
	}
	if status, _ := e.call(t, "POST", "/admin/v1/resellers/r2/api-credentials/rotate", key, nil); status != 404 {
		t.Errorf("storefront key rotating another reseller's: %d", status)
	}
	if status, _ := e.call(t, "POST", "/admin/v1/reseller-api/credentials/rotate", key, nil); status != 403 {
		t.Errorf("storefront key rotating all: %d", status)
	}
	if status, _ := e.call(t, "POST", "/admin/v1/resellers/nope/api-credentials/rotate", adminToken, nil); status != 404 {
		t.Errorf("unknown reseller: %d", status)
	}
}

func TestRotatingAllAndDeactivating(t *testing.T) {
	t.Parallel()
	e := startWith(t, func(c *service.Config) { c.CredentialsGracePeriod = time.Hour })
	activations := kit.Subscribe(t, subjects.Activation.Pattern())
	if status, _ := e.call(t, "POST", "/admin/v1/reseller-api/credentials/rotate", adminToken, nil); status != 409 {
		t.Errorf("rotate before activation: %d, want 409", status)
	}
	if status, _ := e.call(t, "DELETE", "/admin/v1/reseller-api/credentials", adminToken, nil); status != 409 {
		t.Errorf("deactivate before activation: %d, want 409", status)
	}
	r1, r2 := e.credentials(t, "r1"), e.credentials(t, "r2")
	e.call(t, "POST", "/admin/v1/resellers/r1/api-users", adminToken, newUser("omar", "Deactivate-2026"))
	_, sc := e.call(t, "POST", "/admin/v1/resellers/r1/service-clients", adminToken, map[string]string{"name": "ERP"})

	// Every pair rotates; the old ones keep the configured grace.
	status, rotation := e.call(t, "POST", "/admin/v1/reseller-api/credentials/rotate", adminToken, nil)
	if status != 200 || rotation["rotated"] != 2.0 {
		t.Fatalf("rotate all: %d %v", status, rotation)
	}
	if until, _ := time.Parse(time.RFC3339, rotation["previousValidUntil"].(string)); time.Until(until) < 59*time.Minute {
		t.Errorf("previous pairs valid until %v, want in an hour", until)
	}
	_, r1new := e.call(t, "GET", "/admin/v1/resellers/r1/api-credentials", adminToken, nil)
	_, r2new := e.call(t, "GET", "/admin/v1/resellers/r2/api-credentials", adminToken, nil)
	if r1new["clientKey"] == r1["clientKey"] || r2new["clientKey"] == r2["clientKey"] {
		t.Errorf("not rotated: %v %v", r1new, r2new)
	}
	if code := e.login(t, r1, "omar", "Deactivate-2026"); code != "" {
		t.Errorf("old pair in its grace: %s", code)
	}

	// Deactivation: no pair, no service client, no new user; the
	// storefront shows "--" again; repeating it is harmless.
	for range 2 {
		if status, p := e.call(t, "DELETE", "/admin/v1/reseller-api/credentials", adminToken, nil); status != 204 {
			t.Fatalf("deactivate: %d %v", status, p)
		}
	}
	if _, act := e.call(t, "GET", "/admin/v1/reseller-api/credentials", adminToken, nil); act["active"] != false || act["deactivatedAt"] == nil {
		t.Errorf("activation after deactivating: %v", act)
	}
	for name, creds := range map[string]map[string]any{"old pair": r1, "current pair": r1new} {
		if code := e.login(t, creds, "omar", "Deactivate-2026"); code != "invalid_client" {
			t.Errorf("%s after deactivation: %q, want invalid_client", name, code)
		}
	}
	if status, body := e.form(t, "/oauth/token", sc["clientKey"].(string), sc["clientSecret"].(string),
		map[string][]string{"grant_type": {"client_credentials"}}); status != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Errorf("service client after deactivation: %d %v", status, body)
	}
	if _, shown := e.call(t, "GET", "/admin/v1/resellers/r1/api-credentials", adminToken, nil); shown["clientKey"] != "--" || shown["clientSecret"] != "--" {
		t.Errorf("storefront after deactivation: %v", shown)
	}
	if status, _ := e.call(t, "POST", "/admin/v1/resellers/r1/api-users", adminToken, newUser("pia", "Deactivate-2026")); status != 409 {
		t.Errorf("create a user after deactivation: %d, want 409", status)
	}
	var deactivations int
	for _, m := range activations() {
		ev := &eventsv1.ApiActivationChanged{}
		if proto.Unmarshal(m.Data, ev) == nil && !ev.GetActivation().GetActive() && time.Since(ev.GetActivation().GetTokensNotBefore().AsTime()) < time.Minute {
			deactivations++
		}
	}
	if deactivations != 2 {
		t.Errorf("%d deactivations announced, want 2 (one per request)", deactivations)
	}

	// A new activation gives every reseller a new pair.
	if status, _ := e.call(t, "POST", "/admin/v1/reseller-api/credentials", adminToken, nil); status != 201 {
		t.Fatalf("reactivate: %d", status)
	}
	again := e.credentials(t, "r1")
	if again["clientKey"] == r1new["clientKey"] || again["clientKey"] == r1["clientKey"] {
		t.Errorf("reactivated with an old pair: %v", again)
	}
	if code := e.login(t, again, "omar", "Deactivate-2026"); code != "" {
		t.Errorf("after reactivation: %s", code)
	}
	if code := e.login(t, r1new, "omar", "Deactivate-2026"); code != "invalid_client" {
		t.Errorf("a pair of the earlier activation: %q, want invalid_client", code)
	}
}
