package resellerapi

import (
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Retry is when and how long a [Client] waits before it tries a call
// again. Only idempotent requests (GET, HEAD) are retried: every API call
// of this SDK is one.
type Retry struct {
	// Attempts is how many times a call is tried in all (1: no retry).
	Attempts int
	// Base is the first back-off; each retry doubles it, with full
	// jitter, up to Max.
	Base, Max time.Duration
}

// DefaultRetry tries a call four times over about 3 s of back-off, or as
// long as the API's Retry-After asks (up to 30 s a wait).
var DefaultRetry = Retry{Attempts: 4, Base: 250 * time.Millisecond, Max: 30 * time.Second}

// retryTransport retries 5xx answers, 429s and transport errors.
type retryTransport struct {
	policy Retry
	next   http.RoundTripper
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return t.next.RoundTrip(req)
	}
	for attempt := 1; ; attempt++ {
		resp, err := t.next.RoundTrip(req)
		if attempt >= t.policy.Attempts || !retryable(resp, err) {
			return resp, err
		}
		wait := t.policy.backoff(attempt)
		if resp != nil {
			if after, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				wait = min(after, t.policy.Max)
			}
			// Drain a little so that the connection can be reused.
			_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
			resp.Body.Close()
		}
		timer := time.NewTimer(wait)
		select {
		case <-req.Context().Done():
			timer.Stop()
			return nil, req.Context().Err()
		case <-timer.C:
		}
	}
}

func retryable(resp *http.Response, err error) bool {
	if err != nil {
		return true
	}
	return resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented
}

// backoff is the wait before retry n (1-based): full jitter over an
// exponentially growing window.
func (r Retry) backoff(n int) time.Duration {
	window := r.Base << min(n-1, 20)
	if window <= 0 || window > r.Max {
		window = r.Max
	}
	if window <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(window)) + 1)
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP-date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		// Capped before the product can overflow: a day is past any Max.
		return time.Duration(min(s, 86400)) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}
