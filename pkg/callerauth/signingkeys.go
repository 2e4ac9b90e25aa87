package callerauth

import (
	"context"
	"sync"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

// WithdrawnKeys holds the ids of the signing keys auth withdrew (they
// leaked), fed by auth's events (eventbus.Follow): a token signed with one
// is refused at once, even if this replica verified and cached it before,
// or still holds the key from an earlier JWKS fetch. Withdrawals are few
// and kept for the replica's life.
type WithdrawnKeys struct {
	mu  sync.RWMutex
	ids map[string]bool
}

// NewWithdrawnKeys returns an empty set.
func NewWithdrawnKeys() *WithdrawnKeys { return &WithdrawnKeys{ids: map[string]bool{}} }

// Apply records a withdrawal; a new key needs nothing (the JWKS is fetched
// when a token names a key id not seen yet).
func (w *WithdrawnKeys) Apply(_ context.Context, e *eventsv1.SigningKeyChanged) error {
	if e.GetKey().GetWithdrawnAt() == nil {
		return nil
	}
	w.mu.Lock()
	w.ids[e.GetKey().GetKeyId()] = true
	w.mu.Unlock()
	return nil
}

// Withdrawn reports whether key id was withdrawn.
func (w *WithdrawnKeys) Withdrawn(id string) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.ids[id]
}
