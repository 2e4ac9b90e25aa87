package ports

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/callerauth"
	"github.com/resellerapi/platform/pkg/contract"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/problem"
	"github.com/resellerapi/platform/services/webhooks/internal/app"
	"github.com/resellerapi/platform/services/webhooks/internal/domain"
)

// MaxBody bounds a request's body (a subscription is well under 4 KiB).
const MaxBody = 16 << 10

// ResellerAccess says whether a reseller's credentials may call the API.
type ResellerAccess interface {
	// Refusal is why reseller id may not ("" when it may).
	Refusal(ctx context.Context, id string) (string, error)
}

// HTTP serves the subscriptions API; it implements the generated
// ServerInterface.
type HTTP struct {
	subs      *app.Subscriptions
	authn     callerauth.Authenticator
	resellers ResellerAccess
	contract  *contract.Document
	spec      []byte
	log       *slog.Logger
}

var _ ServerInterface = (*HTTP)(nil)

// NewHTTP returns the subscriptions API's handlers, validating requests
// against spec, the OpenAPI document.
func NewHTTP(subs *app.Subscriptions, authn callerauth.Authenticator, resellers ResellerAccess, spec []byte, log *slog.Logger) (*HTTP, error) {
	doc, err := contract.Load(spec)
	if err != nil {
		return nil, err
	}
	return &HTTP{subs: subs, authn: authn, resellers: resellers, contract: doc, spec: spec, log: log}, nil
}

// DocPath is where the service serves its OpenAPI document, under its
// routes' prefix (the edge's documentation page lists it).
const DocPath = "/api/webhooks/openapi.yaml"

// Register adds the /api/webhooks routes to r: authentication, the
// body's size limit and validation against the document come first. The
// document itself is public, at DocPath.
func (h *HTTP) Register(r gin.IRouter) {
	r.GET(DocPath, func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=300")
		c.Data(http.StatusOK, "application/yaml", h.spec)
	})
	refuse := func(c *gin.Context, inv contract.Invalid) { httpserver.Fail(c, inv.Problem()) }
	api := r.Group("", httpserver.Errors(httpserver.Problem), h.authenticate, httpserver.LimitBody(MaxBody), h.contract.Validate(refuse))
	RegisterHandlersWithOptions(api, h, GinServerOptions{ErrorHandler: httpserver.BadParameter})
}

const callerKey = "webhooks.caller"

// authenticate identifies the caller, checks that its reseller may use the
// API and that it holds the scopes the operation requires in the document
// (a manager's role decides a manager's), and stores it for the handler.
func (h *HTTP) authenticate(c *gin.Context) {
	ctx := c.Request.Context()
	caller, err := h.authn.Authenticate(ctx, c.Request)
	if err != nil {
		callerauth.Refuse(c, h.log, err)
		return
	}
	reason, err := h.resellers.Refusal(ctx, caller.ResellerID)
	if err != nil {
		h.fail(c, err)
		return
	}
	if reason != "" {
		h.log.InfoContext(ctx, "caller's reseller refused", "reseller_id", caller.ResellerID, "subject", caller.Subject, "reason", reason)
		httpserver.Fail(c, problem.New(http.StatusForbidden, problem.TypeForbidden, reason))
		return
	}
	if op, ok := h.contract.Operation(c); ok {
		for _, scope := range op.Scopes {
			if !caller.Allows(scope) {
				callerauth.RefuseScope(c, scope,
					"These credentials may not manage webhooks: it needs an access token with the scope "+scope+", or a manager's API token of role admin.")
				return
			}
		}
	}
	c.Set(callerKey, caller.ResellerID)
	c.Next()
}

// reseller is the caller's reseller.
func reseller(c *gin.Context) string { return c.GetString(callerKey) }

// bind decodes the request's JSON body into v (validated against the
// document already); a body that does not decode is a 400.
func bind(c *gin.Context, v any) bool {
	if err := json.NewDecoder(c.Request.Body).Decode(v); err != nil {
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidBody, "The body must be a JSON object as the document describes."))
		return false
	}
	return true
}

