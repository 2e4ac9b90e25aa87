// Package console serves the product documents' screens as web pages: the
// distributor's "Reseller API credentials" screen with the Application
// Users of every reseller, a reseller storefront's Settings -> "API
// Credentials" screen, and the operator's "Managers" screen. Pages are
// rendered on the server (html/template, embedded with the stylesheet and
// a little script for the pop-up, reveal and copy), every action is a
// plain form posted and redirected, so all of it works with JavaScript
// off. It calls the auth service's application layer, so every rule of
// the admin API holds on screen.
package console

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/services/auth/internal/app"
	"github.com/resellerapi/platform/services/auth/internal/domain"
	"github.com/resellerapi/platform/services/auth/internal/oauth"
	"github.com/resellerapi/platform/services/auth/internal/users"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Config configures the console.
type Config struct {
	// PublicURL is the platform's public base URL: the Request Token URL,
	// the API documentation and the curl lines name it, and its scheme
	// decides whether the session cookie is Secure.
	PublicURL string
	// AdminTokens sign the distributor in (any of them).
	AdminTokens []string
	// IdleTimeout ends a session not used for that long (30m when 0),
	// Lifetime any session that old (12h when 0).
	IdleTimeout time.Duration
	Lifetime    time.Duration
}

// Console serves the console's pages under /console/.
type Console struct {
	app      app.Application
	sessions SessionStore
	throttle oauth.LoginThrottle
	cfg      Config
	admin    [][sha256.Size]byte
	secure   bool
	pages    map[string]*template.Template
	log      *slog.Logger
	now      func() time.Time

	mu        sync.Mutex
	lastPurge time.Time
}

// New returns the console over the application. throttle backs off
// failed sign-ins per client address (as failed logins at the token
// endpoint are).
func New(application app.Application, sessions SessionStore, throttle oauth.LoginThrottle, cfg Config, log *slog.Logger) (*Console, error) {
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 30 * time.Minute
	}
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = 12 * time.Hour
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	c := &Console{app: application, sessions: sessions, throttle: throttle, cfg: cfg, log: log, now: time.Now,
		secure: strings.HasPrefix(cfg.PublicURL, "https://"), pages: map[string]*template.Template{}}
	for _, t := range cfg.AdminTokens {
		c.admin = append(c.admin, sha256.Sum256([]byte(t)))
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if name == "templates/layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		c.pages[strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")] = t
	}
	return c, nil
}

// userRow is an Application User's row with what its forms need.
type userRow struct {
	User users.UserView
	CSRF string
	From string
}

var funcs = template.FuncMap{
	"row": func(u users.UserView, csrf, from string) userRow { return userRow{User: u, CSRF: csrf, From: from} },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2 Jan 2006, 15:04 UTC")
	},
}

// Cookie names: the session, and the sign-in form's own token (the form
// is posted before there is a session).
const (
	sessionCookie = "console_session"
	signInCookie  = "console_signin"
	cookiePath    = "/console"
	maxFormBytes  = 64 << 10
)

// Register mounts the console on r at /console/.
func (c *Console) Register(r gin.IRouter) {
	g := r.Group(cookiePath, c.headers)
	g.GET("", func(ctx *gin.Context) { ctx.Redirect(http.StatusSeeOther, cookiePath+"/") })
	g.GET("/static/*file", c.static)
	g.GET("/sign-in", c.signInPage)
	g.POST("/sign-in", c.signIn)
	s := g.Group("", c.session)
	s.GET("/", c.home)
	s.POST("/sign-out", c.signOut)

	d := s.Group("", c.distributorOnly)
	d.GET("/reseller-api", c.resellerAPI)
	d.POST("/reseller-api/generate", c.generateKeys)
	d.POST("/reseller-api/rotate", c.rotateAll)
	d.GET("/reseller-api/deactivate", c.deactivatePage)
	d.POST("/reseller-api/deactivate", c.deactivate)
	d.GET("/resellers", c.resellers)

	res := s.Group("/resellers/:reseller_id", c.ownReseller)
	res.GET("/api-credentials", c.credentials)
	res.POST("/api-credentials/reveal", c.reveal)
	res.POST("/api-credentials/rotate", c.rotateOwn)
	res.POST("/api-users", c.addUser)
	res.POST("/api-users/:user_id/:action", c.changeUser)

	m := res.Group("/managers", c.operatorOnly)
	m.GET("", c.managers)
	m.POST("", c.addManager)
	m.POST("/:manager_id/api-tokens", c.issueToken)
	m.POST("/:manager_id/api-tokens/:token_id/revoke", c.revokeToken)
	m.POST("/:manager_id/delete", c.deleteManager)
}

