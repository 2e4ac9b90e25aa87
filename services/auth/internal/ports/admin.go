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
	app          app.Application
	tokenDigests [][sha256.Size]byte
	tokenURL     string
	log          *slog.Logger
}

// NewAdmin returns the admin API; callers authenticate with
// "Authorization: Bearer <admin token>", any of adminTokens (several are
// valid at once while one replaces another).
func NewAdmin(application app.Application, adminTokens []string, tokenURL string, log *slog.Logger) *Admin {
	a := &Admin{app: application, tokenURL: tokenURL, log: log}
	for _, t := range adminTokens {
		a.tokenDigests = append(a.tokenDigests, sha256.Sum256([]byte(t)))
	}
	return a
}

// authenticated checks the admin credential: the distributor's admin
// token, or a storefront key, which may only call its own reseller's
// routes (another reseller's is a 404, like a missing one; the
// distributor's routes and the storefront keys' own a 403). On failure it
// answers and returns false.
func (a *Admin) authenticated(c *gin.Context) bool {
	token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	token = strings.TrimSpace(token)
	digest := sha256.Sum256([]byte(token))
	match := 0
	for _, d := range a.tokenDigests { // every one compared, in constant time
		match |= subtle.ConstantTimeCompare(digest[:], d[:])
	}
	if ok && match == 1 {
		return true
	}
	if ok && strings.HasPrefix(token, domain.StorefrontKeyPrefix) {
		reseller, err := a.app.StorefrontKeys.Reseller(c.Request.Context(), token)
		switch {
		case err != nil:
			a.fail(c, err)
			return false
		case reseller == "":
			// revoked or unknown: the 401 below
		case c.Param("reseller_id") == "" || strings.Contains(c.FullPath(), "/storefront-keys"):
			httpserver.Fail(c, problem.New(http.StatusForbidden, problem.TypeForbidden,
				"A storefront key may only call the routes of its own reseller under /admin/v1/resellers/{reseller_id}/."))
			return false
		case c.Param("reseller_id") != reseller:
			httpserver.Fail(c, problem.New(http.StatusNotFound, problem.TypeNotFound, "No such reseller."))
			return false
		default:
			return true
		}
	}
	c.Header("WWW-Authenticate", `Bearer realm="admin"`)
	httpserver.Fail(c, problem.New(http.StatusUnauthorized, problem.TypeUnauthorized,
		"The admin API needs the header Authorization: Bearer <admin token or storefront key>."))
	return false
}

// userResponse is an Application User as the admin API shows it; the
// password hash never leaves the service.
func userResponse(u domain.AppUser, account string) User {
	return User{Id: u.ID, Account: account, ResellerId: u.ResellerID, Username: u.Username,
		Email: u.Email, Disabled: u.Disabled, CreatedAt: u.CreatedAt}
}

// CreateAppUser serves POST /admin/v1/resellers/{reseller_id}/api-users.
func (a *Admin) CreateAppUser(c *gin.Context, resellerID ResellerId) {
	var body CreateAppUserJSONRequestBody
	if err := decodeJSON(c.Request.Body, &body); err != nil {
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidBody, err.Error()))
		return
	}
	u, err := a.app.Users.Create(c.Request.Context(), domain.NewUserRequest{
		ResellerID: resellerID, Username: body.Username, Email: body.Email,
		Password: body.Password, ConfirmPassword: body.ConfirmPassword,
	})
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/admin/v1/resellers/%s/api-users/%s", u.ResellerID, u.ID))
	c.JSON(http.StatusCreated, userResponse(u.AppUser, u.Account))
}

// ListResellerAppUsers serves GET /admin/v1/resellers/{reseller_id}/api-users.
func (a *Admin) ListResellerAppUsers(c *gin.Context, resellerID ResellerId, params ListResellerAppUsersParams) {
	a.listUsers(c, resellerID, params.PageIndex, params.PageSize)
}

// ListAppUsers serves GET /admin/v1/api-users: every reseller's users.
func (a *Admin) ListAppUsers(c *gin.Context, params ListAppUsersParams) {
	a.listUsers(c, "", params.PageIndex, params.PageSize)
}

func (a *Admin) listUsers(c *gin.Context, resellerID string, index, size *int) {
	page, err := paging.BSS.New(index, size)
	if err != nil {
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidParameter, err.Error()))
		return
	}
	users, total, err := a.app.Users.List(c.Request.Context(), resellerID, "", page)
	if err != nil {
		a.fail(c, err)
		return
	}
	list := UserList{Data: make([]User, len(users))}
	for i, u := range users {
		list.Data[i] = userResponse(u.AppUser, u.Account)
	}
	p := paging.NewPagination(page, total)
	list.Pagination = Pagination{PageIndex: p.PageIndex, PageSize: p.PageSize, TotalCount: p.TotalCount, TotalPages: p.TotalPages}
	c.Header("Link", p.Link(c.Request.URL))
	c.JSON(http.StatusOK, list)
}

