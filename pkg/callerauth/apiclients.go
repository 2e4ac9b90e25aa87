package callerauth

import (
	"context"
	"sync"
	"time"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/pkg/accesstoken"
)

// APIClients holds what a service must know of the Reseller API's clients
// to refuse access tokens without asking auth, fed by auth's events
// (eventbus.Follow): the client keys retired by a rotation, refused once
// their grace ends, and the cut-off of the API's last deactivation.
//
// Events are applied as a union, whatever their order: a retired key stays
// retired (at the earliest end of grace announced) and the latest
// deactivation wins, so replays and reordering change nothing.
type APIClients struct {
	mu        sync.RWMutex
	retired   map[string]time.Time // client key -> end of its grace
	cutoff    time.Time            // tokens issued in or before it are refused
	now       func() time.Time
	lastPurge time.Time
}

// NewAPIClients returns an empty store.
func NewAPIClients() *APIClients {
	return &APIClients{retired: map[string]time.Time{}, now: time.Now}
}

// ApplyCredentials records a reseller's retired keys, and forgets keys
// whose last token expired (at most once a minute).
func (s *APIClients) ApplyCredentials(_ context.Context, e *eventsv1.ApiCredentialsChanged) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range e.GetCredentials().GetRetired() {
		notAfter := r.GetNotAfter().AsTime()
		if !expired(notAfter, now) {
			if known, ok := s.retired[r.GetClientId()]; !ok || notAfter.Before(known) {
				s.retired[r.GetClientId()] = notAfter
			}
		}
	}
	if now.Sub(s.lastPurge) > time.Minute {
		for id, notAfter := range s.retired {
			if expired(notAfter, now) {
				delete(s.retired, id)
			}
		}
		s.lastPurge = now
	}
	return nil
}

// expired reports whether every token of a key retired at notAfter has
// expired by now.
func expired(notAfter, now time.Time) bool {
	return !notAfter.Add(accesstoken.MaxLifetime).After(now)
}

// ApplyActivation records the cut-off of the last deactivation, which
// activations carry too.
func (s *APIClients) ApplyActivation(_ context.Context, e *eventsv1.ApiActivationChanged) error {
	a := e.GetActivation()
	if a.GetTokensNotBefore() == nil {
		return nil
	}
	cutoff := a.GetTokensNotBefore().AsTime()
	s.mu.Lock()
	defer s.mu.Unlock()
	if cutoff.After(s.cutoff) {
		s.cutoff = cutoff
	}
	return nil
}

// Refusal says why an access token obtained with client issued at
// issuedAt is refused ("" when it is not): the Reseller API was
// deactivated after it was issued, or its client key was rotated and the
// grace period has ended.
func (s *APIClients) Refusal(client string, issuedAt time.Time) string {
	s.mu.RLock()
	notAfter, retired := s.retired[client]
	cutoff := s.cutoff
	s.mu.RUnlock()
	switch {
	case accesstoken.IssuedBefore(issuedAt, cutoff):
		return "the Reseller API was deactivated after the token was issued"
	case retired && !s.now().Before(notAfter):
		return "the token's client key was rotated and its grace period has ended"
	}
	return ""
}

// Len is how many retired keys are held.
func (s *APIClients) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.retired)
}