// contentSecurityPolicy allows only the console's own stylesheet and
// script: no inline script, no other origin, forms posted only here.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// headers sets what every console answer carries and bounds form bodies.
func (c *Console) headers(ctx *gin.Context) {
	h := ctx.Writer.Header()
	httpserver.DocumentHeaders(h)
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Cache-Control", "no-store")
	if ctx.Request.Method == http.MethodPost {
		ctx.Request.Body = http.MaxBytesReader(ctx.Writer, ctx.Request.Body, maxFormBytes)
		if err := ctx.Request.ParseForm(); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				c.errorPage(ctx, http.StatusRequestEntityTooLarge, "Too large",
					fmt.Sprintf("A console form may be at most %d KiB.", maxFormBytes>>10))
				return
			}
			c.errorPage(ctx, http.StatusBadRequest, "Bad request", "The form could not be read.")
			return
		}
	}
	ctx.Next()
}

func (c *Console) static(ctx *gin.Context) {
	name := strings.TrimPrefix(ctx.Param("file"), "/")
	data, err := staticFiles.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "/") {
		c.errorPage(ctx, http.StatusNotFound, "Not found", "No such file.")
		return
	}
	kind := "text/css; charset=utf-8"
	if strings.HasSuffix(name, ".js") {
		kind = "text/javascript; charset=utf-8"
	}
	ctx.Header("Cache-Control", "public, max-age=3600")
	ctx.Data(http.StatusOK, kind, data)
}

const sessionKey = "console.session"

func current(ctx *gin.Context) Session {
	s, _ := ctx.MustGet(sessionKey).(Session)
	return s
}

// session loads the caller's session (to the sign-in page without one),
// checks that its credential still works and, on a POST, its CSRF token.
func (c *Console) session(ctx *gin.Context) {
	s, ok := c.load(ctx)
	if !ok {
		ctx.Redirect(http.StatusSeeOther, cookiePath+"/sign-in")
		ctx.Abort()
		return
	}
	if ctx.Request.Method == http.MethodPost {
		sent := ctx.Request.PostForm.Get("csrf")
		if subtle.ConstantTimeCompare([]byte(sent), []byte(s.CSRF)) != 1 {
			c.log.WarnContext(ctx.Request.Context(), "console form refused", "reason", "missing or wrong CSRF token", "route", ctx.FullPath())
			c.errorPage(ctx, http.StatusForbidden, "Refused",
				"This form was not sent from a page of your session (its security token is missing or wrong). Reload the page and try again.")
			return
		}
	}
	ctx.Set(sessionKey, s)
	ctx.Next()
}

