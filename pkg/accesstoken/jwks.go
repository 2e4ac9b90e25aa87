package accesstoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// RemoteKeySet is a KeySet read from a JWKS URL. Keys are cached. An
// unknown key id (a rotation) makes the caller wait for a fetch; a cache
// older than maxAge is refreshed in the background while the cached keys
// go on verifying, so a key auth stops publishing stops verifying. The
// JWKS is fetched outside the lock, by one caller at a time (the others
// wait for that fetch), and at most once per minRefresh whether it
// succeeds or fails: neither made-up key ids nor an unreachable auth
// service turn requests into a stream of fetches, and with auth down the
// cached keys stay in use.
type RemoteKeySet struct {
	url        string
	client     *http.Client
	minRefresh time.Duration
	maxAge     time.Duration
	now        func() time.Time

	mu        sync.Mutex
	keys      map[string]any
	fetchedAt time.Time  // last successful fetch
	attempted time.Time  // last fetch, successful or not
	inflight  *fetchCall // the fetch under way, if any
}

type fetchCall struct {
	done chan struct{}
	err  error
}

// NewRemoteKeySet returns a KeySet over the JWKS at url.
func NewRemoteKeySet(url string, client *http.Client) *RemoteKeySet {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	return &RemoteKeySet{url: url, client: client, minRefresh: 10 * time.Second, maxAge: 5 * time.Minute, now: time.Now, keys: map[string]any{}}
}

// ErrUnknownKey is returned for a key id the JWKS does not publish.
var ErrUnknownKey = errors.New("unknown signing key")

// Key returns the public key with id kid.
func (s *RemoteKeySet) Key(ctx context.Context, kid string) (any, error) {
	s.mu.Lock()
	now := s.now()
	due := s.attempted.IsZero() || now.Sub(s.attempted) >= s.minRefresh
	if k, ok := s.keys[kid]; ok {
		if due && s.inflight == nil && now.Sub(s.fetchedAt) > s.maxAge {
			s.startFetch(now) // refresh in the background; k verifies meanwhile
		}
		s.mu.Unlock()
		return k, nil
	}
	call := s.inflight
	if call == nil {
		if !due {
			s.mu.Unlock()
			return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
		}
		call = s.startFetch(now)
	}
	s.mu.Unlock()

	select {
	case <-call.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.mu.Lock()
	k, ok := s.keys[kid]
	s.mu.Unlock()
	switch {
	case ok:
		return k, nil
	case call.err != nil:
		return nil, call.err
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
}

// startFetch fetches the JWKS on a goroutine of its own, so that no
// request's cancellation aborts a fetch others wait for. s.mu is held.
func (s *RemoteKeySet) startFetch(now time.Time) *fetchCall {
	call := &fetchCall{done: make(chan struct{})}
	s.inflight, s.attempted = call, now
	go func() {
		keys, err := s.fetch(context.Background())
		s.mu.Lock()
		defer s.mu.Unlock()
		if err == nil {
			s.keys, s.fetchedAt = keys, s.now()
		}
		call.err = err
		s.inflight = nil
		close(call.done)
	}()
	return call
}

func (s *RemoteKeySet) fetch(ctx context.Context) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks request: %w", err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch jwks: status %d", resp.StatusCode)
	}
	return ParseJWKS(io.LimitReader(resp.Body, 1<<20))
}

// ParseJWKS decodes a JWKS document into public keys by key id. Private
// keys, keys without an id and keys for other uses are left out.
func ParseJWKS(r io.Reader) (map[string]any, error) {
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(r).Decode(&set); err != nil {
		return nil, fmt.Errorf("decode jwks: %w", err)
	}
	keys := make(map[string]any, len(set.Keys))
	for _, k := range set.Keys {
		if k.KeyID == "" || !k.IsPublic() || (k.Use != "" && k.Use != "sig") {
			continue
		}
		keys[k.KeyID] = k.Key
	}
	return keys, nil
}
