package ports

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/services/auth/internal/signingkeys"
)

func signingKeyResponse(k signingkeys.View) SigningKey {
	out := SigningKey{KeyId: k.ID, Source: SigningKeySourceRotated, State: SigningKeyState(k.State)}
	if k.File {
		out.Source = SigningKeySourceFile
	}
	if !k.SignsFrom.IsZero() {
		out.SignsFrom = &k.SignsFrom
	}
	if !k.PublishedUntil.IsZero() {
		out.PublishedUntil = &k.PublishedUntil
	}
	if !k.WithdrawnAt.IsZero() {
		out.WithdrawnAt = &k.WithdrawnAt
	}
	return out
}

// ListSigningKeys serves GET /admin/v1/signing-keys.
func (a *Admin) ListSigningKeys(c *gin.Context) {
	keys, err := a.app.SigningKeys.List(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	data := make([]SigningKey, len(keys))
	for i, k := range keys {
		data[i] = signingKeyResponse(k)
	}
	c.JSON(http.StatusOK, gin.H{"data": data})
}

// RotateSigningKey serves POST /admin/v1/signing-keys.
func (a *Admin) RotateSigningKey(c *gin.Context) {
	var req RotateSigningKey
	if !optionalBody(c, &req) {
		return
	}
	k, err := a.app.SigningKeys.Rotate(c.Request.Context(), seconds(req.PublishDelaySeconds, signingkeys.MaxPublishDelay))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, signingKeyResponse(k))
}

// WithdrawSigningKey serves DELETE /admin/v1/signing-keys/{key_id}.
func (a *Admin) WithdrawSigningKey(c *gin.Context, keyID string) {
	if err := a.app.SigningKeys.Withdraw(c.Request.Context(), keyID); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
