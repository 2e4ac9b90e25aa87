package service_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/services/auth/service"
)

func TestFailedLoginsBackOffRevealingNothing(t *testing.T) {
	t.Parallel()
	e := startWith(t, func(c *service.Config) { c.LoginMaxFailures, c.LoginLockout = 3, 300*time.Millisecond })
	creds := e.credentials(t, "r1")
	for _, u := range []string{"frank", "grace"} {
		if status, _ := e.call(t, "POST", "/admin/v1/resellers/r1/api-users", adminToken, newUser(u, "Right-Secret-2026")); status != 201 {
			t.Fatalf("create %s: %d", u, status)
		}
	}
	oc := oauth2.Config{ClientID: creds["clientKey"].(string), ClientSecret: creds["clientSecret"].(string),
		Endpoint: oauth2.Endpoint{TokenURL: e.srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	login := func(user, password string) error {
		_, err := oc.PasswordCredentialsToken(context.Background(), user, password)
		return err
	}
	for range 3 {
		if err := login("frank", "Wrong-Secret-2026"); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("wrong password: %v", err)
		}
	}
	// Locked: the right password gets exactly the wrong password's answer.
	err := login("frank", "Right-Secret-2026")
	wrong := login("nobody-at-all", "Wrong-Secret-2026")
	if err == nil || !strings.Contains(err.Error(), "invalid_grant") || wrong == nil ||
		strings.ReplaceAll(err.Error(), "frank", "") != strings.ReplaceAll(wrong.Error(), "nobody-at-all", "") {
		t.Errorf("locked user: %v; unknown user: %v", err, wrong)
	}
	// The lock also holds the address (the test client's) back; it ends by itself.
	testkit.Eventually(t, 10*time.Second, func() bool { return login("frank", "Right-Secret-2026") == nil },
		"the lock never ends")
	if err := login("grace", "Right-Secret-2026"); err != nil {
		t.Errorf("grace after the lock: %v", err)
	}
}

func TestTokenEndpointIsRateLimitedPerAddress(t *testing.T) {
	t.Parallel()
	e := startWith(t, func(c *service.Config) { c.TokenRequestsPerSecond, c.TokenBurst = 1, 3 })
	n := 0
	post := func() *http.Response {
		// A client choosing its own X-Forwarded-For changes nothing: no
		// proxy is trusted by default.
		n++
		req, _ := http.NewRequest("POST", e.srv.URL+"/oauth/token", strings.NewReader("grant_type=password"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.0.0.%d", n))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp
	}
	var last *http.Response
	for i := range 3 {
		if last = post(); last.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("request %d of a burst of 3 was limited", i+1)
		}
		if last.Header.Get("RateLimit-Policy") != "3;w=3" || !strings.HasPrefix(last.Header.Get("RateLimit"), "limit=3, remaining=") {
			t.Errorf("headers: %v", last.Header)
		}
	}
	last = post()
	retry, _ := strconv.Atoi(last.Header.Get("Retry-After"))
	if last.StatusCode != http.StatusTooManyRequests || retry < 1 || last.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("4th request: %d, Retry-After %q, %v", last.StatusCode, last.Header.Get("Retry-After"), last.Header)
	}
}

func TestSecurityEventsAreAudited(t *testing.T) {
	t.Parallel()
	e := start(t)
	audit := kit.Subscribe(t, subjects.SecurityEvents.Pattern())
	creds := e.credentials(t, "r1")
	status, henry := e.call(t, "POST", "/admin/v1/resellers/r1/api-users", adminToken, newUser("henry", "Strong-Word-2026"))
	if status != 201 {
		t.Fatalf("create: %d", status)
	}
	oc := oauth2.Config{ClientID: creds["clientKey"].(string), ClientSecret: creds["clientSecret"].(string),
		Endpoint: oauth2.Endpoint{TokenURL: e.srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	if _, err := oc.PasswordCredentialsToken(context.Background(), "henry", "Not-His-Secret-1"); err == nil {
		t.Fatal("wrong password accepted")
	}
	tok, err := oc.PasswordCredentialsToken(context.Background(), "henry", "Strong-Word-2026")
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := e.form(t, "/oauth/revoke", oc.ClientID, oc.ClientSecret, url.Values{"token": {tok.AccessToken}}); status != 200 {
		t.Fatalf("revoke: %d", status)
	}
	path := "/admin/v1/resellers/r1/api-users/" + henry["id"].(string)
	e.call(t, "PATCH", path, adminToken, map[string]any{"password": "Another-Secret-2027", "confirmPassword": "Another-Secret-2027"})
	e.call(t, "DELETE", path, adminToken, nil)

	want := []string{"login.failed", "login.succeeded", "token.revoked", "user.changed", "user.deleted"}
	var got []string
	testkit.Eventually(t, 5*time.Second, func() bool {
		got = got[:0]
		for _, m := range audit() {
			var ev eventsv1.SecurityEvent
			if proto.Unmarshal(m.Data, &ev) != nil || (ev.GetSubject() != henry["id"] && ev.GetSubject() != "henry") {
				continue
			}
			for _, secret := range []string{"Strong-Word-2026", "Not-His-Secret-1", "Another-Secret-2027", tok.AccessToken, oc.ClientSecret} {
				if strings.Contains(string(m.Data), secret) {
					t.Errorf("%s carries a secret", ev.GetKind())
				}
			}
			if m.Subject != subjects.SecurityEvents.Subject(&ev) || ev.GetMeta().GetAggregateId() != ev.GetMeta().GetEventId() {
				t.Errorf("%s on %s", ev.GetKind(), m.Subject)
			}
			if strings.HasPrefix(ev.GetKind(), "login.") && (ev.GetClientId() != oc.ClientID || ev.GetClientAddress() == "") {
				t.Errorf("%s without client or address: %v", ev.GetKind(), &ev)
			}
			got = append(got, ev.GetKind())
		}
		return len(got) >= len(want)
	}, "security events of henry: got %v of %d messages", got, len(audit()))
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("security events = %v, want %v", got, want)
	}
}

// A body over an endpoint's limit is answered 413 with the limit, before
// anything reads it, with or without a Content-Length.
func TestOversizedBodiesAre413(t *testing.T) {
	t.Parallel()
	e := start(t)
	big := strings.Repeat("x", 100<<10)
	for _, c := range []struct {
		name, path, contentType, body, want string
		chunked                             bool
	}{
		{"admin JSON", "/admin/v1/resellers/r2/api-users", "application/json", `{"username":"` + big + `"}`, "64 KiB", false},
		{"admin JSON, chunked", "/admin/v1/resellers/r2/api-users", "application/json", `{"username":"` + big + `"}`, "64 KiB", true},
		{"token form", "/oauth/token", "application/x-www-form-urlencoded", "grant_type=password&username=" + big, "16 KiB", false},
		{"token form, chunked", "/oauth/token", "application/x-www-form-urlencoded", "grant_type=password&username=" + big, "16 KiB", true},
	} {
		var body io.Reader = strings.NewReader(c.body)
		if c.chunked {
			body = io.MultiReader(body) // hides the length: sent chunked
		}
		req, _ := http.NewRequest("POST", e.srv.URL+c.path, body)
		req.Header.Set("Content-Type", c.contentType)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(msg), c.want) {
			t.Errorf("%s: %d %s, want 413 stating %s", c.name, resp.StatusCode, msg, c.want)
		}
		if c.path != "/oauth/token" && resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: Content-Type %q, want a problem document", c.name, resp.Header.Get("Content-Type"))
		}
	}
}
