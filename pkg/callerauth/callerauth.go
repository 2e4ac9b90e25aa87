// Package callerauth tells who calls a service's public API: OAuth 2.0
// access tokens verified locally (and refused when auth's events say they
// no longer hold: revoked, their user disabled, their client retired,
// their signing key withdrawn) and managers' API tokens, found by digest.
// What it checks is held in memory, fed by auth's signed events through
// per-replica subscriptions (Follow), so a request costs no store round
// trip and a revocation reaches every replica within a second. The edge
// and the webhooks service authenticate with it.
package callerauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/problem"
)

// Caller is who calls: the reseller its credentials act for, their
// subject (an Application User, a service client or a manager) and what
// they may do.
type Caller struct {
	ResellerID string
	Subject    string
	// Scopes are the OAuth scopes the credentials grant.
	Scopes []string
	// OwnResellerOnly limits reseller profiles to the caller's own (a
	// billing manager's), not the resellers below it.
	OwnResellerOnly bool
}

// Allows reports whether the caller was granted scope.
func (c Caller) Allows(scope string) bool { return slices.Contains(c.Scopes, scope) }

// ErrNoCredentials is returned by an Authenticator for a request that
// carries none of the credentials it reads.
var ErrNoCredentials = errors.New("no credentials")

// Authenticator turns a request's credentials into a caller.
type Authenticator interface {
	// Authenticate returns ErrNoCredentials when r carries none of its
	// kind, and another error when it carries bad ones.
	Authenticate(ctx context.Context, r *http.Request) (Caller, error)
}

// ErrTwoCredentials is returned for a request that carries credentials of
// two kinds: which one would speak for it is not for the service to guess.
var ErrTwoCredentials = errors.New("credentials of two kinds")

// Authenticators is a chain of the kinds of credentials a service takes:
// Bearer tokens first; the manager X-Api-Token plugs in as another link.
// A request carries one kind, which decides.
type Authenticators []Authenticator

// Authenticate runs the chain; a request with credentials of two kinds
// is refused with ErrTwoCredentials, whether each is valid or not.
func (chain Authenticators) Authenticate(ctx context.Context, r *http.Request) (Caller, error) {
	var caller Caller
	err, found := ErrNoCredentials, false
	for _, a := range chain {
		c, e := a.Authenticate(ctx, r)
		if errors.Is(e, ErrNoCredentials) {
			continue
		}
		if found {
			return Caller{}, ErrTwoCredentials
		}
		caller, err, found = c, e, true
	}
	return caller, err
}

// Refuse answers a request whose credentials Authenticate refused with
// err: 400 for credentials of two kinds, 401 with a WWW-Authenticate
// challenge otherwise, as a problem document whose detail never says why
// a credential was refused (that is logged, without the credential).
func Refuse(c *gin.Context, log *slog.Logger, err error) {
	switch {
	case errors.Is(err, ErrTwoCredentials):
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidParameter,
			"Send one credential: an access token as Authorization: Bearer <token>, or a manager's API token as X-Api-Token, not both."))
	case errors.Is(err, ErrNoCredentials):
		c.Header("WWW-Authenticate", `Bearer realm="reseller-api"`)
		httpserver.Fail(c, problem.New(http.StatusUnauthorized, problem.TypeUnauthorized,
			"Send an access token from /oauth/token as Authorization: Bearer <token>, or a manager's API token as X-Api-Token."))
	default:
		log.InfoContext(c.Request.Context(), "credentials refused", "reason", err.Error())
		c.Header("WWW-Authenticate", `Bearer realm="reseller-api", error="invalid_token"`)
		httpserver.Fail(c, problem.New(http.StatusUnauthorized, problem.TypeUnauthorized, "The credentials are invalid, revoked or expired."))
	}
}

// RefuseScope answers a request whose credentials lack scope: 403, with
// the challenge naming it; detail says what grants it.
func RefuseScope(c *gin.Context, scope, detail string) {
	c.Header("WWW-Authenticate", `Bearer realm="reseller-api", error="insufficient_scope", scope="`+scope+`"`)
	httpserver.Fail(c, problem.New(http.StatusForbidden, problem.TypeForbidden, detail))
}

// TokenVerifier verifies access tokens.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (*accesstoken.Claims, error)
}

// TokenRefusals says whether an access token is refused for what it names
// (its user disabled, deleted or whose password changed since; its client
// key retired by a rotation; the API deactivated since); a service holds
// this in memory from auth's events.
type TokenRefusals interface {
	// Refusal is why a token naming id (its subject, or its client)
	// issued at issuedAt is refused, or "".
	Refusal(id string, issuedAt time.Time) string
}

