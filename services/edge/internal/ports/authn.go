package ports

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/callerauth"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/problem"
	"github.com/resellerapi/platform/services/edge/internal/app"
)

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
	case errors.Is(err, callerauth.ErrTwoCredentials):
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidParameter,
			"Send one credential: an access token as Authorization: Bearer <token>, or a manager's API token as X-Api-Token, not both."))
		return
	case errors.Is(err, callerauth.ErrNoCredentials):
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
