package cluster_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/resellerapi/platform/deployments/cluster"
)

// TestTheServicesRunAsSeparateProcesses starts the platform as
// `make run-services` does and drives it through the public URL: the seed
// flow with the demo data, two edge replicas behind the proxy, the admin
// API off the public URL, and NATS users held to their subjects.
func TestTheServicesRunAsSeparateProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts every service as a process")
	}
	c, err := cluster.Start(t.Context(), cluster.Options{Root: "../..", Dir: t.TempDir(), PublicAddr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0",
		SeedDemo: true, BcryptCost: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	if n := len(c.Processes()); n != 15 {
		t.Errorf("%d processes, want 3 NATS, FerretDB, auth and 2 x 5 services", n)
	}

	call := func(method, u, token string, body any) (int, map[string]any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequestWithContext(t.Context(), method, u, rd)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if status, _ := call("POST", c.AdminURL+"/admin/v1/reseller-api/credentials", c.AdminToken, nil); status != 201 {
		t.Fatalf("activate: %d", status)
	}
	if status, _ := call("GET", c.URL+"/admin/v1/reseller-api/credentials", c.AdminToken, nil); status != 404 {
		t.Errorf("the admin API on the public URL: %d, want 404", status)
	}
	// The console is served with the admin API, never on the public URL.
	if status, _ := call("GET", c.URL+"/console/sign-in", "", nil); status != 404 {
		t.Errorf("the console on the public URL: %d, want 404", status)
	}
	if status, _ := call("GET", c.AdminURL+"/console/sign-in", "", nil); status != 200 {
		t.Errorf("the console on the admin listener: %d, want 200", status)
	}
	var creds map[string]any
	deadline := time.Now().Add(90 * time.Second)
	for {
		var status int
		if status, creds = call("GET", c.AdminURL+"/admin/v1/resellers/res-cloudnova/api-credentials", c.AdminToken, nil); status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("auth never learnt res-cloudnova: %d", status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	user := map[string]string{"username": "cloudnova-dev", "email": "dev@cloudnova.example", "password": "Reseller-Api-2026", "confirmPassword": "Reseller-Api-2026"}
	if status, p := call("POST", c.AdminURL+"/admin/v1/resellers/res-cloudnova/api-users", c.AdminToken, user); status != 201 {
		t.Fatalf("create user: %d %v", status, p)
	}
	form := url.Values{"grant_type": {"password"}, "username": {"cloudnova-dev"}, "password": {"Reseller-Api-2026"}}
	req, _ := http.NewRequest("POST", c.URL+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(creds["clientKey"].(string), creds["clientSecret"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	_ = resp.Body.Close()
	if tok.AccessToken == "" {
		t.Fatalf("token: %d", resp.StatusCode)
	}
	// Both edge replicas (the proxy takes them in turn) serve the demo
	// reseller's 12 accounts once projected.
	deadline = time.Now().Add(90 * time.Second)
	for served := 0; served < 2; {
		status, list := call("GET", c.URL+"/api/accounts", tok.AccessToken, nil)
		if status == 200 && list["pagination"].(map[string]any)["totalCount"] == 12.0 {
			served++
			continue
		}
		served = 0
		if time.Now().After(deadline) {
			t.Fatalf("accounts: %d %v", status, list["pagination"])
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The webhooks replicas serve /api/webhooks behind the same URL and
	// deliver to the reseller's endpoint (loopback allowed in a local run).
	pinged := make(chan string, 1000)
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pinged <- r.Header.Get("webhook-id")
	}))
	defer endpoint.Close()
	status, hook := call("POST", c.URL+"/api/webhooks", tok.AccessToken, map[string]any{"url": endpoint.URL, "events": []string{"*"}})
	if status != http.StatusCreated {
		t.Fatalf("subscribe: %d %v", status, hook)
	}
	status, ping := call("POST", c.URL+"/api/webhooks/"+hook["id"].(string)+"/test", tok.AccessToken, nil)
	if status != http.StatusAccepted {
		t.Fatalf("ping: %d %v", status, ping)
	}
	// The demo data's changes the service is still following may arrive
	// too (the subscription takes every type): the ping is among them.
	for timeout := time.After(30 * time.Second); ; {
		select {
		case id := <-pinged:
			if id != ping["id"] {
				continue
			}
		case <-timeout:
			t.Errorf("the ping %v never arrived", ping["id"])
		}
		break
	}

	// NATS holds each user to its subjects: the back-office may not
	// publish auth's events, read a service's consumer or its replies.
	for name, try := range map[string]func(*nats.Conn) error{
		"publish auth's subject":        func(nc *nats.Conn) error { return nc.Publish("auth.app_user.changed.x", []byte("x")) },
		"read the directory's consumer": func(nc *nats.Conn) error { _, err := nc.SubscribeSync("deliver.directory.accounts"); return err },
		"read the edge's replies":       func(nc *nats.Conn) error { _, err := nc.SubscribeSync("_INBOX_edge.>"); return err },
	} {
		errs := make(chan error, 1)
		nc, err := nats.Connect(c.BackofficeNATSURL, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case errs <- err:
			default:
			}
		}))
		if err != nil {
			t.Fatal(err)
		}
		if err := try(nc); err != nil {
			t.Fatal(err)
		}
		_ = nc.Flush()
		select {
		case err := <-errs:
			if !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
				t.Errorf("%s: %v, want a permissions violation", name, err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("%s: allowed", name)
		}
		nc.Close()
	}
}
