// Package oauth is the use cases behind the OAuth endpoints that fosite
// does not decide alone: an Application User's login for the password
// grant (with back-off), a client's authentication, and the revocation
// (RFC 7009) and introspection (RFC 7662) of issued tokens.
package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/resellerapi/platform/services/auth/internal/audit"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// Users finds and stores Application Users.
type Users interface {
	ByUsername(ctx context.Context, username string) (domain.AppUser, error)
	ByID(ctx context.Context, id string) (domain.AppUser, error)
	// Update replaces the user stored at version previous with u;
	// domain.ErrConflict when it changed meanwhile.
	Update(ctx context.Context, u domain.AppUser, previous int64) error
}

// Clients finds the OAuth client with a key (credentials.Clients).
type Clients interface {
	Find(ctx context.Context, id string) (domain.Client, error)
}

// PasswordHasher hashes Application User passwords with a slow hash.
type PasswordHasher interface {
	Hash(password string) ([]byte, error)
	// Compare returns an error unless password matches hash.
	Compare(hash []byte, password string) error
	// Outdated reports whether hash should be made again (its cost is
	// not the configured one).
	Outdated(hash []byte) bool
}

// LoginThrottle backs off failed logins per key.
type LoginThrottle interface {
	// Locked is how long the longest lock among keys lasts yet (0: none).
	Locked(keys ...string) time.Duration
	Failed(keys ...string)
	Succeeded(key string)
}

// ErrBadLogin is returned for an unknown username, a wrong password or a
// disabled user alike, so callers cannot tell them apart.
var ErrBadLogin = errors.New("unknown username or wrong password")

// Authenticator checks Application Users' passwords for the password
// grant. NewAuthenticator wraps it in the audit trail.
type Authenticator interface {
	Authenticate(ctx context.Context, username, password string) (domain.AppUser, error)
}

// refusal is why a login failed, for the trail (never to the caller).
type refusal struct {
	reason string
	user   domain.AppUser // known when the username was
	// locked is how long the username or address is locked yet.
	locked time.Duration
}

func (r *refusal) Error() string { return ErrBadLogin.Error() + ": " + r.reason }
func (r *refusal) Unwrap() error { return ErrBadLogin }

// login checks passwords and says why it refuses one.
type login struct {
	users     Users
	clients   Clients
	passwords PasswordHasher
	throttle  LoginThrottle
	log       *slog.Logger
	// dummyHash is of a random password: unknown usernames are checked
	// against it so that they take as long as known ones.
	dummyHash []byte
}

// NewAuthenticator returns the password check with back-off (throttle
// may be nil: none), every outcome logged and recorded in trail.
func NewAuthenticator(users Users, clients Clients, passwords PasswordHasher, throttle LoginThrottle, trail audit.Trail) (Authenticator, error) {
	dummy, err := passwords.Hash(uuid.NewString())
	if err != nil {
		return nil, fmt.Errorf("dummy password hash: %w", err)
	}
	l := &login{users: users, clients: clients, passwords: passwords, throttle: throttle, log: trail.Logger(), dummyHash: dummy}
	return audited{next: l, trail: trail}, nil
}

// Authenticate returns the user whose username and password match. A
// username or client address with too many failures in a row is locked
// for a while: its logins fail like a wrong password (the password is
// still hashed, so the answer takes as long), whatever the password.
func (l *login) Authenticate(ctx context.Context, username, password string) (domain.AppUser, error) {
	keys := []string{"user:" + domain.UsernameKey(username)}
	if addr := audit.ClientAddress(ctx); addr != "" {
		keys = append(keys, "addr:"+addr)
	}
	if l.throttle != nil {
		if wait := l.throttle.Locked(keys...); wait > 0 {
			// Not counted: the lock ends when it said, however often it
			// is tried meanwhile.
			_ = l.passwords.Compare(l.dummyHash, password)
			return domain.AppUser{}, &refusal{reason: "locked after failed logins", locked: wait}
		}
	}
	u, err := l.check(ctx, username, password)
	if l.throttle != nil {
		switch {
		case errors.Is(err, ErrBadLogin):
			l.throttle.Failed(keys...)
		case err == nil:
			l.throttle.Succeeded(keys[0])
		}
	}
	return u, err
}

