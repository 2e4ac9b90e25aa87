package callerauth

import (
	"context"
	"sync"
	"time"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

// RevokedTokens holds the ids (jti) of the access tokens auth revoked,
// until they expire, fed by auth's events (eventbus.Follow): a revoked
// token is refused with no store round trip as soon as its event reaches
// the replica. Its size is the revocations of one token lifetime.
type RevokedTokens struct {
	mu        sync.RWMutex
	expires   map[string]time.Time
	now       func() time.Time
	lastPurge time.Time
}

// NewRevokedTokens returns an empty set.
func NewRevokedTokens() *RevokedTokens {
	return &RevokedTokens{expires: map[string]time.Time{}, now: time.Now}
}

// Apply records a revocation, and forgets those that expired (at most once
// a minute). A revocation of a token that already expired is not kept.
func (r *RevokedTokens) Apply(_ context.Context, e *eventsv1.AccessTokenRevoked) error {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if exp := e.GetExpiresAt().AsTime(); exp.After(now) {
		r.expires[e.GetTokenId()] = exp
	}
	if now.Sub(r.lastPurge) > time.Minute {
		for id, exp := range r.expires {
			if !exp.After(now) {
				delete(r.expires, id)
			}
		}
		r.lastPurge = now
	}
	return nil
}

// Revoked reports whether the token with id jti was revoked.
func (r *RevokedTokens) Revoked(jti string) bool {
	if jti == "" {
		return false
	}
	r.mu.RLock()
	_, ok := r.expires[jti]
	r.mu.RUnlock()
	return ok
}

// Len is how many revocations are held.
func (r *RevokedTokens) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.expires)
}