// fail maps a use case's error: not found (or not the caller's) is a 404,
// an invalid request a 400, a state or limit that refuses it a 409,
// anything else a logged 500.
func (h *HTTP) fail(c *gin.Context, err error) {
	switch {
	case errors.Is(err, app.ErrNotFound):
		httpserver.Fail(c, problem.New(http.StatusNotFound, problem.TypeNotFound, "No such webhook subscription or delivery, or not one of yours."))
	case errors.Is(err, domain.ErrInvalid):
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidBody, message(err, domain.ErrInvalid)))
	case errors.Is(err, app.ErrConflict):
		httpserver.Fail(c, problem.New(http.StatusConflict, problem.TypeConflict, message(err, app.ErrConflict)))
	default:
		h.log.ErrorContext(c.Request.Context(), "request failed", "error", err.Error(), "route", c.FullPath())
		httpserver.Fail(c, problem.New(http.StatusInternalServerError, problem.TypeInternal, "An unexpected error occurred."))
	}
}

// message is err's text after its sentinel's ("invalid subscription: ").
func message(err, sentinel error) string {
	msg, _ := strings.CutPrefix(err.Error(), sentinel.Error()+": ")
	return msg + "."
}

func noStore(c *gin.Context) { c.Header("Cache-Control", "no-store") }

// ListWebhooks serves GET /api/webhooks.
func (h *HTTP) ListWebhooks(c *gin.Context) {
	subs, err := h.subs.List(c.Request.Context(), reseller(c))
	if err != nil {
		h.fail(c, err)
		return
	}
	list := WebhookList{Data: make([]Webhook, len(subs))}
	for i, s := range subs {
		list.Data[i] = newWebhook(s)
	}
	noStore(c)
	c.JSON(http.StatusOK, list)
}

// CreateWebhook serves POST /api/webhooks.
func (h *HTTP) CreateWebhook(c *gin.Context) {
	var body NewWebhook
	if !bind(c, &body) {
		return
	}
	in := app.NewSubscription{URL: body.Url, Events: body.Events}
	if body.Description != nil {
		in.Description = *body.Description
	}
	if body.IncludeDownstream != nil {
		in.IncludeDownstream = *body.IncludeDownstream
	}
	sub, err := h.subs.Create(c.Request.Context(), reseller(c), in)
	if err != nil {
		h.fail(c, err)
		return
	}
	w := newWebhook(sub)
	noStore(c)
	c.Header("Location", "/api/webhooks/"+sub.ID)
	c.JSON(http.StatusCreated, CreatedWebhook{
		Id: w.Id, Url: w.Url, Events: w.Events, Description: w.Description, IncludeDownstream: w.IncludeDownstream,
		Status: w.Status, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt, Secret: sub.Secrets[0].Value,
	})
}

// GetWebhook serves GET /api/webhooks/{id}.
func (h *HTTP) GetWebhook(c *gin.Context, id WebhookId) {
	sub, err := h.subs.Get(c.Request.Context(), reseller(c), id)
	if err != nil {
		h.fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, newWebhook(sub))
}

// UpdateWebhook serves PATCH /api/webhooks/{id}.
func (h *HTTP) UpdateWebhook(c *gin.Context, id WebhookId) {
	var body WebhookUpdate
	if !bind(c, &body) {
		return
	}
	u := app.Update{URL: body.Url, Description: body.Description, IncludeDownstream: body.IncludeDownstream}
	if body.Events != nil {
		u.Events = *body.Events
	}
	if body.Status != nil {
		s := domain.Status(*body.Status)
		u.Status = &s
	}
	sub, err := h.subs.Update(c.Request.Context(), reseller(c), id, u)
	if err != nil {
		h.fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, newWebhook(sub))
}

