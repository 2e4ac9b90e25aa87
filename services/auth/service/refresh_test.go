package service_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/resellerapi/platform/services/auth/service"
)

func TestRefreshTokensRotateAndReuseRevokesTheFamily(t *testing.T) {
	t.Parallel()
	e := start(t)
	creds := e.credentials(t, "r1")
	status, kim := e.call(t, "POST", "/admin/v1/resellers/r1/api-users", adminToken, newUser("kim", "Refresh-Word-2026"))
	if status != 201 {
		t.Fatalf("create: %d", status)
	}
	id, secret := creds["clientKey"].(string), creds["clientSecret"].(string)
	oc := oauth2.Config{ClientID: id, ClientSecret: secret, Endpoint: oauth2.Endpoint{TokenURL: e.srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	first, err := oc.PasswordCredentialsToken(context.Background(), "kim", "Refresh-Word-2026")
	if err != nil || first.RefreshToken == "" {
		t.Fatalf("password grant: %v, refresh token %q", err, first.RefreshToken)
	}
	if raw, _ := e.kit.Mongo.Database(e.db).Collection("refresh_tokens").FindOne(context.Background(), map[string]any{}).Raw(); raw == nil ||
		strings.Contains(raw.String(), first.RefreshToken) || strings.Contains(raw.String(), strings.SplitN(first.RefreshToken, ".", 2)[1]) {
		t.Errorf("refresh token not stored, or stored in clear: %v", raw)
	}
	refresh := func(token string) (*oauth2.Token, error) {
		return oc.TokenSource(context.Background(), &oauth2.Token{RefreshToken: token, Expiry: time.Now().Add(-time.Minute)}).Token()
	}
	second, err := refresh(first.RefreshToken)
	if err != nil || second.RefreshToken == "" || second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatalf("refresh: %v %+v", err, second)
	}
	_, got := e.form(t, "/oauth/introspect", id, secret, url.Values{"token": {second.AccessToken}})
	if got["active"] != true || got["sub"] != kim["id"] || got["rid"] != "r1" {
		t.Errorf("refreshed access token: %v", got)
	}
	// The first refresh token was rotated: using it again is reuse, and
	// revokes the family, the second refresh token too.
	if _, err := refresh(first.RefreshToken); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("reused refresh token: %v", err)
	}
	if _, err := refresh(second.RefreshToken); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("the family's newer refresh token after reuse: %v", err)
	}

	// RFC 7009 revokes a refresh token's family; a new password ends the
	// user's sessions.
	third, _ := oc.PasswordCredentialsToken(context.Background(), "kim", "Refresh-Word-2026")
	if status, _ := e.form(t, "/oauth/revoke", id, secret, url.Values{"token": {third.RefreshToken}, "token_type_hint": {"refresh_token"}}); status != 200 {
		t.Fatalf("revoke: %d", status)
	}
	if _, err := refresh(third.RefreshToken); err == nil {
		t.Error("a revoked refresh token still works")
	}
	fourth, _ := oc.PasswordCredentialsToken(context.Background(), "kim", "Refresh-Word-2026")
	e.call(t, "PATCH", "/admin/v1/resellers/r1/api-users/"+kim["id"].(string), adminToken,
		map[string]any{"password": "Changed-Word-2027", "confirmPassword": "Changed-Word-2027"})
	if _, err := refresh(fourth.RefreshToken); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("refresh after a password change: %v", err)
	}
	// A made-up refresh token.
	if _, err := refresh("x.y"); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("made-up refresh token: %v", err)
	}
}

func TestAnExpiredRefreshTokenIsInvalidGrant(t *testing.T) {
	t.Parallel()
	e := startWith(t, func(c *service.Config) { c.RefreshTokenTTL = time.Second })
	creds := e.credentials(t, "r1")
	e.call(t, "POST", "/admin/v1/resellers/r1/api-users", adminToken, newUser("lena", "Expire-Word-2026"))
	id, secret := creds["clientKey"].(string), creds["clientSecret"].(string)
	oc := oauth2.Config{ClientID: id, ClientSecret: secret, Endpoint: oauth2.Endpoint{TokenURL: e.srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	tok, err := oc.PasswordCredentialsToken(context.Background(), "lena", "Expire-Word-2026")
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("password grant: %v", err)
	}
	time.Sleep(2 * time.Second) // fosite rounds the expiry to the second
	status, body := e.form(t, "/oauth/token", id, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
	if status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("expired refresh token: %d %v, want 400 invalid_grant", status, body)
	}
}
