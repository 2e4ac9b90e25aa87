package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/oauth2"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/services/auth/service"
)

func TestAppUserLifecycle(t *testing.T) {
	t.Parallel()
	e := start(t)
	creds := e.credentials(t, "r1")
	oc := oauth2.Config{ClientID: creds["clientKey"].(string), ClientSecret: creds["clientSecret"].(string),
		Endpoint: oauth2.Endpoint{TokenURL: e.srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	login := func(password string) error {
		_, err := oc.PasswordCredentialsToken(context.Background(), "dora", password)
		return err
	}
	events := kit.Subscribe(t, "auth.app_user.changed.>")

	status, dora := e.call(t, "POST", "/admin/v1/resellers/r1/api-users", adminToken, newUser("dora", "First-Pass-2026"))
	if status != 201 {
		t.Fatalf("create: %d %v", status, dora)
	}
	path := "/admin/v1/resellers/r1/api-users/" + dora["id"].(string)
	if status, got := e.call(t, "GET", path, adminToken, nil); status != 200 || got["username"] != "dora" || got["account"] != "CloudNova Solutions" {
		t.Errorf("GET: %d %v", status, got)
	}
	// Another reseller's path to the user, or no such user: 404.
	for _, p := range []string{"/admin/v1/resellers/r2/api-users/" + dora["id"].(string), "/admin/v1/resellers/r1/api-users/nope"} {
		if status, _ := e.call(t, "GET", p, adminToken, nil); status != 404 {
			t.Errorf("GET %s: %d, want 404", p, status)
		}
		if status, _ := e.call(t, "PATCH", p, adminToken, map[string]any{"disabled": true}); status != 404 {
			t.Errorf("PATCH %s: %d, want 404", p, status)
		}
	}
	for name, body := range map[string]any{
		"empty":         map[string]any{},
		"weak password": map[string]any{"password": "short", "confirmPassword": "short"},
		"no confirm":    map[string]any{"password": "Second-Pass-2026"},
		"bad email":     map[string]any{"email": "dora"},
		"unknown field": map[string]any{"username": "dorothy"},
	} {
		if status, p := e.call(t, "PATCH", path, adminToken, body); status != 400 {
			t.Errorf("%s: %d %v, want 400", name, status, p)
		}
	}
	if err := login("First-Pass-2026"); err != nil {
		t.Fatal(err)
	}

	// A new password: the old one no longer works, the new one does.
	if status, p := e.call(t, "PATCH", path, adminToken, map[string]any{"password": "Second-Pass-2026", "confirmPassword": "Second-Pass-2026", "email": "dora@new.example"}); status != 200 || p["email"] != "dora@new.example" {
		t.Fatalf("change password: %d %v", status, p)
	}
	if err := login("First-Pass-2026"); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("old password: %v", err)
	}
	if err := login("Second-Pass-2026"); err != nil {
		t.Errorf("new password: %v", err)
	}
	// Disabled: the right password gets the same invalid_grant as a wrong one.
	if status, p := e.call(t, "PATCH", path, adminToken, map[string]any{"disabled": true}); status != 200 || p["disabled"] != true {
		t.Fatalf("disable: %d %v", status, p)
	}
	if err := login("Second-Pass-2026"); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("disabled user logged in: %v", err)
	}
	if status, _ := e.call(t, "PATCH", path, adminToken, map[string]any{"disabled": false}); status != 200 {
		t.Fatalf("enable: %d", status)
	}
	if err := login("Second-Pass-2026"); err != nil {
		t.Errorf("enabled user: %v", err)
	}
	if status, _ := e.call(t, "DELETE", path, adminToken, nil); status != 204 {
		t.Fatalf("delete: %d", status)
	}
	if status, _ := e.call(t, "GET", path, adminToken, nil); status != 404 {
		t.Errorf("GET after delete: %d", status)
	}
	if err := login("Second-Pass-2026"); err == nil {
		t.Error("deleted user logged in")
	}
	if status, _ := e.call(t, "POST", "/admin/v1/resellers/r2/api-users", adminToken, newUser("dora", "Third-Pass-2026")); status != 201 {
		t.Errorf("username of a deleted user not free: %d", status)
	}

	// Each change was announced, in versions, without secrets.
	var got []string
	var versions []int64
	testkit.Eventually(t, 5*time.Second, func() bool {
		got, versions = got[:0], versions[:0]
		for _, m := range events() {
			var ev eventsv1.AppUserChanged
			if proto.Unmarshal(m.Data, &ev) != nil || ev.GetUser().GetUserId() != dora["id"] {
				continue
			}
			if m.Subject != subjects.AppUsers.Of(dora["id"].(string)) || strings.Contains(string(m.Data), "Pass-2026") {
				t.Errorf("event on %s: %v", m.Subject, &ev)
			}
			versions = append(versions, ev.GetMeta().GetVersion())
			got = append(got, strings.TrimPrefix(ev.GetUser().GetStatus().String(), "APP_USER_STATUS_")+
				map[bool]string{true: "+nb"}[ev.GetUser().GetTokensNotBefore() != nil])
		}
		return len(got) == 5
	}, "five events of dora")
	if want := "ACTIVE ACTIVE+nb DISABLED+nb ACTIVE+nb DELETED+nb"; strings.Join(got, " ") != want {
		t.Errorf("events = %v, want %s", got, want)
	}
	if !slices.Equal(versions, []int64{1, 2, 3, 4, 5}) {
		t.Errorf("versions = %v, want 1 to 5", versions)
	}
}

