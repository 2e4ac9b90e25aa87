package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/services/auth/internal/domain"
	"github.com/resellerapi/platform/services/auth/internal/users"
)

// usersPerPage is the length of an Application Users table page.
const usersPerPage = 20

// pager links the pages of a table.
type pager struct {
	Index, Pages int64
	Total        int64
	Prev, Next   string
}

func newPager(ctx *gin.Context, page paging.Request, total int64) pager {
	p := pager{Index: int64(page.Index), Total: total, Pages: max((total+int64(page.Size)-1)/int64(page.Size), 1)}
	link := func(i int64) string {
		q := url.Values{}
		for k, v := range ctx.Request.URL.Query() {
			if k != "page" && k != "done" {
				q[k] = v
			}
		}
		q.Set("page", strconv.FormatInt(i, 10))
		return ctx.Request.URL.Path + "?" + q.Encode()
	}
	if p.Index > 1 {
		p.Prev = link(p.Index - 1)
	}
	if p.Index < p.Pages {
		p.Next = link(p.Index + 1)
	}
	return p
}

// grace is a choice of how long rotated keys keep working.
type grace struct {
	Seconds int64
	Label   string
}

var graces = []grace{
	{0, "End them now"}, {3600, "1 hour"}, {86400, "24 hours"}, {7 * 86400, "7 days"}, {30 * 86400, "30 days"},
}

// graceOf reads the form's grace period: one of graces, or the
// configured default when absent.
func graceOf(ctx *gin.Context) (*time.Duration, bool) {
	raw := ctx.Request.PostForm.Get("grace")
	if raw == "" {
		return nil, true
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, false
	}
	for _, g := range graces {
		if g.Seconds == n {
			d := time.Duration(n) * time.Second
			return &d, true
		}
	}
	return nil, false
}

// distributor's screen: BSS Setup -> ... -> Reseller API credentials.

type resellerAPIPage struct {
	Activation domain.Activation
	Users      []users.UserView
	Search     string
	Pager      pager
	Graces     []grace
}

var resellerAPICrumbs = []string{"BSS Setup", "Administration", "System Options", "Automation Options", "Reseller API credentials"}

func (c *Console) resellerAPI(ctx *gin.Context) {
	rctx := ctx.Request.Context()
	act, err := c.app.Credentials.Activation(rctx)
	if err != nil {
		c.fail(ctx, err)
		return
	}
	search := strings.TrimSpace(ctx.Query("search"))
	if len(search) > 100 {
		search = search[:100]
	}
	page := paging.Request{Index: pageIndex(ctx), Size: usersPerPage}
	users, total, err := c.app.Users.List(rctx, "", search, page)
	if err != nil {
		c.fail(ctx, err)
		return
	}
	c.render(ctx, http.StatusOK, "resellerapi", view{Title: "Reseller API credentials", Nav: "reseller-api", Breadcrumbs: resellerAPICrumbs,
		Page: resellerAPIPage{Activation: act, Users: users, Search: search, Pager: newPager(ctx, page, total), Graces: graces}})
}

func (c *Console) generateKeys(ctx *gin.Context) {
	_, err := c.app.Credentials.Activate(ctx.Request.Context())
	switch {
	case errors.Is(err, domain.ErrConflict):
		done(ctx, cookiePath+"/reseller-api", "already-active")
	case err != nil:
		c.fail(ctx, err)
	default:
		done(ctx, cookiePath+"/reseller-api", "generated")
	}
}

func (c *Console) rotateAll(ctx *gin.Context) {
	g, ok := graceOf(ctx)
	if !ok {
		c.errorPage(ctx, http.StatusBadRequest, "Not accepted", "Choose one of the offered grace periods.")
		return
	}
	if _, _, err := c.app.Credentials.RotateAll(ctx.Request.Context(), g); err != nil {
		c.fail(ctx, err)
		return
	}
	done(ctx, cookiePath+"/reseller-api", "rotated-all")
}