func (l *login) check(ctx context.Context, username, password string) (domain.AppUser, error) {
	u, err := l.users.ByUsername(ctx, username)
	if errors.Is(err, domain.ErrNotFound) {
		_ = l.passwords.Compare(l.dummyHash, password)
		return domain.AppUser{}, &refusal{reason: "unknown username"}
	}
	if err != nil {
		return domain.AppUser{}, err
	}
	if err := l.passwords.Compare(u.PasswordHash, password); err != nil {
		return domain.AppUser{}, &refusal{reason: "wrong password", user: u}
	}
	if u.Disabled {
		return domain.AppUser{}, &refusal{reason: "user disabled", user: u}
	}
	// One reseller's client secret never helps against another's users:
	// the answer is a wrong password's.
	client, err := l.clients.Find(ctx, audit.ClientID(ctx))
	switch {
	case errors.Is(err, domain.ErrNotFound) || (err == nil && (client.Service || client.ResellerID != u.ResellerID)):
		return domain.AppUser{}, &refusal{reason: "the client belongs to another reseller", user: u}
	case err != nil:
		return domain.AppUser{}, err
	}
	return l.rehash(ctx, u, password), nil
}

// rehash stores the password of u, which just logged in with it, hashed
// at the configured cost if its hash was made at another (BCRYPT_COST
// changed). A failure is logged: the login succeeds anyway, and the next
// one tries again.
func (l *login) rehash(ctx context.Context, u domain.AppUser, password string) domain.AppUser {
	if !l.passwords.Outdated(u.PasswordHash) {
		return u
	}
	hash, err := l.passwords.Hash(password)
	if err != nil {
		l.log.WarnContext(ctx, "password not rehashed", "user_id", u.ID, "error", err.Error())
		return u
	}
	// The same version: nothing the edge needs changed, and a concurrent
	// change of the user wins over this one.
	next := u
	next.PasswordHash = hash
	if err := l.users.Update(ctx, next, u.Version); err != nil {
		l.log.WarnContext(ctx, "password not rehashed", "user_id", u.ID, "error", err.Error())
		return u
	}
	l.log.InfoContext(ctx, "password rehashed at the configured cost", "user_id", u.ID)
	return next
}

// audited logs and records every login's outcome: the one place where a
// login becomes a log line and a security event.
type audited struct {
	next  Authenticator
	trail audit.Trail
}

func (a audited) Authenticate(ctx context.Context, username, password string) (domain.AppUser, error) {
	u, err := a.next.Authenticate(ctx, username, password)
	addr := audit.ClientAddress(ctx)
	var r *refusal
	switch {
	case err == nil:
		a.trail.Note(ctx, slog.LevelInfo, "login succeeded", audit.Record{Kind: "login.succeeded", Subject: u.ID, ResellerID: u.ResellerID},
			"user_id", u.ID, "reseller_id", u.ResellerID, "client_address", addr)
	case errors.As(err, &r) && r.locked > 0:
		wait := r.locked.Round(time.Second).String()
		a.trail.Note(ctx, slog.LevelWarn, "login refused", audit.Record{Kind: "login.locked", Subject: username, Detail: "locked for " + wait},
			"reason", r.reason, "client_address", addr, "locked_for", wait)
	case errors.As(err, &r):
		subject, attrs := username, []any{"reason", r.reason, "client_address", addr}
		if r.user.ID != "" {
			subject, attrs = r.user.ID, append(attrs, "user_id", r.user.ID)
		}
		if r.reason == "the client belongs to another reseller" {
			attrs = append(attrs, "client_id", audit.ClientID(ctx))
		}
		a.trail.Note(ctx, slog.LevelInfo, "login failed", audit.Record{Kind: "login.failed", Subject: subject, ResellerID: r.user.ResellerID,
			Detail: r.reason}, attrs...)
	}
	return u, err
}
