package ports

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/ory/fosite"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/services/auth/internal/oauth"
)

// oauthError writes an RFC 6749 error object.
func oauthError(c *gin.Context, status int, code, description string) {
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Basic realm="reseller-api"`)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(status, gin.H{"error": code, "error_description": description})
}

// tokenRequest reads a revocation or introspection request: the client
// authenticated (HTTP Basic, or the client_id and client_secret fields,
// not both) and the token. It answers the error itself and returns false
// when the request is refused.
func (o *OAuth) tokenRequest(c *gin.Context) (client, token string, ok bool) {
	if err := c.Request.ParseForm(); err != nil { // the body was bounded by limited
		oauthError(c, http.StatusBadRequest, "invalid_request", "The body must be a form of at most 16 KiB.")
		return "", "", false
	}
	id, secret, basic, err := clientCredentials(c.Request)
	form := c.Request.PostForm
	switch {
	case basic && (form.Has("client_id") || form.Has("client_secret")):
		oauthError(c, http.StatusBadRequest, "invalid_request", "Authenticate the client one way only: HTTP Basic or the form fields.")
		return "", "", false
	case err != nil:
		oauthError(c, http.StatusUnauthorized, "invalid_client", "The client credentials are malformed.")
		return "", "", false
	}
	if id == "" {
		oauthError(c, http.StatusUnauthorized, "invalid_client", "Client authentication is required.")
		return "", "", false
	}
	if err := o.app.Tokens.AuthenticateClient(c.Request.Context(), id, secret); err != nil {
		if !errors.Is(err, oauth.ErrBadClient) {
			o.log.ErrorContext(c.Request.Context(), "client authentication failed", "error", err.Error())
			oauthError(c, http.StatusInternalServerError, "server_error", "An unexpected error occurred.")
			return "", "", false
		}
		o.log.InfoContext(c.Request.Context(), "client authentication failed", "route", c.FullPath())
		oauthError(c, http.StatusUnauthorized, "invalid_client", "Unknown client or wrong secret.")
		return "", "", false
	}
	token = form.Get("token")
	if token == "" {
		oauthError(c, http.StatusBadRequest, "invalid_request", "The token parameter is required.")
		return "", "", false
	}
	return id, token, true
}

// clientCredentials reads the client key and secret a request sends:
// HTTP Basic (both form-urlencoded first, RFC 6749 section 2.3.1; basic is
// true then) or else the client_id and client_secret form fields.
func clientCredentials(r *http.Request) (id, secret string, basic bool, err error) {
	id, secret, basic = r.BasicAuth()
	if !basic {
		return r.PostFormValue("client_id"), r.PostFormValue("client_secret"), false, nil
	}
	var err1, err2 error
	id, err1 = url.QueryUnescape(id)
	secret, err2 = url.QueryUnescape(secret)
	return id, secret, true, errors.Join(err1, err2)
}

// RevokeToken is POST /oauth/revoke (RFC 7009).
func (o *OAuth) RevokeToken(c *gin.Context) { o.limited(c, o.revokeToken) }

func (o *OAuth) revokeToken(c *gin.Context) {
	client, token, ok := o.tokenRequest(c)
	if !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	claims, err := o.verifier.Verify(c.Request.Context(), token)
	if err != nil {
		// Not an access token: perhaps a refresh token (fosite's form is
		// "<key>.<signature>"), whose whole family is revoked. Anything
		// else needs no revoking (RFC 7009 2.2).
		if _, signature, ok := strings.Cut(token, "."); ok && !strings.Contains(signature, ".") {
			if err := o.app.Tokens.RevokeRefresh(c.Request.Context(), client, signature); err != nil {
				o.log.ErrorContext(c.Request.Context(), "refresh token revocation failed", "error", err.Error())
				oauthError(c, http.StatusServiceUnavailable, "temporarily_unavailable", "The token could not be revoked; try again.")
				return
			}
		}
		c.Status(http.StatusOK)
		return
	}
	if err := o.app.Tokens.Revoke(c.Request.Context(), client, claims); err != nil {
		o.log.ErrorContext(c.Request.Context(), "token revocation failed", "error", err.Error())
		oauthError(c, http.StatusServiceUnavailable, "temporarily_unavailable", "The token could not be revoked; try again.")
		return
	}
	c.Status(http.StatusOK)
}

// IntrospectToken is POST /oauth/introspect (RFC 7662).
func (o *OAuth) IntrospectToken(c *gin.Context) { o.limited(c, o.introspectToken) }

func (o *OAuth) introspectToken(c *gin.Context) {
	client, token, ok := o.tokenRequest(c)
	if !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	claims, err := o.verifier.Verify(c.Request.Context(), token)
	if err != nil {
		// Not an access token: perhaps a refresh token, active for the
		// client it was issued to.
		c.JSON(http.StatusOK, o.introspectRefresh(c.Request.Context(), client, token))
		return
	}
	active, err := o.app.Tokens.Active(c.Request.Context(), client, claims)
	if err != nil {
		o.log.ErrorContext(c.Request.Context(), "token introspection failed", "error", err.Error())
		oauthError(c, http.StatusInternalServerError, "server_error", "An unexpected error occurred.")
		return
	}
	if !active {
		c.JSON(http.StatusOK, Introspection{Active: false})
		return
	}
	c.JSON(http.StatusOK, introspection(claims))
}

// introspectRefresh answers for a refresh token: active when it is
// neither rotated nor revoked, its HMAC is the server's, it has not
// expired, and it is the caller's. Anything else is inactive, as RFC 7662
// says, without a reason.
func (o *OAuth) introspectRefresh(ctx context.Context, client, token string) Introspection {
	session := NewSession()
	req, err := o.refresh.Introspect(ctx, token, session)
	if err != nil || req.GetClient().GetID() != client {
		return Introspection{Active: false}
	}
	typ := IntrospectionTokenTypeRefreshToken
	scope := strings.Join(req.GetGrantedScopes(), " ")
	sub, iss := session.JWTClaims.Subject, o.issuer
	rid, _ := session.JWTClaims.Extra["rid"].(string)
	out := Introspection{Active: true, Scope: &scope, ClientId: &client, Sub: &sub, Rid: &rid, TokenType: &typ, Iss: &iss}
	if exp := session.GetExpiresAt(fosite.RefreshToken); !exp.IsZero() {
		e := exp.Unix()
		out.Exp = &e
	}
	iat := req.GetRequestedAt().Unix()
	out.Iat = &iat
	return out
}

func introspection(claims *accesstoken.Claims) Introspection {
	bearer := IntrospectionTokenTypeBearer
	out := Introspection{Active: true, Scope: &claims.Scope, ClientId: &claims.ClientID, Sub: &claims.Subject,
		Rid: &claims.ResellerID, TokenType: &bearer, Iss: &claims.Issuer, Jti: &claims.ID}
	if claims.ExpiresAt != nil {
		exp := claims.ExpiresAt.Unix()
		out.Exp = &exp
	}
	if claims.IssuedAt != nil {
		iat := claims.IssuedAt.Unix()
		out.Iat = &iat
	}
	return out
}
