package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"
)

// hooksResult is what the webhooks round counted.
type hooksResult struct {
	queued, arrived, missing, repeated, extra int
	retries                                   int64
	recovered                                 time.Duration
}

// hookReceiver is the reseller's endpoint: it counts the arrivals of
// each webhook-id (a receiver deduplicates on it).
type hookReceiver struct {
	mu      sync.Mutex
	arrived map[string]int
}

func (rc *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	rc.mu.Lock()
	rc.arrived[r.Header.Get("webhook-id")]++
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// webhooksRound subscribes an endpoint through the public API and queues
// n webhooks to it (POST /api/webhooks/{id}/test from 8 clients, each
// answered with the delivery's webhook-id), killing a webhooks replica
// (SIGKILL, restarted 2 s later) a third of the way in. Then it waits for
// every queued webhook-id to arrive at least once.
//
// The webhooks are pings rather than back-office events: the webhooks
// service's fanout remembers every object it has seen, a version-guarded
// write that the embedded store's SQLite handler scans for (a few events
// a second once the earlier phases' 13,000 invoices are known), while the
// queue and the dispatcher, which this round is about, do not depend on
// the store's size.
func (s *suite) webhooksRound(ctx context.Context, token string, n int, fault func() error) (hooksResult, error) {
	var res hooksResult
	rc := &hookReceiver{arrived: map[string]int{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	call := func(method, path string, body any, out any) (int, error) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(ctx, method, s.c.URL+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		defer func() { _ = resp.Body.Close() }()
		if out != nil && resp.StatusCode < 300 {
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				return resp.StatusCode, err
			}
		}
		return resp.StatusCode, nil
	}
	// reseller.updated: nothing in the suite changes the reseller, so only
	// the pings are sent to it.
	var sub struct {
		ID string `json:"id"`
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(500 * time.Millisecond) {
		status, err := call("POST", "/api/webhooks", map[string]any{"url": srv.URL + "/hooks", "events": []string{"reseller.updated"},
			"description": "fault suite"}, &sub)
		if err == nil && status == 201 {
			break
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("subscribe: %d %v", status, err)
		}
	}

	var queuedMu sync.Mutex
	queued := map[string]bool{}
	var next, done, retries atomic.Int64
	faulted := make(chan error, 1)
	var once sync.Once
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				var d struct {
					ID string `json:"id"`
				}
				for attempt := 0; ; attempt++ {
					status, err := call("POST", "/api/webhooks/"+sub.ID+"/test", nil, &d)
					if err == nil && status == http.StatusAccepted && d.ID != "" {
						break
					}
					// A replica killed with the request in flight: the
					// ping may have been queued (an extra id at the
					// receiver), so another is asked for.
					if attempt == 60 || ctx.Err() != nil {
						errs <- fmt.Errorf("queue a webhook: %d %v", status, err)
						return
					}
					retries.Add(1)
					time.Sleep(250 * time.Millisecond)
				}
				queuedMu.Lock()
				queued[d.ID] = true
				queuedMu.Unlock()
				if done.Add(1) == int64(n/3) {
					once.Do(func() { go func() { faulted <- fault() }() })
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		return res, err
	default:
	}
	if err := <-faulted; err != nil {
		return res, err
	}
	all := time.Now()
	missing := func() int {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		m := 0
		for id := range queued {
			if rc.arrived[id] == 0 {
				m++
			}
		}
		return m
	}
	for missing() > 0 && time.Since(all) < 5*time.Minute && ctx.Err() == nil {
		time.Sleep(200 * time.Millisecond)
	}
	res.recovered = time.Since(all)
	res.queued, res.missing, res.retries = len(queued), missing(), retries.Load()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for id, k := range rc.arrived {
		res.arrived += k
		switch {
		case !queued[id]:
			res.extra++
		case k > 1:
			res.repeated++
		}
	}
	return res, nil
}