// load returns the session of the request's cookie if it is current.
func (c *Console) load(ctx *gin.Context) (Session, bool) {
	cookie, err := ctx.Request.Cookie(sessionCookie)
	if err != nil || cookie.Value == "" {
		return Session{}, false
	}
	rctx := ctx.Request.Context()
	id := sessionID(cookie.Value)
	s, err := c.sessions.Get(rctx, id)
	if err != nil {
		if !errors.Is(err, ErrNoSession) {
			c.log.ErrorContext(rctx, "console session not read", "error", err.Error())
		}
		return Session{}, false
	}
	now := c.now()
	if s.expired(now, c.cfg.IdleTimeout, c.cfg.Lifetime) || !c.credentialWorks(rctx, s) {
		_ = c.sessions.Delete(rctx, id)
		return Session{}, false
	}
	// Written at most once a minute (or a tenth of the idle timeout):
	// enough for an idle timeout in minutes, without a write per page.
	if now.Sub(s.LastSeen) > min(time.Minute, c.cfg.IdleTimeout/10) {
		if err := c.sessions.Touch(rctx, id, now); err != nil {
			c.log.WarnContext(rctx, "console session not touched", "error", err.Error())
		}
	}
	c.purge(rctx, now)
	return s, true
}

// credentialWorks reports whether the credential s signed in with is
// still valid: an admin token still configured, a storefront key not
// revoked.
func (c *Console) credentialWorks(ctx context.Context, s Session) bool {
	if s.Distributor() {
		return c.isAdmin(s.Credential)
	}
	reseller, err := c.app.StorefrontKeys.ResellerOfDigest(ctx, s.Credential)
	return err == nil && reseller == s.ResellerID
}

func (c *Console) isAdmin(digest []byte) bool {
	match := 0
	for _, d := range c.admin { // every one compared, in constant time
		match |= subtle.ConstantTimeCompare(digest, d[:])
	}
	return match == 1
}

// purge removes expired sessions, at most once a minute per replica.
func (c *Console) purge(ctx context.Context, now time.Time) {
	c.mu.Lock()
	due := now.Sub(c.lastPurge) > time.Minute
	if due {
		c.lastPurge = now
	}
	c.mu.Unlock()
	if !due {
		return
	}
	if err := c.sessions.DeleteExpired(ctx, now.Add(-c.cfg.IdleTimeout), now.Add(-c.cfg.Lifetime)); err != nil {
		c.log.WarnContext(ctx, "expired console sessions not purged", "error", err.Error())
	}
}

// distributorOnly: a reseller's session sees no distributor page (404,
// as if there were none).
func (c *Console) distributorOnly(ctx *gin.Context) {
	if !current(ctx).Distributor() {
		c.errorPage(ctx, http.StatusNotFound, "Not found", "There is no such page.")
		return
	}
	ctx.Next()
}

// ownReseller: a reseller's session opens only its own reseller's pages;
// another reseller's is a 404, like one that does not exist.
func (c *Console) ownReseller(ctx *gin.Context) {
	s, id := current(ctx), ctx.Param("reseller_id")
	if !s.Distributor() && s.ResellerID != id {
		c.errorPage(ctx, http.StatusNotFound, "Not found", "There is no such reseller.")
		return
	}
	r, err := c.app.Resellers.Get(ctx.Request.Context(), id)
	if err != nil {
		c.fail(ctx, err)
		return
	}
	ctx.Set(resellerKey, r)
	ctx.Next()
}

const resellerKey = "console.reseller"

func reseller(ctx *gin.Context) domain.Reseller {
	r, _ := ctx.MustGet(resellerKey).(domain.Reseller)
	return r
}

// operatorOnly: managers and their API tokens are issued by the operator
// (the distributor), as the admin API allows; a reseller's own session is
// told so.
func (c *Console) operatorOnly(ctx *gin.Context) {
	if !current(ctx).Distributor() {
		c.errorPage(ctx, http.StatusForbidden, "Not allowed",
			"Managers and their API tokens are issued by the operator; ask your distributor.")
		return
	}
	ctx.Next()
}

// view is what every page template gets.
type view struct {
	Title       string
	Session     Session
	Reseller    domain.Reseller
	Nav         string
	DocsURL     string
	Notice      string
	Error       string
	Breadcrumbs []string
	Page        any
}

// DocsPath is the API documentation as the seed names it.
const DocsPath = "/apidocs/?urls.primaryName=API%20Version%203%20for%20Resellers"

