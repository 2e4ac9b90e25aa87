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
	creds := e.credentials(f, "r1")
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

// FuzzAdminBodies sends arbitrary JSON bodies to the admin routes that
// take one: nothing may crash or answer 5xx, and every refusal is a
// problem document.
func FuzzAdminBodies(f *testing.F) {
	e := start(f)
	e.credentials(f, "r1")
	_, user := e.call(f, "POST", "/admin/v1/resellers/r1/api-users", adminToken, newUser("fuzzy", "Fuzz-Word-2026"))
	routes := [][2]string{
		{"POST", "/admin/v1/resellers/r1/api-users"},
		{"PATCH", "/admin/v1/resellers/r1/api-users/" + user["id"].(string)},
		{"POST", "/admin/v1/resellers/r1/service-clients"},
		{"POST", "/admin/v1/resellers/r1/api-credentials/rotate"},
		{"POST", "/admin/v1/reseller-api/credentials/rotate"},
		{"POST", "/admin/v1/signing-keys"},
	}
	f.Add(uint8(0), `{"username":"x","email":"x@y.z","password":"a","confirmPassword":"a"}`)
	f.Add(uint8(1), `{"disabled":true,"email":null}`)
	f.Add(uint8(2), `{"name":"\u0000"}`)
	f.Add(uint8(3), `{"gracePeriodSeconds":9223372036854775807}`)
	f.Add(uint8(3), `{"gracePeriodSeconds":1.5}`)
	f.Add(uint8(4), `{"gracePeriodSeconds":-1} {}`)
	f.Add(uint8(4), ``)
	f.Add(uint8(5), `{"publishDelaySeconds":"soon"}`)
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		route := routes[int(which)%len(routes)]
		req, err := http.NewRequest(route[0], e.srv.URL+route[1], strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+adminToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s %q: %d %s", route[0], route[1], body, resp.StatusCode, answer)
		}
		if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s %s %q: %d without a problem document: %s", route[0], route[1], body, resp.StatusCode, answer)
		}
	})
}
