// Package accesstoken verifies the platform's OAuth 2.0 access tokens
// locally: JWTs signed by the auth service with a key it publishes in its
// JWKS. The edge verifies every request with it, with no call to auth on
// the request path; keys are fetched once and again only when a token names
// a key id not seen yet (key rotation).
package accesstoken

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Scopes a Reseller API token may carry.
const (
	ScopeAccountsRead  = "accounts:read"
	ScopeProductsRead  = "products:read"
	ScopeInvoicesRead  = "invoices:read"
	ScopeResellersRead = "resellers:read"
	// ScopeWebhooksManage manages the reseller's webhook subscriptions
	// (the webhooks service's API).
	ScopeWebhooksManage = "webhooks:manage"
)

// AllScopes lists every scope, in the order they are documented.
func AllScopes() []string {
	return []string{ScopeAccountsRead, ScopeProductsRead, ScopeInvoicesRead, ScopeResellersRead, ScopeWebhooksManage}
}

// Algorithm is the only signature algorithm tokens are accepted with.
const Algorithm = "ES256"

// RFC 9068 profile of the access tokens: their "typ" header, and the
// longest lifetime (exp - iat) a token may have to be accepted, whatever
// auth is configured with.
const (
	TokenType   = "at+jwt"
	MaxLifetime = time.Hour
)

// Audience is the "aud" of the Reseller API's access tokens issued by
// issuer (the platform's public URL): the API's base URL.
func Audience(issuer string) string { return strings.TrimRight(issuer, "/") + "/api" }

// Claims are the claims of an access token.
type Claims struct {
	jwt.RegisteredClaims
	// ResellerID is the reseller the caller acts for: every query the
	// token allows is scoped to it.
	ResellerID string `json:"rid"`
	ClientID   string `json:"client_id"`
	// Scope is the space-separated list of granted scopes.
	Scope string `json:"scope"`
	// KeyID is the id of the key the token was signed with (its "kid"
	// header), set by Verify.
	KeyID string `json:"-"`
	// Scopes are Scope's entries, split once by Verify. A verified
	// token's claims are shared (Cache): read them, do not change them.
	Scopes []string `json:"-"`
}

// Issued is when the token was issued (its iat; the zero time if none).
func (c *Claims) Issued() time.Time {
	if c.IssuedAt == nil {
		return time.Time{}
	}
	return c.IssuedAt.Time
}

// IssuedBefore reports whether a token issued at issued is cut off by
// notBefore: issued in or before notBefore's second (token times have
// whole seconds, so a token of that very second is cut off too). A zero
// notBefore cuts off nothing.
func IssuedBefore(issued, notBefore time.Time) bool {
	return !notBefore.IsZero() && issued.Unix() <= notBefore.Unix()
}

// HasScope reports whether the token grants scope.
func (c *Claims) HasScope(scope string) bool {
	return slices.Contains(strings.Fields(c.Scope), scope)
}

// ErrInvalid is returned (wrapped, with the reason) for any token that is
// not acceptable: malformed, badly signed, expired, wrong issuer, ...
var ErrInvalid = errors.New("invalid access token")

// KeySet finds the public key a token was signed with, by key id.
type KeySet interface {
	Key(ctx context.Context, kid string) (any, error)
}

// Verifier verifies access tokens.
type Verifier struct {
	keys   KeySet
	parser *jwt.Parser
}

// NewVerifier returns a Verifier that accepts RFC 9068 access tokens
// ("typ" at+jwt) issued by issuer for the Reseller API (Audience), signed
// with a key of keys, living at most MaxLifetime; leeway absorbs clock
// skew.
func NewVerifier(keys KeySet, issuer string, leeway time.Duration) *Verifier {
	return &Verifier{
		keys: keys,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{Algorithm}),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(Audience(issuer)),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(leeway),
		),
	}
}

// Verify checks raw and returns its claims.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	var claims Claims
	_, err := v.parser.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); !strings.EqualFold(typ, TokenType) && !strings.EqualFold(typ, "application/"+TokenType) {
			return nil, fmt.Errorf("token type %q, want %s (RFC 9068)", typ, TokenType)
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token has no kid")
		}
		claims.KeyID = kid
		return v.keys.Key(ctx, kid)
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if claims.ResellerID == "" || claims.Subject == "" {
		return nil, fmt.Errorf("%w: token names no reseller or subject", ErrInvalid)
	}
	if claims.IssuedAt == nil || claims.ExpiresAt.Sub(claims.IssuedAt.Time) > MaxLifetime {
		return nil, fmt.Errorf("%w: a token lives at most %v from its iat", ErrInvalid, MaxLifetime)
	}
	claims.Scopes = strings.Fields(claims.Scope)
	return &claims, nil
}
