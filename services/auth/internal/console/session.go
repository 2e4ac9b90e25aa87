package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Session is a signed-in console user: the distributor's staff (signed in
// with an admin token) or one reseller's admin (with that reseller's
// storefront key). Only digests are kept: of the cookie's value (the id)
// and of the credential, which is checked again on every request so that
// a revoked storefront key or a retired admin token ends its sessions.
type Session struct {
	// ID is the hex SHA-256 of the session cookie's value.
	ID string
	// ResellerID is "" for the distributor.
	ResellerID string
	// Credential is the SHA-256 of the credential signed in with.
	Credential []byte
	// CSRF is the token every form of the session carries.
	CSRF      string
	CreatedAt time.Time
	LastSeen  time.Time
}

// Distributor reports whether the session is the distributor's.
func (s Session) Distributor() bool { return s.ResellerID == "" }

// ErrNoSession: the session does not exist (or no longer).
var ErrNoSession = errors.New("no such console session")

// SessionStore keeps sessions where every replica of auth sees them, so
// that signing out on one ends the session on all.
type SessionStore interface {
	Create(ctx context.Context, s Session) error
	// Get returns ErrNoSession for an unknown id.
	Get(ctx context.Context, id string) (Session, error)
	// Touch records that session id was used at t.
	Touch(ctx context.Context, id string, t time.Time) error
	Delete(ctx context.Context, id string) error
	// DeleteExpired removes the sessions last seen before idle or
	// created before created.
	DeleteExpired(ctx context.Context, idle, created time.Time) error
}

// newSecret is 32 random bytes, URL-safe.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// sessionID is the stored id of the session whose cookie holds value.
func sessionID(value string) string {
	d := sha256.Sum256([]byte(value))
	return hex.EncodeToString(d[:])
}

// expired reports whether s has outlived its idle or absolute lifetime.
func (s Session) expired(now time.Time, idle, lifetime time.Duration) bool {
	return now.Sub(s.LastSeen) > idle || now.Sub(s.CreatedAt) > lifetime
}
