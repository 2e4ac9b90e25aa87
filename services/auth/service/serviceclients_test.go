package service_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/pkg/testkit"
)

func TestServiceClientsUseClientCredentials(t *testing.T) {
	t.Parallel()
	e := start(t)
	if status, p := e.call(t, "POST", "/admin/v1/resellers/r1/service-clients", adminToken, map[string]string{"name": "ERP sync"}); status != 409 && status != 201 {
		t.Fatalf("before activation: %d %v", status, p)
	}
	e.call(t, "POST", "/admin/v1/reseller-api/credentials", adminToken, nil)
	status, created := e.call(t, "POST", "/admin/v1/resellers/r1/service-clients", adminToken, map[string]string{"name": "ERP sync"})
	key, _ := created["clientKey"].(string)
	secret, _ := created["clientSecret"].(string)
	if status != 201 || !strings.HasPrefix(key, "svc_") || len(secret) < 40 || created["resellerId"] != "r1" {
		t.Fatalf("create: %d %v", status, created)
	}
	for name, c := range map[string]struct {
		path string
		body any
		want int
	}{
		"no name":          {"/admin/v1/resellers/r1/service-clients", map[string]string{"name": " "}, 400},
		"unknown field":    {"/admin/v1/resellers/r1/service-clients", map[string]string{"name": "x", "secret": "y"}, 400},
		"unknown reseller": {"/admin/v1/resellers/nope/service-clients", map[string]string{"name": "x"}, 404},
	} {
		if status, p := e.call(t, "POST", c.path, adminToken, c.body); status != c.want {
			t.Errorf("%s: %d %v, want %d", name, status, p, c.want)
		}
	}
	_, list := e.call(t, "GET", "/admin/v1/resellers/r1/service-clients", adminToken, nil)
	if data := list["data"].([]any); len(data) != 1 || data[0].(map[string]any)["clientKey"] != key || data[0].(map[string]any)["clientSecret"] != nil {
		t.Errorf("list = %v", list)
	}
	if raw, _ := e.kit.Mongo.Database(e.db).Collection("service_clients").FindOne(context.Background(), map[string]any{}).Raw(); strings.Contains(raw.String(), secret) {
		t.Error("the service client's secret is stored in clear")
	}

	cc := clientcredentials.Config{ClientID: key, ClientSecret: secret, TokenURL: e.srv.URL + "/oauth/token",
		Scopes: []string{accesstoken.ScopeAccountsRead}, AuthStyle: oauth2.AuthStyleInHeader}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	verifier := accesstoken.NewVerifier(accesstoken.NewRemoteKeySet(e.srv.URL+"/.well-known/jwks.json", nil), issuer, time.Minute)
	claims, err := verifier.Verify(context.Background(), tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if claims.Subject != key || claims.ResellerID != "r1" || claims.ClientID != key || claims.Scope != accesstoken.ScopeAccountsRead {
		t.Errorf("claims = %+v", claims)
	}
	if _, got := e.form(t, "/oauth/introspect", key, secret, url.Values{"token": {tok.AccessToken}}); got["active"] != true || got["sub"] != key {
		t.Errorf("introspect its own token: %v", got)
	}
	wrong := cc
	wrong.ClientSecret = "nope"
	if _, err := wrong.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("wrong secret: %v", err)
	}
	// A service client may not log users in.
	oc := oauth2.Config{ClientID: key, ClientSecret: secret, Endpoint: oauth2.Endpoint{TokenURL: e.srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	if _, err := oc.PasswordCredentialsToken(context.Background(), "alice", "Correct-Horse-9"); err == nil || !strings.Contains(err.Error(), "unauthorized_client") {
		t.Errorf("password grant with a service client: %v", err)
	}

	events := kit.Subscribe(t, subjects.AppUsers.Pattern())
	if status, _ := e.call(t, "DELETE", "/admin/v1/resellers/r2/service-clients/"+key, adminToken, nil); status != 404 {
		t.Errorf("delete through another reseller: %d, want 404", status)
	}
	if status, _ := e.call(t, "DELETE", "/admin/v1/resellers/r1/service-clients/"+key, adminToken, nil); status != 204 {
		t.Fatalf("delete: %d", status)
	}
	if _, err := cc.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("a deleted client got a token: %v", err)
	}
	testkit.Eventually(t, 5*time.Second, func() bool {
		for _, m := range events() {
			var ev eventsv1.AppUserChanged
			if proto.Unmarshal(m.Data, &ev) == nil && ev.GetUser().GetUserId() == key &&
				ev.GetUser().GetStatus() == eventsv1.AppUserStatus_APP_USER_STATUS_DELETED {
				return true
			}
		}
		return false
	}, "the deletion was not announced to the edge")
}
