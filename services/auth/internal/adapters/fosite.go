package adapters

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/services/auth/internal/app"
	"github.com/resellerapi/platform/services/auth/internal/domain"
	"github.com/resellerapi/platform/services/auth/internal/oauth"
)

// FositeStore is fosite's storage for the grants the platform offers.
//
// Access tokens are self-contained JWTs verified at the edge with the
// JWKS, so they are not stored one row per token (that collection would
// grow without bound); revocation reaches the edge through events instead.
// Refresh tokens are stored (RefreshTokens): rotated at every use, and
// a reused one revokes its family.
type FositeStore struct {
	app      app.Application
	refresh  *RefreshTokens
	audience string
}

// NewFositeStore returns the store over the auth use cases; audience is
// the Reseller API's (the aud of every access token).
func NewFositeStore(application app.Application, refresh *RefreshTokens, audience string) *FositeStore {
	return &FositeStore{app: application, refresh: refresh, audience: audience}
}

// GetClient returns the Reseller API client if id is its client key (the
// password and refresh_token grants), or the service client with key id
// (client credentials).
func (s *FositeStore) GetClient(ctx context.Context, id string) (fosite.Client, error) {
	c, err := s.app.Clients.Find(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, fosite.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	client := &Client{DefaultClient: &fosite.DefaultClient{ID: c.ID, Secret: c.SecretDigest, ResponseTypes: []string{"token"}, Scopes: accesstoken.AllScopes()},
		resellerID: c.ResellerID}
	if c.Service {
		client.GrantTypes = []string{"client_credentials"}
	} else {
		client.GrantTypes, client.Audience = []string{"password", "refresh_token"}, []string{s.audience}
	}
	return client, nil
}

// Client is a fosite client that knows its reseller, so the token
// endpoint needs no second lookup to name it in the token.
type Client struct {
	*fosite.DefaultClient
	resellerID string
}

// ResellerID is the reseller the client belongs to.
func (c *Client) ResellerID() string { return c.resellerID }

// ClientAssertionJWTValid is part of fosite's client storage; the client
// authenticates with a secret, never with a JWT assertion.
func (s *FositeStore) ClientAssertionJWTValid(context.Context, string) error {
	return errors.New("client assertions are not supported")
}

// SetClientAssertionJWT: see ClientAssertionJWTValid.
func (s *FositeStore) SetClientAssertionJWT(context.Context, string, time.Time) error {
	return errors.New("client assertions are not supported")
}

// Authenticate checks an Application User's username and password and
// returns the user id as the subject.
func (s *FositeStore) Authenticate(ctx context.Context, username, password string) (string, error) {
	u, err := s.app.Login.Authenticate(ctx, username, password)
	if errors.Is(err, oauth.ErrBadLogin) {
		return "", fosite.ErrNotFound
	}
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

// CreateAccessTokenSession stores nothing: access tokens are JWTs.
func (s *FositeStore) CreateAccessTokenSession(context.Context, string, fosite.Requester) error {
	return nil
}

// GetAccessTokenSession finds nothing: access tokens are not stored.
func (s *FositeStore) GetAccessTokenSession(context.Context, string, fosite.Session) (fosite.Requester, error) {
	return nil, fosite.ErrNotFound
}

// DeleteAccessTokenSession has nothing to delete.
func (s *FositeStore) DeleteAccessTokenSession(context.Context, string) error { return nil }

// CreateRefreshTokenSession stores a refresh token (its digest).
func (s *FositeStore) CreateRefreshTokenSession(ctx context.Context, signature, _ string, req fosite.Requester) error {
	return s.refresh.create(ctx, signature, req)
}

// GetRefreshTokenSession finds a refresh token's request;
// fosite.ErrInactiveToken for a rotated or revoked one (reuse).
func (s *FositeStore) GetRefreshTokenSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	return s.refresh.get(ctx, signature, session, s.GetClient)
}

// DeleteRefreshTokenSession removes a refresh token.
func (s *FositeStore) DeleteRefreshTokenSession(ctx context.Context, signature string) error {
	return s.refresh.delete(ctx, signature)
}

// RotateRefreshToken makes the refresh token used inactive: used again, it
// is recognised as reuse.
func (s *FositeStore) RotateRefreshToken(ctx context.Context, _ string, signature string) error {
	return s.refresh.deactivate(ctx, bson.D{{Key: "_id", Value: signatureDigest(signature)}})
}

// RevokeRefreshToken makes every refresh token of family requestID
// inactive (reuse detected, or RFC 7009).
func (s *FositeStore) RevokeRefreshToken(ctx context.Context, requestID string) error {
	return s.refresh.deactivate(ctx, bson.D{{Key: "request_id", Value: requestID}})
}

// RevokeRefreshTokenMaybeGracePeriod is RevokeRefreshToken (no grace).
func (s *FositeStore) RevokeRefreshTokenMaybeGracePeriod(ctx context.Context, requestID, _ string) error {
	return s.RevokeRefreshToken(ctx, requestID)
}

// RevokeAccessToken has nothing to revoke by family: access tokens are
// JWTs that are not stored; they expire within ACCESS_TOKEN_TTL, and one
// can be revoked by its jti at /oauth/revoke.
func (s *FositeStore) RevokeAccessToken(context.Context, string) error { return nil }

// DigestHasher checks client secrets against their SHA-256 digest. Client
// secrets are 256-bit random values, so a slow hash adds nothing but cost
// on every token request.
// RefreshIntrospector tells whether a refresh token is active, as fosite's
// token endpoint would: its session is looked up by signature (a rotated
// or revoked one is inactive) and fosite's HMAC strategy checks the token
// was made by this server and has not expired.
type RefreshIntrospector struct {
	strategy oauth2.RefreshTokenStrategy
	store    *FositeStore
}

// NewRefreshIntrospector returns an introspector over the strategy that
// made the refresh tokens and the store that holds them.
func NewRefreshIntrospector(strategy oauth2.RefreshTokenStrategy, store *FositeStore) *RefreshIntrospector {
	return &RefreshIntrospector{strategy: strategy, store: store}
}

// Introspect returns the request token was issued for, its session in
// session, or an error when it is not an active refresh token.
func (r *RefreshIntrospector) Introspect(ctx context.Context, token string, session fosite.Session) (fosite.Requester, error) {
	req, err := r.store.GetRefreshTokenSession(ctx, r.strategy.RefreshTokenSignature(ctx, token), session)
	if err != nil {
		return nil, err
	}
	if err := r.strategy.ValidateRefreshToken(ctx, req, token); err != nil {
		return nil, err
	}
	return req, nil
}

type DigestHasher struct{}

// Compare returns an error unless data's digest is hash (constant time).
func (DigestHasher) Compare(_ context.Context, hash, data []byte) error {
	d := sha256.Sum256(data)
	if subtle.ConstantTimeCompare(hash, d[:]) != 1 {
		return errors.New("client secret does not match")
	}
	return nil
}

// Hash returns the digest of data.
func (DigestHasher) Hash(_ context.Context, data []byte) ([]byte, error) {
	return Digest(data), nil
}
