package ports

import (
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
	if err != nil {
		callerauth.Refuse(c, h.log, err)
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
				callerauth.RefuseScope(c, scope,
					"These credentials may not call this method: it needs the scope "+scope+" (a manager's role decides its scopes).")
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
