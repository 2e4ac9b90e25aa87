package ports

import (
	"bytes"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/problem"
	"github.com/resellerapi/platform/services/auth/internal/credentials"
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

func (a *Admin) credentialsResponse(c credentials.PlainCredentials, found bool) Credentials {
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
	act, err := a.app.Credentials.Activate(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, a.activationResponse(act))
}

// ShowCredentials serves GET /admin/v1/reseller-api/credentials.
func (a *Admin) ShowCredentials(c *gin.Context) {
	act, err := a.app.Credentials.Activation(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a.activationResponse(act))
}

// DeactivateCredentials serves DELETE /admin/v1/reseller-api/credentials.
func (a *Admin) DeactivateCredentials(c *gin.Context) {
	if err := a.app.Credentials.Deactivate(c.Request.Context()); err != nil {
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
	n, until, err := a.app.Credentials.RotateAll(c.Request.Context(), grace)
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
	creds, found, err := a.app.Credentials.Show(c.Request.Context(), resellerID)
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
	creds, err := a.app.Credentials.Rotate(c.Request.Context(), resellerID, grace)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a.credentialsResponse(creds, true))
}

// gracePeriod reads a rotation's optional body: nil when it names no grace
// period. On a bad body it answers and returns false.
func (a *Admin) gracePeriod(c *gin.Context) (*time.Duration, bool) {
	var req RotateCredentials
	if !optionalBody(c, &req) {
		return nil, false
	}
	return seconds(req.GracePeriodSeconds, domain.MaxGracePeriod), true
}

// optionalBody decodes the body, if there is one, into v (left as it is
// otherwise). On a bad body it answers a 400 and returns false.
func optionalBody(c *gin.Context, v any) bool {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxAdminBody))
	if err != nil {
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidBody, "The body could not be read."))
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return true
	}
	if err := decodeJSON(bytes.NewReader(body), v); err != nil {
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidBody, err.Error()))
		return false
	}
	return true
}

// seconds is n seconds as a duration (nil for nil); beyond max (where the
// multiplication could overflow) or negative, it is -1, which the use
// cases refuse.
func seconds(n *int64, max time.Duration) *time.Duration {
	if n == nil {
		return nil
	}
	d := time.Duration(*n) * time.Second
	if *n < 0 || *n > int64(max/time.Second) {
		d = -1
	}
	return &d
}
