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

// RemoteKeySet is a KeySet read from a JWKS URL. Keys are cached; an
// unknown key id triggers a refetch, at most once per minRefresh, so a
// flood of tokens with made-up key ids cannot flood the auth service. The
// cache is refreshed when older than maxAge, so a key auth stops
// publishing stops verifying; if auth cannot be reached then, the cached
// keys stay in use.
type RemoteKeySet struct {
	url        string
	client     *http.Client
	minRefresh time.Duration
	maxAge     time.Duration
	now        func() time.Time

	mu        sync.Mutex
	keys      map[string]any
	fetchedAt time.Time
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
	defer s.mu.Unlock()
	if !s.fetchedAt.IsZero() && s.now().Sub(s.fetchedAt) > s.maxAge {
		// Best effort: on failure the cached keys stay in use.
		_ = s.fetch(ctx)
	}
	if k, ok := s.keys[kid]; ok {
		return k, nil
	}
	if !s.fetchedAt.IsZero() && s.now().Sub(s.fetchedAt) < s.minRefresh {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
	}
	if err := s.fetch(ctx); err != nil {
		return nil, err
	}
	if k, ok := s.keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
}

func (s *RemoteKeySet) fetch(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return fmt.Errorf("jwks request: %w", err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("fetch jwks: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch jwks: status %d", resp.StatusCode)
	}
	keys, err := ParseJWKS(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	s.keys = keys
	s.fetchedAt = s.now()
	return nil
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
