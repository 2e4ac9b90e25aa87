package ports

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/pkg/problem"
	"github.com/resellerapi/platform/services/auth/internal/app"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// NotGenerated is shown for the client key and secret while the Reseller
// API credentials have not been generated, as the storefront does.
const NotGenerated = "--"

// Admin serves the admin API for the distributor's back-office and the
// resellers' storefront backend.
type Admin struct {
	app         app.Application
	tokenDigest [sha256.Size]byte
	tokenURL    string
	log         *slog.Logger
}

// NewAdmin returns the admin API; callers authenticate with
// "Authorization: Bearer <adminToken>".
func NewAdmin(application app.Application, adminToken, tokenURL string, log *slog.Logger) *Admin {
	return &Admin{app: application, tokenDigest: sha256.Sum256([]byte(adminToken)), tokenURL: tokenURL, log: log}
}

// Register adds the admin routes under /admin/v1.
func (a *Admin) Register(r gin.IRouter) {
	g := r.Group("/admin/v1", a.authenticate)
	g.POST("/reseller-api/credentials", a.activateCredentials)
	g.GET("/reseller-api/credentials", a.showCredentials)
	g.GET("/resellers/:reseller_id/api-credentials", a.resellerCredentials)
	g.POST("/resellers/:reseller_id/api-users", a.createUser)
	g.GET("/resellers/:reseller_id/api-users", a.listUsers)
	g.GET("/api-users", a.listUsers)
}

func (a *Admin) authenticate(c *gin.Context) {
	token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	digest := sha256.Sum256([]byte(strings.TrimSpace(token)))
	if !ok || subtle.ConstantTimeCompare(digest[:], a.tokenDigest[:]) != 1 {
		c.Header("WWW-Authenticate", `Bearer realm="admin"`)
		httpserver.Problem(c, problem.New(http.StatusUnauthorized, problem.TypeUnauthorized,
			"The admin API needs the header Authorization: Bearer <admin token>."))
		return
	}
	c.Next()
}

// CredentialsResponse shows the Reseller API credentials.
type CredentialsResponse struct {
	ClientKey       string     `json:"clientKey"`
	ClientSecret    string     `json:"clientSecret"`
	RequestTokenURL string     `json:"requestTokenUrl"`
	CreatedAt       *time.Time `json:"createdAt,omitempty"`
}

func (a *Admin) credentialsResponse(c app.PlainCredentials, found bool) CredentialsResponse {
	if !found {
		return CredentialsResponse{ClientKey: NotGenerated, ClientSecret: NotGenerated, RequestTokenURL: a.tokenURL}
	}
	return CredentialsResponse{ClientKey: c.ClientID, ClientSecret: c.ClientSecret, RequestTokenURL: a.tokenURL, CreatedAt: &c.CreatedAt}
}

func (a *Admin) activateCredentials(c *gin.Context) {
	creds, err := a.app.Commands.ActivateCredentials.Handle(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusCreated, a.credentialsResponse(creds, true))
}

func (a *Admin) showCredentials(c *gin.Context) {
	creds, found, err := a.app.Queries.Credentials.Handle(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, a.credentialsResponse(creds, found))
}

func (a *Admin) resellerCredentials(c *gin.Context) {
	ctx := c.Request.Context()
	if _, err := a.app.Queries.Reseller.Handle(ctx, c.Param("reseller_id")); err != nil {
		a.fail(c, err)
		return
	}
	creds, found, err := a.app.Queries.Credentials.Handle(ctx)
	if err != nil {
		a.fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, a.credentialsResponse(creds, found))
}

// CreateUserRequest is the body of POST .../api-users.
type CreateUserRequest struct {
	Username        string `json:"username"`
	Email           string `json:"email"`
	Password        string `json:"password"`
	ConfirmPassword string `json:"confirmPassword"`
}

// UserResponse is an Application User as the admin API shows it; the
// password hash never leaves the service.
type UserResponse struct {
	ID         string    `json:"id"`
	Account    string    `json:"account"`
	ResellerID string    `json:"resellerId"`
	Username   string    `json:"username"`
	Email      string    `json:"email"`
	Disabled   bool      `json:"disabled"`
	CreatedAt  time.Time `json:"createdAt"`
}

func userResponse(u domain.AppUser, account string) UserResponse {
	return UserResponse{ID: u.ID, Account: account, ResellerID: u.ResellerID, Username: u.Username,
		Email: u.Email, Disabled: u.Disabled, CreatedAt: u.CreatedAt}
}

func (a *Admin) createUser(c *gin.Context) {
	var body CreateUserRequest
	if err := decodeJSON(c.Request.Body, &body); err != nil {
		httpserver.Problem(c, problem.New(http.StatusBadRequest, problem.TypeInvalidBody, err.Error()))
		return
	}
	u, err := a.app.Commands.CreateAppUser.Handle(c.Request.Context(), domain.NewUserRequest{
		ResellerID: c.Param("reseller_id"), Username: body.Username, Email: body.Email,
		Password: body.Password, ConfirmPassword: body.ConfirmPassword,
	})
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/admin/v1/resellers/%s/api-users/%s", u.ResellerID, u.ID))
	c.JSON(http.StatusCreated, userResponse(u.AppUser, u.Account))
}

func (a *Admin) listUsers(c *gin.Context) {
	page, err := paging.Parse(c.Request.URL.Query())
	if err != nil {
		httpserver.Problem(c, problem.New(http.StatusBadRequest, problem.TypeInvalidParameter, err.Error()))
		return
	}
	users, total, err := a.app.Queries.ListAppUsers.Handle(c.Request.Context(), c.Param("reseller_id"), page)
	if err != nil {
		a.fail(c, err)
		return
	}
	out := make([]UserResponse, len(users))
	for i, u := range users {
		out[i] = userResponse(u.AppUser, u.Account)
	}
	env := paging.NewEnvelope(page, out, total)
	c.Header("Link", env.Pagination.Link(c.Request.URL))
	c.JSON(http.StatusOK, env)
}

// fail maps a use-case error to a problem document.
func (a *Admin) fail(c *gin.Context, err error) {
	switch {
	case errors.Is(err, domain.ErrInvalid):
		httpserver.Problem(c, problem.New(http.StatusBadRequest, problem.TypeInvalidBody, detail(err, domain.ErrInvalid)))
	case errors.Is(err, domain.ErrNotFound):
		httpserver.Problem(c, problem.New(http.StatusNotFound, problem.TypeNotFound, detail(err, domain.ErrNotFound)))
	case errors.Is(err, domain.ErrConflict):
		httpserver.Problem(c, problem.New(http.StatusConflict, problem.TypeConflict, detail(err, domain.ErrConflict)))
	default:
		a.log.ErrorContext(c.Request.Context(), "admin request failed", "error", err.Error(), "route", c.FullPath())
		httpserver.Problem(c, problem.New(http.StatusInternalServerError, problem.TypeInternal, "An unexpected error occurred."))
	}
}

// detail is the message of err without the sentinel's own prefix.
func detail(err, sentinel error) string {
	msg := strings.TrimPrefix(err.Error(), sentinel.Error()+": ")
	if msg == "" {
		return ""
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// decodeJSON decodes one JSON object of at most 64 KiB, refusing unknown
// fields.
func decodeJSON(body io.Reader, v any) error {
	dec := json.NewDecoder(io.LimitReader(body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the body must be one JSON object with the documented fields: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return errors.New("the body must be one JSON object, not several")
	}
	return nil
}

func noStore(c *gin.Context) { c.Header("Cache-Control", "no-store") }