func (c *Console) deactivatePage(ctx *gin.Context) {
	act, err := c.app.Credentials.Activation(ctx.Request.Context())
	if err != nil {
		c.fail(ctx, err)
		return
	}
	c.render(ctx, http.StatusOK, "deactivate", view{Title: "Deactivate the Reseller API", Nav: "reseller-api",
		Breadcrumbs: resellerAPICrumbs, Page: act})
}

func (c *Console) deactivate(ctx *gin.Context) {
	if ctx.Request.PostForm.Get("confirm") != "deactivate" {
		done(ctx, cookiePath+"/reseller-api/deactivate", "")
		return
	}
	act, err := c.app.Credentials.Activation(ctx.Request.Context())
	if err != nil {
		c.fail(ctx, err)
		return
	}
	if !act.Active {
		done(ctx, cookiePath+"/reseller-api", "already-inactive")
		return
	}
	if err := c.app.Credentials.Deactivate(ctx.Request.Context()); err != nil {
		c.fail(ctx, err)
		return
	}
	done(ctx, cookiePath+"/reseller-api", "deactivated")
}

type resellersPage struct {
	Resellers []domain.Reseller
	Pager     pager
}

func (c *Console) resellers(ctx *gin.Context) {
	page := paging.Request{Index: pageIndex(ctx), Size: 50}
	list, total, err := c.app.Resellers.List(ctx.Request.Context(), page)
	if err != nil {
		c.fail(ctx, err)
		return
	}
	c.render(ctx, http.StatusOK, "resellers", view{Title: "Resellers", Nav: "resellers",
		Page: resellersPage{Resellers: list, Pager: newPager(ctx, page, total)}})
}

// a reseller storefront's Settings -> API Credentials.

type credentialsPage struct {
	Active    bool
	ClientKey string
	// Secret is empty unless revealed; Masked says whether one exists.
	Secret   string
	Masked   bool
	TokenURL string
	Previous []domain.RetiredClient
	Refusal  string
	Users    []users.UserView
	Pager    pager
	Graces   []grace
	Add      addUserForm
}

// addUserForm is the Add pop-up: open with what was typed (never the
// passwords) and what is wrong, field by field, after a refusal.
type addUserForm struct {
	Open     bool
	Username string
	Email    string
	Errors   map[string]string
}

func (c *Console) credentials(ctx *gin.Context) {
	c.showCredentials(ctx, http.StatusOK, false, addUserForm{Open: ctx.Query("add") == "1"})
}

// reveal shows the client secret, on request only (a POST: never in a
// URL, and the page is not stored).
func (c *Console) reveal(ctx *gin.Context) {
	c.showCredentials(ctx, http.StatusOK, true, addUserForm{})
}

func (c *Console) showCredentials(ctx *gin.Context, status int, reveal bool, form addUserForm) {
	rctx := ctx.Request.Context()
	r := reseller(ctx)
	act, err := c.app.Credentials.Activation(rctx)
	if err != nil {
		c.fail(ctx, err)
		return
	}
	creds, found, err := c.app.Credentials.Show(rctx, r.ID)
	if err != nil {
		c.fail(ctx, err)
		return
	}
	page := paging.Request{Index: pageIndex(ctx), Size: usersPerPage}
	users, total, err := c.app.Users.List(rctx, r.ID, "", page)
	if err != nil {
		c.fail(ctx, err)
		return
	}
	p := credentialsPage{Active: act.Active && found, ClientKey: NotGenerated, TokenURL: c.cfg.PublicURL + "/oauth/token",
		Refusal: r.APIRefusal(), Users: users, Pager: newPager(ctx, page, total), Graces: graces, Add: form}
	if p.Active {
		p.ClientKey, p.Masked, p.Previous = creds.ClientID, !reveal, creds.Retiring
		if reveal {
			p.Secret = creds.ClientSecret
		}
	}
	// No Add while the keys are not generated, as the seed says.
	p.Add.Open = p.Add.Open && p.Active
	c.render(ctx, status, "credentials", view{Title: "API Credentials", Nav: "api-credentials", Page: p})
}