func TestBcryptCostBounds(t *testing.T) {
	t.Parallel()
	for cost, ok := range map[int]bool{4: false, 9: false, 10: true, 12: true, 15: true, 16: false} {
		if err := service.CheckBcryptCost(cost); (err == nil) != ok {
			t.Errorf("cost %d: %v", cost, err)
		}
	}
}

func TestSeveralAdminTokensAreValidWhileRotating(t *testing.T) {
	t.Parallel()
	const next = "the-next-admin-token-2027"
	e := startWith(t, func(c *service.Config) { c.AdminToken = adminToken + ", " + next })
	for _, tok := range []string{adminToken, next} {
		if status, _ := e.call(t, "GET", "/admin/v1/api-users", tok, nil); status != 200 {
			t.Errorf("admin token %q...: %d", tok[:4], status)
		}
	}
	if status, _ := e.call(t, "GET", "/admin/v1/api-users", adminToken+", "+next, nil); status != 401 {
		t.Errorf("both tokens as one: %d, want 401", status)
	}
}

func TestPasswordsAreRehashedAtTheConfiguredCostOnLogin(t *testing.T) {
	t.Parallel()
	e := start(t) // cost 4
	creds := e.credentials(t, "r1")
	if status, _ := e.call(t, "POST", "/admin/v1/resellers/r1/api-users", adminToken, newUser("quinn", "Rehash-Word-2026")); status != 201 {
		t.Fatalf("create: %d", status)
	}
	hashCost := func() int {
		var doc struct {
			Hash []byte `bson:"password_hash"`
		}
		if err := e.kit.Mongo.Database(e.db).Collection("app_users").FindOne(context.Background(), bson.D{{Key: "username", Value: "quinn"}}).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		cost, err := bcrypt.Cost(doc.Hash)
		if err != nil {
			t.Fatal(err)
		}
		return cost
	}
	if hashCost() != 4 {
		t.Fatalf("created at cost %d, want 4", hashCost())
	}
	// The same database served with a higher cost: the next login
	// rehashes, and the password still works.
	raised := startWith(t, func(c *service.Config) { c.Infra.Database, c.BcryptCost = e.db, 5 })
	if code := raised.login(t, creds, "quinn", "Rehash-Word-2026"); code != "" {
		t.Fatalf("login: %s", code)
	}
	if hashCost() != 5 {
		t.Errorf("after a login the hash has cost %d, want 5", hashCost())
	}
	if code := raised.login(t, creds, "quinn", "Rehash-Word-2026"); code != "" {
		t.Errorf("login after the rehash: %s", code)
	}
	if code := raised.login(t, creds, "quinn", "Wrong-Word-2026"); code != "invalid_grant" {
		t.Errorf("a wrong password after the rehash: %q", code)
	}
}
