package callerauth

import (
	"context"
	"sync"
	"time"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/pkg/eventbus"
)

// AppUsers holds what a service must know of Application Users to refuse
// their access tokens without asking auth: those that were disabled,
// deleted or changed their password, fed by auth's events
// (eventbus.Follow). An active user the service never heard of is accepted.
type AppUsers struct {
	mu    sync.RWMutex
	users map[string]appUser
}

type appUser struct {
	status          eventsv1.AppUserStatus
	tokensNotBefore time.Time
	version         int64
}

// NewAppUsers returns an empty store.
func NewAppUsers() *AppUsers { return &AppUsers{users: map[string]appUser{}} }

// Apply records a user's state as of the event's version; an older or
// repeated version changes nothing (eventbus.ErrStale).
func (s *AppUsers) Apply(_ context.Context, e *eventsv1.AppUserChanged) error {
	u, version := e.GetUser(), e.GetMeta().GetVersion()
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.users[u.GetUserId()]; ok && old.version >= version {
		return eventbus.ErrStale
	}
	var notBefore time.Time
	if u.GetTokensNotBefore() != nil {
		notBefore = u.GetTokensNotBefore().AsTime()
	}
	s.users[u.GetUserId()] = appUser{status: u.GetStatus(), tokensNotBefore: notBefore, version: version}
	return nil
}

// Refusal says why an access token of user issued at issuedAt is refused
// ("" when it is not): the user was disabled or deleted, or the token was
// issued in or before the second its password changed (token times have
// whole seconds, so a token of that very second is refused too).
func (s *AppUsers) Refusal(user string, issuedAt time.Time) string {
	s.mu.RLock()
	u, ok := s.users[user]
	s.mu.RUnlock()
	switch {
	case !ok:
		return ""
	case u.status == eventsv1.AppUserStatus_APP_USER_STATUS_DISABLED:
		return "the application user is disabled"
	case u.status == eventsv1.AppUserStatus_APP_USER_STATUS_DELETED:
		return "the application user was deleted"
	case accesstoken.IssuedBefore(issuedAt, u.tokensNotBefore):
		return "the token was issued before the application user's password changed"
	}
	return ""
}