// fail maps a use-case error to a problem document.
func (a *Admin) fail(c *gin.Context, err error) {
	switch {
	case errors.Is(err, domain.ErrInvalid):
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidBody, detail(err, domain.ErrInvalid)))
	case errors.Is(err, domain.ErrNotFound):
		httpserver.Fail(c, problem.New(http.StatusNotFound, problem.TypeNotFound, detail(err, domain.ErrNotFound)))
	case errors.Is(err, domain.ErrConflict):
		httpserver.Fail(c, problem.New(http.StatusConflict, problem.TypeConflict, detail(err, domain.ErrConflict)))
	default:
		a.log.ErrorContext(c.Request.Context(), "admin request failed", "error", err.Error(), "route", c.FullPath())
		httpserver.Fail(c, problem.New(http.StatusInternalServerError, problem.TypeInternal, "An unexpected error occurred."))
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

// maxAdminBody bounds the body of an admin or storefront request: the
// largest (a new Application User) is a few hundred bytes.
const maxAdminBody = 64 << 10

// decodeJSON decodes one JSON object of at most maxAdminBody bytes,
// refusing unknown fields.
func decodeJSON(body io.Reader, v any) error {
	dec := json.NewDecoder(io.LimitReader(body, maxAdminBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the body must be one JSON object with the documented fields: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return errors.New("the body must be one JSON object, not several")
	}
	return nil
}

// GetAppUser serves GET /admin/v1/resellers/{reseller_id}/api-users/{user_id}.
func (a *Admin) GetAppUser(c *gin.Context, resellerID ResellerId, userID UserId) {
	u, err := a.app.Users.Get(c.Request.Context(), resellerID, userID)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, userResponse(u.AppUser, u.Account))
}

// UpdateAppUser serves PATCH /admin/v1/resellers/{reseller_id}/api-users/{user_id}.
func (a *Admin) UpdateAppUser(c *gin.Context, resellerID ResellerId, userID UserId) {
	var body UpdateAppUserJSONRequestBody
	if err := decodeJSON(c.Request.Body, &body); err != nil {
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidBody, err.Error()))
		return
	}
	u, err := a.app.Users.Update(c.Request.Context(), resellerID, userID, domain.UserChange{
		Email: body.Email, Password: body.Password, ConfirmPassword: body.ConfirmPassword, Disabled: body.Disabled,
	})
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, userResponse(u.AppUser, u.Account))
}

// DeleteAppUser serves DELETE /admin/v1/resellers/{reseller_id}/api-users/{user_id}.
func (a *Admin) DeleteAppUser(c *gin.Context, resellerID ResellerId, userID UserId) {
	if err := a.app.Users.Delete(c.Request.Context(), resellerID, userID); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// CreateServiceClient serves POST /admin/v1/resellers/{reseller_id}/service-clients.
func (a *Admin) CreateServiceClient(c *gin.Context, resellerID ResellerId) {
	var body CreateServiceClientJSONRequestBody
	if err := decodeJSON(c.Request.Body, &body); err != nil {
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidBody, err.Error()))
		return
	}
	sc, secret, err := a.app.ServiceClients.Create(c.Request.Context(), resellerID, body.Name)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/admin/v1/resellers/%s/service-clients/%s", sc.ResellerID, sc.ID))
	c.JSON(http.StatusCreated, CreatedServiceClient{ClientKey: sc.ID, ClientSecret: secret, Name: sc.Name, ResellerId: sc.ResellerID, CreatedAt: sc.CreatedAt})
}

// ListServiceClients serves GET /admin/v1/resellers/{reseller_id}/service-clients.
func (a *Admin) ListServiceClients(c *gin.Context, resellerID ResellerId) {
	clients, err := a.app.ServiceClients.List(c.Request.Context(), resellerID)
	if err != nil {
		a.fail(c, err)
		return
	}
	data := make([]ServiceClient, len(clients))
	for i, sc := range clients {
		data[i] = ServiceClient{ClientKey: sc.ID, Name: sc.Name, ResellerId: sc.ResellerID, CreatedAt: sc.CreatedAt}
	}
	c.JSON(http.StatusOK, gin.H{"data": data})
}

// DeleteServiceClient serves DELETE /admin/v1/resellers/{reseller_id}/service-clients/{client_id}.
func (a *Admin) DeleteServiceClient(c *gin.Context, resellerID ResellerId, clientID string) {
	if err := a.app.ServiceClients.Delete(c.Request.Context(), resellerID, clientID); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// CreateStorefrontKey serves POST /admin/v1/resellers/{reseller_id}/storefront-keys.
func (a *Admin) CreateStorefrontKey(c *gin.Context, resellerID ResellerId) {
	k, plain, err := a.app.StorefrontKeys.Create(c.Request.Context(), resellerID)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, StorefrontKey{Id: k.ID, StorefrontKey: plain, ResellerId: k.ResellerID, CreatedAt: k.CreatedAt})
}

// RevokeStorefrontKey serves DELETE /admin/v1/resellers/{reseller_id}/storefront-keys/{key_id}.
func (a *Admin) RevokeStorefrontKey(c *gin.Context, resellerID ResellerId, keyID string) {
	if err := a.app.StorefrontKeys.Revoke(c.Request.Context(), resellerID, keyID); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
