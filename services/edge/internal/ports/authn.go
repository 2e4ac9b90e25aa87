package ports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/problem"
	"github.com/resellerapi/platform/services/edge/internal/adapters"
	"github.com/resellerapi/platform/services/edge/internal/app"
)

// ErrNoCredentials is returned by an Authenticator for a request that
// carries none of the credentials it reads.
var ErrNoCredentials = errors.New("no credentials")

// Authenticator turns a request's credentials into a caller.
type Authenticator interface {
	// Authenticate returns ErrNoCredentials when r carries none of its
	// kind, and another error when it carries bad ones.
	Authenticate(ctx context.Context, r *http.Request) (app.Caller, error)
}

// ErrTwoCredentials is returned for a request that carries credentials of
// two kinds: which one would speak for it is not for the edge to guess.
var ErrTwoCredentials = errors.New("credentials of two kinds")

// Authenticators is a chain of the kinds of credentials the edge takes:
// Bearer tokens first; the manager X-Api-Token plugs in as another link.
// A request carries one kind, which decides.
type Authenticators []Authenticator

// Authenticate runs the chain; a request with credentials of two kinds
// is refused with ErrTwoCredentials, whether each is valid or not.
func (chain Authenticators) Authenticate(ctx context.Context, r *http.Request) (app.Caller, error) {
	var caller app.Caller
	err, found := ErrNoCredentials, false
	for _, a := range chain {
		c, e := a.Authenticate(ctx, r)
		if errors.Is(e, ErrNoCredentials) {
			continue
		}
		if found {
			return app.Caller{}, ErrTwoCredentials
		}
		caller, err, found = c, e, true
	}
	return caller, err
}

// TokenVerifier verifies access tokens.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (*accesstoken.Claims, error)
}

// TokenRefusals says whether an access token is refused for what it names
// (its user disabled, deleted or whose password changed since; its client
// key retired by a rotation; the API deactivated since); the edge holds
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
	Keys WithdrawnKeys
}

// WithdrawnKeys says whether a signing key was withdrawn (it leaked); the
// edge holds this in memory from auth's events.
type WithdrawnKeys interface {
	Withdrawn(id string) bool
}

// TokenRevocations says whether an access token was revoked (RFC 7009);
// the edge holds the revoked ids in memory from auth's events.
type TokenRevocations interface {
	Revoked(jti string) bool
}

// Authenticate verifies the bearer token.
func (b BearerTokens) Authenticate(ctx context.Context, r *http.Request) (app.Caller, error) {
	raw, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		return app.Caller{}, ErrNoCredentials
	}
	claims, err := b.Verifier.Verify(ctx, raw)
	if err != nil {
		return app.Caller{}, err
	}
	if b.Keys != nil && b.Keys.Withdrawn(claims.KeyID) {
		return app.Caller{}, errors.New("the token's signing key was withdrawn")
	}
	if b.Revocations != nil && b.Revocations.Revoked(claims.ID) {
		return app.Caller{}, errors.New("the access token was revoked")
	}
	if b.Users != nil {
		if reason := b.Users.Refusal(claims.Subject, claims.Issued()); reason != "" {
			return app.Caller{}, errors.New(reason)
		}
	}
	if b.Clients != nil {
		if reason := b.Clients.Refusal(claims.ClientID, claims.Issued()); reason != "" {
			return app.Caller{}, errors.New(reason)
		}
	}
	return app.Caller{ResellerID: claims.ResellerID, Subject: claims.Subject, Scopes: strings.Fields(claims.Scope)}, nil
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
// token (the edge holds them in memory).
type ManagerTokenStore interface {
	ByDigest(digest string) (adapters.ManagerToken, bool)
}

// APITokenHeader carries a manager's API token.
const APITokenHeader = "X-Api-Token"

// ManagerTokens authenticates managers' API tokens sent as X-Api-Token:
// the caller is the manager's reseller, with the scopes of its role.
type ManagerTokens struct{ Store ManagerTokenStore }

// Authenticate looks the token up by digest.
func (m ManagerTokens) Authenticate(_ context.Context, r *http.Request) (app.Caller, error) {
	raw := r.Header.Get(APITokenHeader)
	if raw == "" {
		return app.Caller{}, ErrNoCredentials
	}
	digest := sha256.Sum256([]byte(raw))
	t, ok := m.Store.ByDigest(hex.EncodeToString(digest[:]))
	switch {
	case !ok:
		return app.Caller{}, errors.New("unknown API token")
	case t.Revoked:
		return app.Caller{}, errors.New("revoked API token")
	}
	caller := app.Caller{ResellerID: t.ResellerID, Subject: t.ManagerID}
	switch t.Role {
	case eventsv1.ManagerRole_MANAGER_ROLE_ADMIN:
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

// ResellerAccess says whether a reseller's credentials may call the API (the
// reseller tree the edge holds in memory).
type ResellerAccess interface {
	// Refusal is why reseller id may not ("" when it may).
	Refusal(id string) string
}

const callerKey = "edge.caller"

// authenticate identifies the caller with the chain, checks that its
// reseller exists and that it holds the scopes the route's operation
// requires in the OpenAPI document, and stores it for the handler.
func (h *HTTP) authenticate(c *gin.Context) {
	ctx := c.Request.Context()
	caller, err := h.authn.Authenticate(ctx, c.Request)
	switch {
	case errors.Is(err, ErrTwoCredentials):
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidParameter,
			"Send one credential: an access token as Authorization: Bearer <token>, or a manager's API token as X-Api-Token, not both."))
		return
	case errors.Is(err, ErrNoCredentials):
		c.Header("WWW-Authenticate", `Bearer realm="reseller-api"`)
		httpserver.Fail(c, problem.New(http.StatusUnauthorized, problem.TypeUnauthorized,
			"Send an access token from /oauth/token as Authorization: Bearer <token>, or a manager's API token as X-Api-Token."))
		return
	case err != nil:
		h.log.InfoContext(ctx, "credentials refused", "reason", err.Error())
		c.Header("WWW-Authenticate", `Bearer realm="reseller-api", error="invalid_token"`)
		httpserver.Fail(c, problem.New(http.StatusUnauthorized, problem.TypeUnauthorized,
			"The credentials are invalid, revoked or expired."))
		return
	}
	if reason := h.resellers.Refusal(caller.ResellerID); reason != "" {
		h.log.InfoContext(ctx, "caller's reseller refused", "reseller_id", caller.ResellerID, "subject", caller.Subject, "reason", reason)
		httpserver.Fail(c, problem.New(http.StatusForbidden, problem.TypeForbidden, reason))
		return
	}
	if op, ok := h.contract.Operation(c); ok {
		for _, scope := range op.Scopes {
			if !caller.Allows(scope) {
				c.Header("WWW-Authenticate", `Bearer realm="reseller-api", error="insufficient_scope", scope="`+scope+`"`)
				httpserver.Fail(c, problem.New(http.StatusForbidden, problem.TypeForbidden,
					"These credentials may not call this method: it needs the scope "+scope+" (a manager's role decides its scopes)."))
				return
			}
		}
	}
	c.Set(callerKey, caller)
	c.Next()
}

func caller(c *gin.Context) app.Caller {
	v, _ := c.Get(callerKey)
	caller, _ := v.(app.Caller)
	return caller
}
