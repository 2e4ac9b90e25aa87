package ports

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/problem"
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

// Authenticators is a chain: the first whose kind of credentials the
// request carries decides. Bearer tokens come first; the manager
// X-Api-Token plugs in as another link.
type Authenticators []Authenticator

// Authenticate runs the chain.
func (chain Authenticators) Authenticate(ctx context.Context, r *http.Request) (app.Caller, error) {
	for _, a := range chain {
		caller, err := a.Authenticate(ctx, r)
		if !errors.Is(err, ErrNoCredentials) {
			return caller, err
		}
	}
	return app.Caller{}, ErrNoCredentials
}

// TokenVerifier verifies access tokens.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (*accesstoken.Claims, error)
}

// BearerTokens authenticates OAuth 2.0 access tokens sent as
// "Authorization: Bearer <token>", verified locally.
type BearerTokens struct{ Verifier TokenVerifier }

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
	case errors.Is(err, ErrNoCredentials):
		c.Header("WWW-Authenticate", `Bearer realm="reseller-api"`)
		httpserver.Fail(c, problem.New(http.StatusUnauthorized, problem.TypeUnauthorized,
			"Send an access token from /oauth/token as Authorization: Bearer <token>."))
		return
	case err != nil:
		h.log.InfoContext(ctx, "credentials refused", "reason", err.Error())
		c.Header("WWW-Authenticate", `Bearer realm="reseller-api", error="invalid_token"`)
		httpserver.Fail(c, problem.New(http.StatusUnauthorized, problem.TypeUnauthorized,
			"The access token is invalid or has expired; request a new one."))
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
				httpserver.Fail(c, problem.New(http.StatusForbidden, problem.TypeForbidden, "The access token lacks the scope "+scope+"."))
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
