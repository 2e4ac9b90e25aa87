package ports

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/problem"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// CreateManager serves POST /admin/v1/resellers/{reseller_id}/managers.
func (a *Admin) CreateManager(c *gin.Context, resellerID ResellerId) {
	var body CreateManagerRequest
	if err := decodeJSON(c.Request.Body, &body); err != nil {
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidBody, err.Error()))
		return
	}
	m, err := a.app.Managers.Create(c.Request.Context(), resellerID, body.Name, body.Email, domain.Role(body.Role))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Location", "/admin/v1/managers/"+m.ID)
	c.JSON(http.StatusCreated, managerResponse(m))
}

// ListManagers serves GET /admin/v1/resellers/{reseller_id}/managers.
func (a *Admin) ListManagers(c *gin.Context, resellerID ResellerId) {
	managers, err := a.app.Managers.List(c.Request.Context(), resellerID)
	if err != nil {
		a.fail(c, err)
		return
	}
	list := ManagerList{Data: make([]Manager, len(managers))}
	for i, m := range managers {
		list.Data[i] = managerResponse(m)
	}
	c.JSON(http.StatusOK, list)
}

// DeleteManager serves DELETE /admin/v1/managers/{manager_id}.
func (a *Admin) DeleteManager(c *gin.Context, managerID ManagerId) {
	if err := a.app.Managers.Delete(c.Request.Context(), managerID); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// CreateManagerToken serves POST /admin/v1/managers/{manager_id}/api-tokens.
func (a *Admin) CreateManagerToken(c *gin.Context, managerID ManagerId) {
	t, plain, err := a.app.Managers.CreateToken(c.Request.Context(), managerID)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, NewManagerToken{Id: t.ID, ManagerId: t.ManagerID, CreatedAt: t.CreatedAt, Revoked: t.Revoked, ApiToken: plain})
}

// ListManagerTokens serves GET /admin/v1/managers/{manager_id}/api-tokens.
func (a *Admin) ListManagerTokens(c *gin.Context, managerID ManagerId) {
	tokens, err := a.app.Managers.Tokens(c.Request.Context(), managerID)
	if err != nil {
		a.fail(c, err)
		return
	}
	list := ManagerTokenList{Data: make([]ManagerTokenInfo, len(tokens))}
	for i, t := range tokens {
		list.Data[i] = ManagerTokenInfo{Id: t.ID, ManagerId: t.ManagerID, CreatedAt: t.CreatedAt, Revoked: t.Revoked}
	}
	c.JSON(http.StatusOK, list)
}

// RevokeManagerToken serves DELETE /admin/v1/managers/{manager_id}/api-tokens/{token_id}.
func (a *Admin) RevokeManagerToken(c *gin.Context, managerID ManagerId, tokenID string) {
	if err := a.app.Managers.RevokeToken(c.Request.Context(), managerID, tokenID); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func managerResponse(m domain.Manager) Manager {
	return Manager{Id: m.ID, ResellerId: m.ResellerID, Name: m.Name, Email: m.Email, Role: ManagerRole(m.Role), CreatedAt: m.CreatedAt}
}
