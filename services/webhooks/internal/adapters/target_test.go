package adapters

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestForbiddenAddress(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1":          "loopback",
		"::1":                "loopback",
		"::ffff:127.0.0.1":   "loopback",
		"0.0.0.0":            "unspecified",
		"::":                 "unspecified",
		"10.1.2.3":           "private",
		"172.16.0.1":         "private",
		"192.168.1.1":        "private",
		"fd00:ec2::254":      "private",
		"169.254.169.254":    "cloud metadata",
		"169.254.1.1":        "link-local",
		"fe80::1":            "link-local",
		"100.100.100.200":    "carrier-grade NAT",
		"224.0.0.1":          "multicast",
		"ff02::1":            "multicast",
		"255.255.255.255":    "reserved",
		"64:ff9b::7f00:1":    "NAT64",
		"2002:7f00:1::":      "6to4",
		"0.1.2.3":            `"this network"`,
		"198.18.0.1":         "benchmarking",
		"93.184.215.14":      "",
		"2606:4700:4700::11": "",
		"8.8.8.8":            "",
	} {
		got := ForbiddenAddress(netip.MustParseAddr(addr))
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("ForbiddenAddress(%s) = %q, want %q", addr, got, want)
		}
	}
}

// The client checks the address it actually dials, after name
// resolution: a name that resolves to loopback is refused like the
// address itself, and the allowance lets both through.
func TestDeliveryClientRefusesInternalTargets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	byName := "http://localhost:" + strings.TrimPrefix(srv.URL, "http://127.0.0.1:")
	guarded := NewDeliveryClient(DeliveryClientConfig{Timeout: 5 * time.Second})
	for _, u := range []string{srv.URL, byName} {
		resp, err := guarded.Post(u, "application/json", strings.NewReader("{}"))
		if err == nil {
			_ = resp.Body.Close()
			t.Fatalf("POST %s: %d, want a refusal", u, resp.StatusCode)
		}
		if !errors.Is(err, ErrForbiddenTarget) {
			t.Errorf("POST %s: %v, want ErrForbiddenTarget", u, err)
		}
	}
	open := NewDeliveryClient(DeliveryClientConfig{Timeout: 5 * time.Second, AllowPrivateTargets: true})
	for _, u := range []string{srv.URL, byName} {
		resp, err := open.Post(u, "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatalf("POST %s with the allowance: %v", u, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("POST %s: %d", u, resp.StatusCode)
		}
	}
	// A redirect is an answer, not followed.
	resp, err := open.Post(srv.URL+"/moved", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("a redirect answered %d, want the 302 itself", resp.StatusCode)
	}
}

func TestReadCapped(t *testing.T) {
	big := strings.Repeat("x", 3*MaxResponseBody)
	if got := ReadCapped(t.Context(), strings.NewReader(big)); len(got) != MaxResponseBody {
		t.Errorf("read %d bytes, want %d", len(got), MaxResponseBody)
	}
}