// NotGenerated is shown for the client key and secret while the
// distributor has not generated the keys, as the storefront does.
const NotGenerated = "--"

func (c *Console) rotateOwn(ctx *gin.Context) {
	g, ok := graceOf(ctx)
	if !ok {
		c.errorPage(ctx, http.StatusBadRequest, "Not accepted", "Choose one of the offered grace periods.")
		return
	}
	r := reseller(ctx)
	if _, err := c.app.Credentials.Rotate(ctx.Request.Context(), r.ID, g); err != nil {
		c.fail(ctx, err)
		return
	}
	done(ctx, credentialsPath(r.ID), "rotated")
}

func credentialsPath(resellerID string) string {
	return cookiePath + "/resellers/" + url.PathEscape(resellerID) + "/api-credentials"
}

// addUser creates an Application User from the pop-up. A refusal shows
// the pop-up again with each message beside its field and what was typed,
// but the passwords.
func (c *Console) addUser(ctx *gin.Context) {
	r, f := reseller(ctx), ctx.Request.PostForm
	form := addUserForm{Open: true, Username: f.Get("username"), Email: f.Get("email"), Errors: map[string]string{}}
	_, err := c.app.Users.Create(ctx.Request.Context(), domain.NewUserRequest{
		ResellerID: r.ID, Username: form.Username, Email: form.Email,
		Password: f.Get("password"), ConfirmPassword: f.Get("confirmPassword"),
	})
	var fields domain.InvalidFields
	switch {
	case err == nil:
		done(ctx, credentialsPath(r.ID), "user-added")
		return
	case errors.As(err, &fields):
		for _, fe := range fields {
			form.Errors[fe.Field] = onScreen(fe.Err.Error())
		}
	case errors.Is(err, domain.ErrNoCredentials):
		c.fail(ctx, err)
		return
	case errors.Is(err, domain.ErrConflict):
		form.Errors["username"] = "This username is taken; choose another."
	default:
		c.fail(ctx, err)
		return
	}
	c.showCredentials(ctx, http.StatusUnprocessableEntity, false, form)
}

