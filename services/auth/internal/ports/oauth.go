// Package ports translates the auth service's inputs into use-case calls:
// the OAuth 2.0 endpoints, the admin API and the directory's events.
package ports

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	jose "github.com/go-jose/go-jose/v3"
	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/token/jwt"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/services/auth/internal/app"
)

// KeySource publishes the token verification keys and finds one by id
// (auth verifies the tokens it is asked to revoke or introspect itself).
type KeySource interface {
	JWKS() jose.JSONWebKeySet
	accesstoken.KeySet
}

// OAuth serves the OAuth 2.0 endpoints.
type OAuth struct {
	provider fosite.OAuth2Provider
	refresh  RefreshTokens
	app      app.Application
	keys     KeySource
	verifier *accesstoken.Verifier
	limiter  *RateLimiter
	issuer   string
	log      *slog.Logger
}

// RefreshTokens introspects refresh tokens.
type RefreshTokens interface {
	// Introspect returns the request an active refresh token was issued
	// for, with its session in session; an error for any other token.
	Introspect(ctx context.Context, token string, session fosite.Session) (fosite.Requester, error)
}

// NewOAuth returns the OAuth endpoints over a composed fosite provider.
func NewOAuth(provider fosite.OAuth2Provider, refresh RefreshTokens, application app.Application, keys KeySource, issuer string, log *slog.Logger) *OAuth {
	issuer = strings.TrimRight(issuer, "/")
	return &OAuth{provider: provider, refresh: refresh, app: application, keys: keys, issuer: issuer, log: log,
		verifier: accesstoken.NewVerifier(keys, issuer, 30*time.Second)}
}

// maxTokenRequest bounds the body of a token request.
const maxTokenRequest = 16 << 10

// NewSession returns the session fosite fills for one token request.
func NewSession() *oauth2.JWTSession {
	return &oauth2.JWTSession{
		JWTClaims: &jwt.JWTClaims{Extra: map[string]any{}},
		JWTHeader: &jwt.Headers{Extra: map[string]any{}},
	}
}

// RequestToken is POST /oauth/token (RFC 6749). Errors are written by fosite in
// RFC 6749 form: invalid_client, invalid_grant, unsupported_grant_type...
func (o *OAuth) RequestToken(c *gin.Context) { o.limited(c, o.requestToken) }

func (o *OAuth) requestToken(c *gin.Context) {
	ctx := c.Request.Context()
	session := NewSession()
	// fosite answers invalid_request for a grant no handler supports;
	// RFC 6749 section 5.2 says unsupported_grant_type.
	if gt := c.Request.PostFormValue("grant_type"); gt != "" && gt != "password" && gt != "client_credentials" && gt != "refresh_token" {
		err := fosite.ErrUnsupportedGrantType.WithHintf("The grant_type %q is not supported; use password, refresh_token or client_credentials.", gt)
		o.logError(c, "token request refused", err)
		o.writeAccessError(c, fosite.NewAccessRequest(session), err)
		return
	}
	ar, err := o.provider.NewAccessRequest(ctx, c.Request, session)
	if err != nil {
		o.logError(c, "token request refused", err)
		o.writeAccessError(c, ar, err)
		return
	}
	// A refresh continues the session it was issued in (a clone of it).
	if s, ok := ar.GetSession().(*oauth2.JWTSession); ok && s.JWTClaims != nil && s.JWTHeader != nil {
		session = s
	}
	grant, err := o.app.Grants.Decide(ctx, ar, session)
	if err != nil {
		o.logError(c, "token request refused", err)
		o.writeAccessError(c, ar, err)
		return
	}
	resp, err := o.provider.NewAccessResponse(ctx, ar)
	if err != nil {
		o.logError(c, "token response failed", err)
		o.writeAccessError(c, ar, err)
		return
	}
	o.log.InfoContext(ctx, "access token issued", "grant_type", grant.Type, "subject", grant.Subject,
		"reseller_id", grant.ResellerID, "client_id", ar.GetClient().GetID(), "scope", strings.Join(ar.GetGrantedScopes(), " "))
	o.provider.WriteAccessResponse(ctx, c.Writer, ar, resp)
}

// writeAccessError answers a refused token request as fosite does (RFC
// 6749 section 5.2), with the WWW-Authenticate challenge a 401 must carry.
func (o *OAuth) writeAccessError(c *gin.Context, ar fosite.AccessRequester, err error) {
	if fosite.ErrorToRFC6749Error(err).CodeField == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Basic realm="reseller-api"`)
	}
	o.provider.WriteAccessError(c.Request.Context(), c.Writer, ar, err)
}

// logError logs a refused token request without any credential.
func (o *OAuth) logError(c *gin.Context, msg string, err error) {
	rfc := fosite.ErrorToRFC6749Error(err)
	level := slog.LevelInfo
	if rfc.CodeField >= 500 {
		level = slog.LevelError
	}
	o.log.Log(c.Request.Context(), level, msg, "error", rfc.ErrorField, "status", rfc.CodeField,
		"hint", rfc.HintField, "grant_type", c.Request.PostFormValue("grant_type"))
}

// GetJwks is GET /.well-known/jwks.json: the keys tokens are verified with.
func (o *OAuth) GetJwks(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.JSON(http.StatusOK, o.keys.JWKS())
}

// GetServerMetadata is GET /.well-known/oauth-authorization-server (RFC
// 8414): exactly what is served. There is no authorization endpoint, so
// no response type; every endpoint authenticates clients with their
// secret, by HTTP Basic or the form. Access tokens are ES256 JWTs (RFC
// 9068, keys at jwks_uri); introspection answers plain JSON, unsigned.
func (o *OAuth) GetServerMetadata(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=3600")
	clientAuth := []string{"client_secret_basic", "client_secret_post"}
	c.JSON(http.StatusOK, gin.H{
		"issuer":                                        o.issuer,
		"token_endpoint":                                o.issuer + "/oauth/token",
		"jwks_uri":                                      o.issuer + "/.well-known/jwks.json",
		"grant_types_supported":                         GrantTypes(),
		"response_types_supported":                      []string{},
		"token_endpoint_auth_methods_supported":         clientAuth,
		"scopes_supported":                              accesstoken.AllScopes(),
		"revocation_endpoint":                           o.issuer + "/oauth/revoke",
		"revocation_endpoint_auth_methods_supported":    clientAuth,
		"introspection_endpoint":                        o.issuer + "/oauth/introspect",
		"introspection_endpoint_auth_methods_supported": clientAuth,
		"access_token_signing_alg_values_supported":     []string{accesstoken.Algorithm},
		"service_documentation":                         o.issuer + "/apidocs/",
	})
}

// GrantTypes are the grants the token endpoint serves.
func GrantTypes() []string { return []string{"password", "refresh_token", "client_credentials"} }