// DeleteWebhook serves DELETE /api/webhooks/{id}.
func (h *HTTP) DeleteWebhook(c *gin.Context, id WebhookId) {
	if err := h.subs.Delete(c.Request.Context(), reseller(c), id); err != nil {
		h.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// RotateWebhookSecret serves POST /api/webhooks/{id}/rotate-secret.
func (h *HTTP) RotateWebhookSecret(c *gin.Context, id WebhookId) {
	grace := app.DefaultGrace
	if c.Request.ContentLength != 0 {
		var body SecretRotation
		if !bind(c, &body) {
			return
		}
		if body.GraceSeconds != nil {
			grace = time.Duration(*body.GraceSeconds) * time.Second
		}
	}
	secret, expires, err := h.subs.RotateSecret(c.Request.Context(), reseller(c), id, grace)
	if err != nil {
		h.fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, RotatedSecret{Secret: secret, PreviousSecretExpiresAt: expires})
}

// TestWebhook serves POST /api/webhooks/{id}/test.
func (h *HTTP) TestWebhook(c *gin.Context, id WebhookId) {
	d, err := h.subs.Test(c.Request.Context(), reseller(c), id)
	if err != nil {
		h.fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusAccepted, newDelivery(d))
}

// ListWebhookDeliveries serves GET /api/webhooks/{id}/deliveries.
func (h *HTTP) ListWebhookDeliveries(c *gin.Context, id WebhookId, params ListWebhookDeliveriesParams) {
	limit := 25
	if params.Limit != nil {
		limit = *params.Limit
	}
	ds, err := h.subs.Deliveries(c.Request.Context(), reseller(c), id, limit)
	if err != nil {
		h.fail(c, err)
		return
	}
	list := DeliveryList{Data: make([]Delivery, len(ds))}
	for i, d := range ds {
		list.Data[i] = newDelivery(d)
	}
	noStore(c)
	c.JSON(http.StatusOK, list)
}

// RetryWebhookDelivery serves POST /api/webhooks/{id}/deliveries/{deliveryId}/retry.
func (h *HTTP) RetryWebhookDelivery(c *gin.Context, id WebhookId, deliveryID string) {
	d, err := h.subs.Retry(c.Request.Context(), reseller(c), id, deliveryID)
	if err != nil {
		h.fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusAccepted, newDelivery(d))
}

// ReplayWebhook serves POST /api/webhooks/{id}/replay.
func (h *HTTP) ReplayWebhook(c *gin.Context, id WebhookId) {
	var body Replay
	if !bind(c, &body) {
		return
	}
	n, err := h.subs.Replay(c.Request.Context(), reseller(c), id, body.Since)
	if err != nil {
		h.fail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusAccepted, Replayed{Queued: n})
}

// newWebhook is a subscription as the API shows it (never its secrets).
func newWebhook(s domain.Subscription) Webhook {
	w := Webhook{
		Id: s.ID, Url: s.URL, Description: s.Description, IncludeDownstream: s.IncludeDownstream,
		Status: WebhookStatus(s.Status), CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(), Events: make([]string, len(s.Events)),
	}
	for i, e := range s.Events {
		w.Events[i] = string(e)
	}
	if s.DisabledReason != "" {
		w.DisabledReason = &s.DisabledReason
	}
	if !s.FailingSince.IsZero() {
		t := s.FailingSince.UTC()
		w.FailingSince = &t
	}
	return w
}

// newDelivery is a delivery as the log shows it (not its body).
func newDelivery(d domain.Delivery) Delivery {
	out := Delivery{Id: d.ID, EventId: d.EventID, Type: string(d.Type), State: DeliveryState(d.State),
		CreatedAt: d.CreatedAt.UTC(), Attempts: make([]Attempt, len(d.Attempts))}
	if d.Held {
		held := true
		out.Held = &held
	}
	if d.State == domain.Pending {
		t := d.NextAt.UTC()
		out.NextAttemptAt = &t
	}
	for i, a := range d.Attempts {
		at := Attempt{At: a.At.UTC(), Outcome: AttemptOutcome(a.Outcome), DurationMs: int(a.Duration.Milliseconds())}
		if a.Status != 0 {
			status := a.Status
			at.ResponseStatus = &status
		}
		if a.Error != "" {
			e := a.Error
			at.Error = &e
		}
		out.Attempts[i] = at
	}
	return out
}