// BearerTokens authenticates OAuth 2.0 access tokens sent as
// "Authorization: Bearer <token>", verified locally, and refuses those
// auth's events say no longer hold.
type BearerTokens struct {
	Verifier TokenVerifier
	// Users may be nil: no token is refused for its user then.
	Users TokenRefusals
	// Clients may be nil: no token is refused for its client then.
	Clients TokenRefusals
	// Revocations may be nil: no token is refused as revoked then.
	Revocations TokenRevocations
	// Keys may be nil: no token is refused for its signing key then.
	Keys KeyWithdrawals
}

// KeyWithdrawals says whether a signing key was withdrawn (it leaked); a
// service holds this in memory from auth's events (WithdrawnKeys).
type KeyWithdrawals interface {
	Withdrawn(id string) bool
}

// TokenRevocations says whether an access token was revoked (RFC 7009);
// a service holds the revoked ids in memory from auth's events.
type TokenRevocations interface {
	Revoked(jti string) bool
}

// Authenticate verifies the bearer token.
func (b BearerTokens) Authenticate(ctx context.Context, r *http.Request) (Caller, error) {
	raw, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		return Caller{}, ErrNoCredentials
	}
	claims, err := b.Verifier.Verify(ctx, raw)
	if err != nil {
		return Caller{}, err
	}
	if b.Keys != nil && b.Keys.Withdrawn(claims.KeyID) {
		return Caller{}, errors.New("the token's signing key was withdrawn")
	}
	if b.Revocations != nil && b.Revocations.Revoked(claims.ID) {
		return Caller{}, errors.New("the access token was revoked")
	}
	if b.Users != nil {
		if reason := b.Users.Refusal(claims.Subject, claims.Issued()); reason != "" {
			return Caller{}, errors.New(reason)
		}
	}
	if b.Clients != nil {
		if reason := b.Clients.Refusal(claims.ClientID, claims.Issued()); reason != "" {
			return Caller{}, errors.New(reason)
		}
	}
	return Caller{ResellerID: claims.ResellerID, Subject: claims.Subject, Scopes: claims.Scopes}, nil
}

// bearer takes the token from an Authorization header; the scheme name
// is case-insensitive (RFC 9110).
func bearer(header string) (string, bool) {
	const prefix = "bearer "
	if len(header) <= len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return "", false
	}
	return header[len(prefix):], true
}

// ManagerTokenStore finds a manager's API token by the hex SHA-256 of the
// token (held in memory).
type ManagerTokenStore interface {
	ByDigest(digest string) (ManagerToken, bool)
}

// APITokenHeader carries a manager's API token.
const APITokenHeader = "X-Api-Token"

// APITokens authenticates managers' API tokens sent as X-Api-Token: the
// caller is the manager's reseller, with the scopes of its role.
type APITokens struct{ Store ManagerTokenStore }

// Authenticate looks the token up by digest.
func (m APITokens) Authenticate(_ context.Context, r *http.Request) (Caller, error) {
	raw := r.Header.Get(APITokenHeader)
	if raw == "" {
		return Caller{}, ErrNoCredentials
	}
	digest := sha256.Sum256([]byte(raw))
	t, ok := m.Store.ByDigest(hex.EncodeToString(digest[:]))
	switch {
	case !ok:
		return Caller{}, errors.New("unknown API token")
	case t.Revoked:
		return Caller{}, errors.New("revoked API token")
	}
	caller := Caller{ResellerID: t.ResellerID, Subject: t.ManagerID}
	switch t.Role {
	case eventsv1.ManagerRole_MANAGER_ROLE_ADMIN:
		// Every read method, and managing the reseller's webhooks.
		caller.Scopes = accesstoken.AllScopes()
	case eventsv1.ManagerRole_MANAGER_ROLE_BILLING:
		// Products, invoices and the reseller's own profile.
		caller.Scopes = []string{accesstoken.ScopeProductsRead, accesstoken.ScopeInvoicesRead, accesstoken.ScopeResellersRead}
		caller.OwnResellerOnly = true
	case eventsv1.ManagerRole_MANAGER_ROLE_SUPPORT:
		caller.Scopes = []string{accesstoken.ScopeAccountsRead, accesstoken.ScopeResellersRead}
	}
	return caller, nil
}
