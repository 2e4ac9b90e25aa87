package ports

import (
	"bytes"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/problem"
	"github.com/resellerapi/platform/services/auth/internal/app"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

func (a *Admin) activationResponse(act domain.Activation) Activation {
	out := Activation{Active: act.Active, RequestTokenUrl: a.tokenURL}
	if !act.ActivatedAt.IsZero() {
		out.ActivatedAt = &act.ActivatedAt
	}
	if !act.DeactivatedAt.IsZero() {
		out.DeactivatedAt = &act.DeactivatedAt
	}
	return out
}

func (a *Admin) credentialsResponse(c app.PlainCredentials, found bool) Credentials {
	if !found {
		return Credentials{ClientKey: NotGenerated, ClientSecret: NotGenerated, RequestTokenUrl: a.tokenURL}
	}
	out := Credentials{ClientKey: c.ClientID, ClientSecret: c.ClientSecret, RequestTokenUrl: a.tokenURL, CreatedAt: &c.CreatedAt}
	if len(c.Retiring) > 0 {
		previous := make([]RetiringKey, len(c.Retiring))
		for i, r := range c.Retiring {
			previous[i] = RetiringKey{ClientKey: r.ClientID, ValidUntil: r.NotAfter}
		}
		out.Previous = &previous
	}
	return out
}

// ActivateCredentials serves POST /admin/v1/reseller-api/credentials.
func (a *Admin) ActivateCredentials(c *gin.Context) {
	act, err := a.app.Commands.Credentials.Activate(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, a.activationResponse(act))
}

// ShowCredentials serves GET /admin/v1/reseller-api/credentials.
func (a *Admin) ShowCredentials(c *gin.Context) {
	act, err := a.app.Commands.Credentials.Activation(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a.activationResponse(act))
}

// DeactivateCredentials serves DELETE /admin/v1/reseller-api/credentials.
func (a *Admin) DeactivateCredentials(c *gin.Context) {
	if err := a.app.Commands.Credentials.Deactivate(c.Request.Context()); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// RotateAllCredentials serves POST /admin/v1/reseller-api/credentials/rotate.
func (a *Admin) RotateAllCredentials(c *gin.Context) {
	grace, ok := a.gracePeriod(c)
	if !ok {
		return
	}
	n, until, err := a.app.Commands.Credentials.RotateAll(c.Request.Context(), grace)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, Rotation{Rotated: n, PreviousValidUntil: until})
}

// ShowResellerCredentials serves GET
// /admin/v1/resellers/{reseller_id}/api-credentials: the reseller's own
// pair, "--" while the Reseller API is not active.
func (a *Admin) ShowResellerCredentials(c *gin.Context, resellerID ResellerId) {
	creds, found, err := a.app.Commands.Credentials.Show(c.Request.Context(), resellerID)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a.credentialsResponse(creds, found))
}

// RotateResellerCredentials serves POST
// /admin/v1/resellers/{reseller_id}/api-credentials/rotate.
func (a *Admin) RotateResellerCredentials(c *gin.Context, resellerID ResellerId) {
	grace, ok := a.gracePeriod(c)
	if !ok {
		return
	}
	creds, err := a.app.Commands.Credentials.Rotate(c.Request.Context(), resellerID, grace)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a.credentialsResponse(creds, true))
}

// gracePeriod reads a rotation's optional body: nil when it names no grace
// period. On a bad body it answers and returns false.
func (a *Admin) gracePeriod(c *gin.Context) (*time.Duration, bool) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, 64<<10))
	if err != nil {
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidBody, "The body could not be read."))
		return nil, false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, true
	}
	var req RotateCredentials
	if err := decodeJSON(bytes.NewReader(body), &req); err != nil {
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidBody, err.Error()))
		return nil, false
	}
	if req.GracePeriodSeconds == nil {
		return nil, true
	}
	grace := time.Duration(*req.GracePeriodSeconds) * time.Second
	if *req.GracePeriodSeconds < 0 || *req.GracePeriodSeconds > int64(domain.MaxGracePeriod/time.Second) {
		// Beyond MaxGracePeriod the multiplication could overflow: refuse
		// before it (the use case checks the bound too).
		grace = -1
	}
	return &grace, true
}