func (c *Console) render(ctx *gin.Context, status int, name string, v view) {
	if s, ok := ctx.Get(sessionKey); ok {
		v.Session, _ = s.(Session)
	}
	if v.Reseller.ID == "" {
		if r, ok := ctx.Get(resellerKey); ok {
			v.Reseller, _ = r.(domain.Reseller)
		}
	}
	v.DocsURL = c.cfg.PublicURL + DocsPath
	if v.Notice == "" {
		v.Notice = notices[ctx.Query("done")]
	}
	var b strings.Builder
	if err := c.pages[name].Execute(&b, v); err != nil {
		c.log.ErrorContext(ctx.Request.Context(), "console page not rendered", "page", name, "error", err.Error())
		ctx.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("The page could not be shown."))
		ctx.Abort()
		return
	}
	ctx.Data(status, "text/html; charset=utf-8", []byte(b.String()))
}

// errorPage answers a page saying what went wrong and aborts.
func (c *Console) errorPage(ctx *gin.Context, status int, title, detail string) {
	c.render(ctx, status, "error", view{Title: title, Error: detail})
	ctx.Abort()
}

// fail maps a use-case error to an error page.
func (c *Console) fail(ctx *gin.Context, err error) {
	switch {
	case errors.Is(err, domain.ErrNotFound):
		c.errorPage(ctx, http.StatusNotFound, "Not found", sentence(err, domain.ErrNotFound))
	case errors.Is(err, domain.ErrInvalid):
		c.errorPage(ctx, http.StatusBadRequest, "Not accepted", sentence(err, domain.ErrInvalid))
	case errors.Is(err, domain.ErrNoCredentials):
		c.errorPage(ctx, http.StatusConflict, "Keys not generated",
			"The distributor has not generated the Reseller API keys yet.")
	case errors.Is(err, domain.ErrConflict):
		c.errorPage(ctx, http.StatusConflict, "Not done", sentence(err, domain.ErrConflict))
	default:
		c.log.ErrorContext(ctx.Request.Context(), "console request failed", "error", err.Error(), "route", ctx.FullPath())
		c.errorPage(ctx, http.StatusInternalServerError, "Something went wrong", "An unexpected error occurred; try again.")
	}
}

// sentence is err's message without the sentinel's prefix, as a sentence.
func sentence(err, sentinel error) string {
	msg := strings.TrimPrefix(err.Error(), sentinel.Error()+": ")
	if msg == "" || msg == sentinel.Error() {
		return "The request was not accepted."
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// done redirects (303, POST-redirect-GET) to path with a notice code.
func done(ctx *gin.Context, path, notice string) {
	if notice != "" {
		path += "?done=" + notice
	}
	ctx.Redirect(http.StatusSeeOther, path)
	ctx.Abort()
}

// notices are the success messages a redirect names by code: nothing a
// user typed travels in a URL.
var notices = map[string]string{
	"generated":        "The Reseller API keys are generated: every reseller now has its own client key and secret.",
	"rotated-all":      "Every reseller has a new client key and secret.",
	"deactivated":      "The Reseller API is deactivated.",
	"rotated":          "This reseller has a new client key and secret.",
	"user-added":       "The Application User is added.",
	"user-disabled":    "The Application User is disabled: it cannot log in, and its tokens are refused.",
	"user-enabled":     "The Application User is enabled again.",
	"user-deleted":     "The Application User is deleted.",
	"manager-added":    "The manager is added.",
	"manager-deleted":  "The manager is deleted and its API tokens revoked.",
	"token-revoked":    "The API token is revoked: the API refuses it from now on.",
	"already-active":   "The Reseller API keys were already generated.",
	"already-inactive": "The Reseller API was not active.",
}

// pageIndex reads the page query parameter (1 when absent or bad).
func pageIndex(ctx *gin.Context) int {
	n, err := strconv.Atoi(ctx.Query("page"))
	if err != nil || n < 1 || n > 10_000 {
		return 1
	}
	return n
}