// onScreen is a use case's message as a sentence in the form's words.
func onScreen(msg string) string {
	msg = strings.ReplaceAll(msg, "confirmPassword", "the confirmation")
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// changeUser disables, enables or deletes an Application User, then
// returns to the page the form came from.
func (c *Console) changeUser(ctx *gin.Context) {
	r, userID, rctx := reseller(ctx), ctx.Param("user_id"), ctx.Request.Context()
	var err error
	var notice string
	switch ctx.Param("action") {
	case "disable", "enable":
		disabled := ctx.Param("action") == "disable"
		_, err = c.app.Users.Update(rctx, r.ID, userID, domain.UserChange{Disabled: &disabled})
		notice = "user-" + ctx.Param("action") + "d"
	case "delete":
		err = c.app.Users.Delete(rctx, r.ID, userID)
		notice = "user-deleted"
	default:
		c.errorPage(ctx, http.StatusNotFound, "Not found", "There is no such page.")
		return
	}
	if err != nil {
		c.fail(ctx, err)
		return
	}
	if ctx.Request.PostForm.Get("from") == "reseller-api" && current(ctx).Distributor() {
		done(ctx, cookiePath+"/reseller-api", notice)
		return
	}
	done(ctx, credentialsPath(r.ID), notice)
}

// the operator's Managers screen.

type managersPage struct {
	Managers []managerRow
	Roles    []domain.Role
	Form     managerForm
	Issued   *issuedToken
}

type managerRow struct {
	domain.Manager
	Tokens []domain.ManagerToken
}

type managerForm struct {
	Name, Email string
	Role        domain.Role
	Error       string
}

// issuedToken is a token just issued: shown this once.
type issuedToken struct {
	Manager domain.Manager
	Token   string
	Curl    string
}

func managersPath(resellerID string) string {
	return cookiePath + "/resellers/" + url.PathEscape(resellerID) + "/managers"
}

func (c *Console) managers(ctx *gin.Context) {
	c.showManagers(ctx, http.StatusOK, managerForm{Role: domain.RoleAdmin}, nil)
}

func (c *Console) showManagers(ctx *gin.Context, status int, form managerForm, issued *issuedToken) {
	rctx, r := ctx.Request.Context(), reseller(ctx)
	list, err := c.app.Managers.List(rctx, r.ID)
	if err != nil {
		c.fail(ctx, err)
		return
	}
	rows := make([]managerRow, len(list))
	for i, m := range list {
		tokens, err := c.app.Managers.Tokens(rctx, m.ID)
		if err != nil {
			c.fail(ctx, err)
			return
		}
		rows[i] = managerRow{Manager: m, Tokens: tokens}
	}
	c.render(ctx, status, "managers", view{Title: "Managers", Nav: "managers",
		Page: managersPage{Managers: rows, Roles: domain.Roles(), Form: form, Issued: issued}})
}

func (c *Console) addManager(ctx *gin.Context) {
	r, f := reseller(ctx), ctx.Request.PostForm
	form := managerForm{Name: f.Get("name"), Email: f.Get("email"), Role: domain.Role(f.Get("role"))}
	_, err := c.app.Managers.Create(ctx.Request.Context(), r.ID, form.Name, form.Email, form.Role)
	switch {
	case err == nil:
		done(ctx, managersPath(r.ID), "manager-added")
	case errors.Is(err, domain.ErrInvalid):
		form.Error = sentence(err, domain.ErrInvalid)
		c.showManagers(ctx, http.StatusUnprocessableEntity, form, nil)
	default:
		c.fail(ctx, err)
	}
}

// manager returns the manager of the path if it is the reseller's (a
// manager of another reseller is a 404 here).
func (c *Console) manager(ctx *gin.Context) (domain.Manager, bool) {
	r, id := reseller(ctx), ctx.Param("manager_id")
	list, err := c.app.Managers.List(ctx.Request.Context(), r.ID)
	if err != nil {
		c.fail(ctx, err)
		return domain.Manager{}, false
	}
	for _, m := range list {
		if m.ID == id {
			return m, true
		}
	}
	c.errorPage(ctx, http.StatusNotFound, "Not found", "This reseller has no such manager.")
	return domain.Manager{}, false
}

// issueToken issues an API token and shows it this once, with the curl
// line of the second product document (the answer is not stored).
func (c *Console) issueToken(ctx *gin.Context) {
	m, ok := c.manager(ctx)
	if !ok {
		return
	}
	_, plain, err := c.app.Managers.CreateToken(ctx.Request.Context(), m.ID)
	if err != nil {
		c.fail(ctx, err)
		return
	}
	curl := `curl -H "X-Api-Token: ` + plain + `" -H "Content-Type: application/vnd.api+json" -H "Accept: application/vnd.api+json" ` +
		c.cfg.PublicURL + "/api/v3/customer_store/resellers/" + url.PathEscape(m.ResellerID)
	c.showManagers(ctx, http.StatusOK, managerForm{Role: domain.RoleAdmin}, &issuedToken{Manager: m, Token: plain, Curl: curl})
}

func (c *Console) revokeToken(ctx *gin.Context) {
	m, ok := c.manager(ctx)
	if !ok {
		return
	}
	if err := c.app.Managers.RevokeToken(ctx.Request.Context(), m.ID, ctx.Param("token_id")); err != nil {
		c.fail(ctx, err)
		return
	}
	done(ctx, managersPath(m.ResellerID), "token-revoked")
}

func (c *Console) deleteManager(ctx *gin.Context) {
	m, ok := c.manager(ctx)
	if !ok {
		return
	}
	if err := c.app.Managers.Delete(ctx.Request.Context(), m.ID); err != nil {
		c.fail(ctx, err)
		return
	}
	done(ctx, managersPath(m.ResellerID), "manager-deleted")
}
