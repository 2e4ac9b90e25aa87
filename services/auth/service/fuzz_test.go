package service_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// FuzzOAuthEndpoints sends arbitrary forms and client credentials to the
// token, revocation and introspection endpoints: nothing may crash or
// answer 5xx, and every refusal is an RFC 6749 error object.
func FuzzOAuthEndpoints(f *testing.F) {
	e := start(f)
	e.call(f, "POST", "/admin/v1/reseller-api/credentials", adminToken, nil)
	_, creds := e.call(f, "GET", "/admin/v1/reseller-api/credentials", adminToken, nil)
	key, _ := creds["clientKey"].(string)
	secret, _ := creds["clientSecret"].(string)
	f.Add(uint8(0), "grant_type=password&username=alice&password=x", key, secret)
	f.Add(uint8(0), "grant_type=client_credentials&scope=accounts:read", "svc_x", "y")
	f.Add(uint8(1), "token=a.b.c&token_type_hint=access_token", key, secret)
	f.Add(uint8(2), "token=%zz&client_id="+key, "", "")
	f.Add(uint8(0), "grant_type=refresh_token&refresh_token=x", key, "")
	paths := []string{"/oauth/token", "/oauth/revoke", "/oauth/introspect"}
	f.Fuzz(func(t *testing.T, which uint8, form, id, pass string) {
		req, err := http.NewRequest("POST", e.srv.URL+paths[int(which)%len(paths)], strings.NewReader(form))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if id != "" || pass != "" {
			req.SetBasicAuth(id, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return // the client refused to send it (e.g. a bad header)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %q: %d %s", req.URL.Path, form, resp.StatusCode, body)
		}
		if resp.StatusCode >= 400 && resp.StatusCode != 429 {
			var e struct {
				Error string `json:"error"`
			}
			if json.Unmarshal(body, &e) != nil || e.Error == "" {
				t.Fatalf("%s %q: %d without an RFC 6749 error: %s", req.URL.Path, form, resp.StatusCode, body)
			}
		}
	})
}
