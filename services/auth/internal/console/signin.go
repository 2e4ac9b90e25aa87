package console

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/services/auth/internal/domain"
)

type signInPage struct {
	// Token is the sign-in form's own token, also in its cookie (the form
	// is posted before there is a session to hold a CSRF token).
	Token string
}

// signInPage shows the sign-in form (or the caller's home when it is
// signed in already).
func (c *Console) signInPage(ctx *gin.Context) {
	if _, ok := c.load(ctx); ok {
		ctx.Redirect(http.StatusSeeOther, cookiePath+"/")
		return
	}
	c.showSignIn(ctx, http.StatusOK, "")
}

func (c *Console) showSignIn(ctx *gin.Context, status int, problem string) {
	token, err := newSecret()
	if err != nil {
		c.fail(ctx, err)
		return
	}
	c.setCookie(ctx, signInCookie, token, 10*time.Minute)
	c.render(ctx, status, "signin", view{Title: "Sign in", Error: problem, Page: signInPage{Token: token}})
}

// signIn exchanges an admin token or a storefront key for a session.
// Failures are backed off per client address, as failed logins at the
// token endpoint are; they all read the same.
func (c *Console) signIn(ctx *gin.Context) {
	rctx := ctx.Request.Context()
	cookie, err := ctx.Request.Cookie(signInCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(cookie.Value), []byte(ctx.Request.PostForm.Get("signin"))) != 1 {
		c.errorPage(ctx, http.StatusForbidden, "Refused",
			"This sign-in form was not sent from the console's own page. Open the sign-in page again.")
		return
	}
	key := "console:addr:" + ctx.ClientIP()
	if wait := c.throttle.Locked(key); wait > 0 {
		c.log.WarnContext(rctx, "console sign-in refused", "reason", "locked after failed sign-ins", "client_address", ctx.ClientIP())
		ctx.Header("Retry-After", strconv.Itoa(int(max(wait.Round(time.Second), time.Second)/time.Second)))
		c.showSignIn(ctx, http.StatusTooManyRequests, "Too many failed sign-ins from your address: try again in "+wait.Round(time.Second).String()+".")
		return
	}
	credential := strings.TrimSpace(ctx.Request.PostForm.Get("credential"))
	s := Session{CreatedAt: c.now().UTC(), LastSeen: c.now().UTC()}
	digest := sha256.Sum256([]byte(credential))
	switch {
	case credential != "" && c.isAdmin(digest[:]):
		s.Credential = digest[:]
	case strings.HasPrefix(credential, domain.StorefrontKeyPrefix):
		s.Credential = c.app.StorefrontKeys.Digest(credential)
		reseller, err := c.app.StorefrontKeys.ResellerOfDigest(rctx, s.Credential)
		if err != nil {
			c.fail(ctx, err)
			return
		}
		s.ResellerID = reseller
	}
	if s.Credential == nil || (!s.Distributor() && s.ResellerID == "") || (s.Distributor() && !c.isAdmin(s.Credential)) {
		c.throttle.Failed(key)
		c.log.InfoContext(rctx, "console sign-in failed", "client_address", ctx.ClientIP())
		c.showSignIn(ctx, http.StatusUnauthorized, "That is not an admin token or a storefront key that works here.")
		return
	}
	c.throttle.Succeeded(key)
	value, err := newSecret()
	if err != nil {
		c.fail(ctx, err)
		return
	}
	if s.CSRF, err = newSecret(); err != nil {
		c.fail(ctx, err)
		return
	}
	s.ID = sessionID(value)
	if err := c.sessions.Create(rctx, s); err != nil {
		c.fail(ctx, err)
		return
	}
	c.log.InfoContext(rctx, "console sign-in", "reseller_id", s.ResellerID, "distributor", s.Distributor(), "client_address", ctx.ClientIP())
	c.setCookie(ctx, signInCookie, "", -1)
	c.setCookie(ctx, sessionCookie, value, 0)
	done(ctx, cookiePath+"/", "")
}

// signOut ends the session on every replica (it is deleted from the
// store every replica reads).
func (c *Console) signOut(ctx *gin.Context) {
	if err := c.sessions.Delete(ctx.Request.Context(), current(ctx).ID); err != nil {
		c.fail(ctx, err)
		return
	}
	c.setCookie(ctx, sessionCookie, "", -1)
	ctx.Redirect(http.StatusSeeOther, cookiePath+"/sign-in")
}

// home is where a session starts: the distributor's Reseller API screen,
// or the reseller's API Credentials.
func (c *Console) home(ctx *gin.Context) {
	s := current(ctx)
	if s.Distributor() {
		ctx.Redirect(http.StatusSeeOther, cookiePath+"/reseller-api")
		return
	}
	ctx.Redirect(http.StatusSeeOther, cookiePath+"/resellers/"+s.ResellerID+"/api-credentials")
}

// setCookie sets an HttpOnly, SameSite=Strict cookie on the console's
// path, Secure when the public URL is https; maxAge 0 lasts the browser
// session (the server ends it sooner), -1 deletes it.
func (c *Console) setCookie(ctx *gin.Context, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: cookiePath, HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteStrictMode}
	switch {
	case maxAge < 0:
		ck.MaxAge = -1
	case maxAge > 0:
		ck.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(ctx.Writer, ck)
}
