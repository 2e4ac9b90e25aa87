package resellerapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/resellerapi/platform/sdk/go/api"
)

// These tests stand a small server in for the API to reach the SDK's own
// branches (retries, error decoding, cursor following); the all-in-one's
// end-to-end test drives the SDK and its examples against the platform.

func testClient(t *testing.T, h http.HandlerFunc, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts = append([]Option{WithManagerToken("mt_test"), WithRetry(Retry{Attempts: 4, Base: time.Millisecond, Max: 5 * time.Millisecond})}, opts...)
	c, err := New(srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRetriesServerErrorsAndTooManyRequests(t *testing.T) {
	var calls atomic.Int32
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.WriteHeader(http.StatusBadGateway)
		case 2:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			if r.Header.Get("X-Api-Token") != "mt_test" || r.Header.Get("X-Api-Version") != "3" {
				t.Errorf("headers %v", r.Header)
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"id":"acc-1","name":"Acme"}`)
		}
	})
	a, err := c.Account(context.Background(), "acc-1")
	if err != nil {
		t.Fatal(err)
	}
	if a.Id != "acc-1" || calls.Load() != 3 {
		t.Errorf("account %+v after %d calls, want acc-1 after 3", a, calls.Load())
	}
}

func TestGivesUpAfterTheLastAttempt(t *testing.T) {
	var calls atomic.Int32
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"type":"urn:resellerapi:problem:unavailable","title":"Service unavailable","status":503}`)
	})
	_, err := c.Product(context.Background(), "p")
	if StatusOf(err) != 503 || calls.Load() != 4 {
		t.Errorf("err %v after %d calls, want a 503 after 4", err, calls.Load())
	}
}

func TestClientErrorsAreTypedAndNotRetried(t *testing.T) {
	var calls atomic.Int32
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("X-Correlation-ID", "corr-1")
		if r.URL.Path == "/api/v3/resellers/r9" {
			w.Header().Set("Content-Type", "application/vnd.api+json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"errors":[{"status":"404","code":"not_found","title":"Not found","detail":"no reseller r9"}]}`)
			return
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"type":"urn:resellerapi:problem:not-found","title":"Not found","status":404,"detail":"no invoice inv-9"}`)
	})
	_, err := c.Invoice(context.Background(), "inv-9")
	var e *Error
	if !errors.As(err, &e) || !IsNotFound(err) || e.Type() != "urn:resellerapi:problem:not-found" || e.CorrelationID != "corr-1" {
		t.Fatalf("err = %#v", err)
	}
	if got, want := err.Error(), "GET /api/invoices/inv-9: 404 Not found: no invoice inv-9"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	_, err = c.Reseller(context.Background(), "r9")
	if !errors.As(err, &e) || e.Type() != "not_found" || e.Error() != "GET /api/v3/resellers/r9: 404 Not found: no reseller r9" {
		t.Errorf("JSON:API error = %v (%q)", err, e.Type())
	}
	if calls.Load() != 2 {
		t.Errorf("%d calls for two 404s: a 4xx must not be retried", calls.Load())
	}
}

func TestIteratorsFollowTheCursorToTheEnd(t *testing.T) {
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("status") != "active" || q.Has("pageIndex") {
			t.Errorf("query %v: the filters go with every page, pageIndex with none", q)
		}
		w.Header().Set("Content-Type", "application/json")
		switch q.Get("pageToken") {
		case "":
			fmt.Fprint(w, `{"data":[{"id":"a1"},{"id":"a2"}],"nextPageToken":"t2"}`)
		case "t2":
			fmt.Fprint(w, `{"data":[{"id":"a3"}],"nextPageToken":"t3"}`)
		case "t3":
			fmt.Fprint(w, `{"data":[]}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	active, one := api.AccountStatusActive, 1
	var ids []string
	for a, err := range c.Accounts(context.Background(), api.ListAccountsParams{Status: &active, PageIndex: &one}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.Id)
	}
	if fmt.Sprint(ids) != "[a1 a2 a3]" {
		t.Errorf("walked %v", ids)
	}
	// Breaking out of the loop stops the walk.
	for range c.Accounts(context.Background(), api.ListAccountsParams{Status: &active}) {
		break
	}
}

func TestAnErrorEndsTheWalk(t *testing.T) {
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page[cursor]") == "" {
			w.Header().Set("Content-Type", "application/vnd.api+json")
			fmt.Fprint(w, `{"data":[{"id":"r1","type":"resellers","attributes":{},"links":{"self":"x"}}],"links":{"self":"x"},"meta":{"nextCursor":"c2"}}`)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.api+json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"errors":[{"status":"400","code":"invalid_parameter","title":"Invalid page[cursor]"}]}`)
	})
	var got []string
	for r, err := range c.Resellers(context.Background(), api.ListResellersParams{}) {
		if err != nil {
			got = append(got, fmt.Sprint(StatusOf(err)))
			continue
		}
		got = append(got, r.Id)
	}
	if fmt.Sprint(got) != "[r1 400]" {
		t.Errorf("walk yielded %v, want r1 then the 400", got)
	}
}

func TestNewNeedsExactlyOneCredential(t *testing.T) {
	if _, err := New("http://x"); err == nil {
		t.Error("no credential accepted")
	}
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "a"})
	if _, err := New("http://x", WithTokenSource(ts), WithManagerToken("m")); err == nil {
		t.Error("two credentials accepted")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"3":                             3 * time.Second,
		"Sun, 06 Dec 2026 12:00:10 GMT": 10 * time.Second,
		"Sun, 06 Dec 2026 11:00:00 GMT": 0,
	} {
		if got, ok := retryAfter(in, now); !ok || got != want {
			t.Errorf("Retry-After %q = %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-1", "soon"} {
		if _, ok := retryAfter(in, now); ok {
			t.Errorf("Retry-After %q accepted", in)
		}
	}
}

func TestBackoffStaysInItsWindow(t *testing.T) {
	r := Retry{Attempts: 5, Base: 100 * time.Millisecond, Max: time.Second}
	for n, window := range map[int]time.Duration{1: 100 * time.Millisecond, 3: 400 * time.Millisecond, 9: time.Second, 70: time.Second} {
		for range 100 {
			if d := r.backoff(n); d <= 0 || d > window {
				t.Fatalf("backoff(%d) = %v, want in (0, %v]", n, d, window)
			}
		}
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "120", "Sun, 06 Dec 2026 12:00:10 GMT", "-5", "1e3", ""} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d, ok := retryAfter(v, now); ok && d < 0 {
			t.Errorf("Retry-After %q: negative wait %v", v, d)
		} else if !ok && d != 0 {
			t.Errorf("Retry-After %q refused with a wait %v", v, d)
		}
	})
}
