package accesstoken

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// TokenVerifier verifies access tokens.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (*Claims, error)
}

// Cache remembers the tokens it verified, keyed by the SHA-256 digest of
// the token, until they expire: resellers' integrations send the same
// token for its whole lifetime, and an ES256 verification costs more than
// the rest of a request. At most max tokens are kept; refused tokens are
// never kept, so made-up tokens cannot fill it. Whatever else a request
// needs checked (revocation, the reseller's state) is checked per request
// after Verify, in memory. A token signed with a key auth stops publishing
// stays accepted until it expires (access tokens live minutes).
type Cache struct {
	next TokenVerifier
	max  int
	now  func() time.Time

	mu      sync.RWMutex
	entries map[[sha256.Size]byte]*Claims
}

// NewCache returns a Cache of at most max tokens in front of next.
func NewCache(next TokenVerifier, max int) *Cache {
	return &Cache{next: next, max: max, now: time.Now, entries: make(map[[sha256.Size]byte]*Claims)}
}

// Verify returns the claims of raw, verifying it unless a valid
// verification is cached. The claims are shared: callers must not change
// them.
func (c *Cache) Verify(ctx context.Context, raw string) (*Claims, error) {
	key := digest(raw)
	now := c.now()
	c.mu.RLock()
	claims, ok := c.entries[key]
	c.mu.RUnlock()
	if ok && now.Before(claims.ExpiresAt.Time) {
		return claims, nil
	}
	claims, err := c.next.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		c.evict(now)
	}
	c.entries[key] = claims
	return claims, nil
}

// evict drops the expired tokens and, if that is not enough, about half
// of the others (map order is random). c.mu is held.
func (c *Cache) evict(now time.Time) {
	for k, cl := range c.entries {
		if !now.Before(cl.ExpiresAt.Time) {
			delete(c.entries, k)
		}
	}
	for k := range c.entries {
		if len(c.entries) < c.max/2 {
			break
		}
		delete(c.entries, k)
	}
}

// Len is the number of cached tokens.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// digest is the cache's key for a token: its SHA-256, taken without
// copying a token of usual size to the heap.
func digest(raw string) [sha256.Size]byte {
	var buf [2048]byte
	if len(raw) <= len(buf) {
		return sha256.Sum256(append(buf[:0], raw...))
	}
	return sha256.Sum256([]byte(raw))
}
