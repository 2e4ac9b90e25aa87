package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/resellerapi/platform/services/allinone/platform"
)

// tokenRows measures the token endpoint: the password grant (one bcrypt
// comparison of benchBcryptCost per request, in the hashing slots) and the
// client_credentials grant of a service client (a SHA-256 digest), both
// signing an ES256 JWT. It prints requests per second.
func tokenRows(ctx context.Context, o settings, p *platform.Platform) error {
	admin := func(method, path, body string, out *map[string]any) error {
		req, _ := http.NewRequestWithContext(ctx, method, p.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+p.AdminToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer func() { _ = resp.Body.Close() }()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s %s: %d", method, path, resp.StatusCode)
		}
		if out != nil {
			return decodeJSON(resp, out)
		}
		return nil
	}
	var creds, svc map[string]any
	if err := admin("GET", "/admin/v1/resellers/res-0/api-credentials", "", &creds); err != nil {
		return err
	}
	if err := admin("POST", "/admin/v1/resellers/res-0/service-clients", `{"name":"bench"}`, &svc); err != nil {
		return err
	}
	token := func(id, secret string, form url.Values) func() error {
		return func() error {
			req, _ := http.NewRequestWithContext(ctx, "POST", p.URL+"/oauth/token", strings.NewReader(form.Encode()))
			req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("token: %d", resp.StatusCode)
			}
			return nil
		}
	}
	password := token(creds["clientKey"].(string), creds["clientSecret"].(string),
		url.Values{"grant_type": {"password"}, "username": {"bench-user"}, "password": {"Bench-Pass-2026"}})
	clientCredentials := token(svc["clientKey"].(string), svc["clientSecret"].(string), url.Values{"grant_type": {"client_credentials"}})
	fmt.Printf("\n%-44s %11s %11s %11s\n", "token endpoint (throughput)", "concurrency", "ms/op", "requests/s")
	for _, row := range []struct {
		name string
		n    int
		f    func() error
	}{
		{fmt.Sprintf("password grant (bcrypt cost %d)", benchBcryptCost), max(o.requests/5, 10), password},
		{"client_credentials (SHA-256 secret digest)", o.requests, clientCredentials},
	} {
		for _, c := range o.concurrency {
			start := time.Now()
			mean, err := measure(row.n, c, row.f)
			if err != nil {
				return err
			}
			perSecond := float64(row.n) / time.Since(start).Seconds()
			fmt.Printf("%-44s %11d %11.2f %11.0f\n", row.name, c, ms(mean), perSecond)
		}
	}
	fmt.Println("each answer is an ES256-signed JWT; the password grant's hashes run in at most CPUs-1 slots at once")
	return nil
}

func decodeJSON(resp *http.Response, out *map[string]any) error {
	return json.NewDecoder(resp.Body).Decode(out)
}
