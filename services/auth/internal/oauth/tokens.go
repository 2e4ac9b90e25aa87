package oauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/services/auth/internal/audit"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// RevocationRepository keeps revoked access tokens until they expire.
type RevocationRepository interface {
	// Revoke records token jti as revoked until expires (and forgets
	// revocations that expired).
	Revoke(ctx context.Context, jti string, expires time.Time) error
	IsRevoked(ctx context.Context, jti string) (bool, error)
}

// RevocationEvents tells every edge replica about a revoked access token.
type RevocationEvents interface {
	TokenRevoked(ctx context.Context, claims *accesstoken.Claims) error
}

// ErrBadClient is returned for a client key and secret that do not match.
var ErrBadClient = errors.New("unknown client or wrong secret")

// RefreshTokenRevoker revokes the family of one refresh token (by its
// signature) if it was issued to client.
type RefreshTokenRevoker interface {
	RevokeFamily(ctx context.Context, signature, client string) (bool, error)
}

// Tokens are the use cases of issued tokens: the client's
// authentication, revocation (RFC 7009) and introspection (RFC 7662), for
// the client that obtained them.
type Tokens struct {
	clients     Clients
	users       Users
	revocations RevocationRepository
	events      RevocationEvents
	// refresh may be nil: no refresh tokens to revoke then.
	refresh RefreshTokenRevoker
	digest  func(secret []byte) []byte
	trail   audit.Trail
}

// TokensDeps are what Tokens need.
type TokensDeps struct {
	Clients       Clients
	Users         Users
	Revocations   RevocationRepository
	Events        RevocationEvents
	RefreshTokens RefreshTokenRevoker
	// Digest digests client secrets (SHA-256).
	Digest func(secret []byte) []byte
	Trail  audit.Trail
}

// NewTokens returns the issued tokens' use cases.
func NewTokens(d TokensDeps) *Tokens {
	return &Tokens{clients: d.Clients, users: d.Users, revocations: d.Revocations, events: d.Events, refresh: d.RefreshTokens,
		digest: d.Digest, trail: d.Trail}
}

// AuthenticateClient checks a client key and secret (the digest compared
// in constant time): the Reseller API client's or a service client's.
func (h *Tokens) AuthenticateClient(ctx context.Context, id, secret string) error {
	c, err := h.clients.Find(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return ErrBadClient
	}
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(c.SecretDigest, h.digest([]byte(secret))) != 1 {
		return ErrBadClient
	}
	return nil
}

// Revoke revokes the verified token of client: it is recorded and
// announced, so that every edge replica refuses it until it expires.
// Another client's token is left alone, without saying so (RFC 7009).
func (h *Tokens) Revoke(ctx context.Context, client string, claims *accesstoken.Claims) error {
	if claims.ClientID != client || claims.ID == "" || claims.ExpiresAt == nil {
		h.trail.Logger().InfoContext(ctx, "token revocation ignored", "reason", "another client's token or no jti", "client_id", client)
		return nil
	}
	if err := h.revocations.Revoke(ctx, claims.ID, claims.ExpiresAt.Time); err != nil {
		return err
	}
	if err := h.events.TokenRevoked(ctx, claims); err != nil {
		return fmt.Errorf("announce revocation of token %s: %w", claims.ID, err)
	}
	h.trail.Note(audit.WithClientID(ctx, client), slog.LevelInfo, "access token revoked", audit.Record{Kind: "token.revoked",
		Subject: claims.Subject, ResellerID: claims.ResellerID, Detail: "access token " + claims.ID},
		"jti", claims.ID, "user_id", claims.Subject, "reseller_id", claims.ResellerID, "client_id", client)
	return nil
}

// Active reports whether the verified token of client may still be used:
// not revoked, its user neither disabled nor deleted, and issued after the
// user's last password change.
func (h *Tokens) Active(ctx context.Context, client string, claims *accesstoken.Claims) (bool, error) {
	if claims.ClientID != client {
		return false, nil
	}
	if claims.ID != "" {
		revoked, err := h.revocations.IsRevoked(ctx, claims.ID)
		if err != nil || revoked {
			return false, err
		}
	}
	if claims.Subject == client && strings.HasPrefix(client, domain.ServiceClientPrefix) {
		// A service client's own token: active while the client exists
		// (it just authenticated).
		return true, nil
	}
	u, err := h.users.ByID(ctx, claims.Subject)
	if errors.Is(err, domain.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !u.Disabled && !accesstoken.IssuedBefore(claims.Issued(), u.TokensNotBefore), nil
}

// RevokeRefresh revokes the refresh token whose signature is signature,
// and every token of its family, if it was issued to client; another
// client's or an unknown token is left alone, without saying so.
func (h *Tokens) RevokeRefresh(ctx context.Context, client, signature string) error {
	if h.refresh == nil {
		return nil
	}
	revoked, err := h.refresh.RevokeFamily(ctx, signature, client)
	if err != nil || !revoked {
		return err
	}
	h.trail.Note(audit.WithClientID(ctx, client), slog.LevelInfo, "refresh token family revoked",
		audit.Record{Kind: "token.revoked", Subject: client, Detail: "refresh token family"}, "client_id", client)
	return nil
}
