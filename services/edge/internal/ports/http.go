// Package ports serves the edge's public HTTP API: authentication with
// locally verified JWTs, API-version negotiation, paging, scoping to the
// caller's reseller and RFC 9457 errors.
package ports

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/pkg/problem"
	"github.com/resellerapi/platform/services/edge/internal/app"
)

// Versions of the BSS-style API this edge serves.
const (
	APIVersionHeader = "X-api-version"
	CurrentVersion   = "3"
)

// TokenVerifier verifies access tokens.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (*accesstoken.Claims, error)
}

// HTTP serves the public API.
type HTTP struct {
	app      app.Application
	verifier TokenVerifier
	log      *slog.Logger
}

// NewHTTP returns the public API handlers.
func NewHTTP(application app.Application, verifier TokenVerifier, log *slog.Logger) *HTTP {
	return &HTTP{app: application, verifier: verifier, log: log}
}

// Register adds the /api routes to r.
func (h *HTTP) Register(r gin.IRouter) {
	api := r.Group("/api", apiVersion)
	api.GET("/accounts", h.authenticate(accesstoken.ScopeAccountsRead), h.listAccounts)
	api.GET("/accounts/:id", h.authenticate(accesstoken.ScopeAccountsRead), h.getAccount)
}

// apiVersion negotiates X-api-version: absent means 3; anything else is
// refused naming the supported versions.
func apiVersion(c *gin.Context) {
	if v := c.GetHeader(APIVersionHeader); v != "" && v != CurrentVersion {
		httpserver.Problem(c, problem.New(http.StatusBadRequest, problem.TypeUnsupportedVer,
			"X-api-version "+quote(v)+" is not supported; supported versions: 3."))
		return
	}
	c.Header(APIVersionHeader, CurrentVersion)
	c.Next()
}

// quote shows a client's value in a message: quoted, escaped, at most 20
// characters.
func quote(s string) string {
	if r := []rune(s); len(r) > 20 {
		s = string(r[:20]) + "..."
	}
	return strconv.Quote(s)
}

const callerKey = "caller"

// authenticate verifies the Bearer token locally and requires scope.
func (h *HTTP) authenticate(scope string) gin.HandlerFunc {
	return func(c *gin.Context) {
		raw, ok := bearer(c.GetHeader("Authorization"))
		if !ok {
			c.Header("WWW-Authenticate", `Bearer realm="reseller-api"`)
			httpserver.Problem(c, problem.New(http.StatusUnauthorized, problem.TypeUnauthorized,
				"Send an access token from /oauth/token as Authorization: Bearer <token>."))
			return
		}
		claims, err := h.verifier.Verify(c.Request.Context(), raw)
		if err != nil {
			h.log.InfoContext(c.Request.Context(), "access token refused", "reason", err.Error())
			c.Header("WWW-Authenticate", `Bearer realm="reseller-api", error="invalid_token"`)
			httpserver.Problem(c, problem.New(http.StatusUnauthorized, problem.TypeUnauthorized,
				"The access token is invalid or has expired; request a new one."))
			return
		}
		if !claims.HasScope(scope) {
			c.Header("WWW-Authenticate", `Bearer realm="reseller-api", error="insufficient_scope", scope="`+scope+`"`)
			httpserver.Problem(c, problem.New(http.StatusForbidden, problem.TypeForbidden,
				"The access token lacks the scope "+scope+"."))
			return
		}
		c.Set(callerKey, app.Caller{ResellerID: claims.ResellerID, Subject: claims.Subject})
		c.Next()
	}
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

func caller(c *gin.Context) app.Caller {
	v, _ := c.Get(callerKey)
	caller, _ := v.(app.Caller)
	return caller
}

// AccountResponse is an account in the API.
type AccountResponse struct {
	ID         string    `json:"id"`
	ResellerID string    `json:"resellerId"`
	Name       string    `json:"name"`
	Email      string    `json:"email,omitempty"`
	Phone      string    `json:"phone,omitempty"`
	Country    string    `json:"country,omitempty"`
	Status     string    `json:"status"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

func accountResponse(a app.Account) AccountResponse {
	return AccountResponse{ID: a.ID, ResellerID: a.ResellerID, Name: a.Name, Email: a.Email, Phone: a.Phone,
		Country: a.Country, Status: a.Status, CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()}
}

func (h *HTTP) listAccounts(c *gin.Context) {
	filter, page, err := ParseAccountQuery(c.Request.URL.Query())
	if err != nil {
		httpserver.Problem(c, problem.New(http.StatusBadRequest, problem.TypeInvalidParameter, err.Error()+"."))
		return
	}
	accounts, total, err := h.app.Queries.ListAccounts.Handle(c.Request.Context(), caller(c), filter, page)
	if err != nil {
		h.fail(c, err)
		return
	}
	items := make([]AccountResponse, len(accounts))
	for i, a := range accounts {
		items[i] = accountResponse(a)
	}
	env := paging.NewEnvelope(page, items, total)
	c.Header("Link", env.Pagination.Link(c.Request.URL))
	c.Header("Cache-Control", "private, no-store")
	c.JSON(http.StatusOK, env)
}

func (h *HTTP) getAccount(c *gin.Context) {
	a, err := h.app.Queries.GetAccount.Handle(c.Request.Context(), caller(c), c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.JSON(http.StatusOK, accountResponse(a))
}

func (h *HTTP) fail(c *gin.Context, err error) {
	if errors.Is(err, app.ErrNotFound) {
		httpserver.Problem(c, problem.New(http.StatusNotFound, problem.TypeNotFound, "No account with this id."))
		return
	}
	h.log.ErrorContext(c.Request.Context(), "request failed", "error", err.Error(), "route", c.FullPath())
	httpserver.Problem(c, problem.New(http.StatusInternalServerError, problem.TypeInternal, "An unexpected error occurred."))
}
