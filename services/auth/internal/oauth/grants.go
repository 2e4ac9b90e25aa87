package oauth

import (
	"context"
	"errors"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// Grant is whom an accepted token request's access token is for.
type Grant struct {
	// Type is the grant: password, refresh_token or client_credentials.
	Type                string
	Subject, ResellerID string
}

// Grants decide what a token request fosite accepted is granted: the
// scopes asked for (all of them when none is), the Reseller API as the
// audience (RFC 9068), and the subject and reseller the token names: a
// service client acts for its own reseller; a user (password grant, or a
// refresh of one) for the user's, while the user may still log in.
type Grants struct {
	users    Users
	audience string
}

// NewGrants grants tokens for audience, finding their users in users.
func NewGrants(users Users, audience string) *Grants {
	return &Grants{users: users, audience: audience}
}

// Decide grants ar and writes the claims into session (a refresh's is the
// session it was issued in). Its errors are fosite's RFC 6749 errors.
func (g *Grants) Decide(ctx context.Context, ar fosite.AccessRequester, session *oauth2.JWTSession) (Grant, error) {
	scopes := ar.GetRequestedScopes()
	if len(scopes) == 0 {
		scopes = accesstoken.AllScopes()
	}
	for _, s := range scopes {
		if !ar.GetGrantedScopes().Has(s) {
			ar.GrantScope(s)
		}
	}
	if !ar.GetGrantedAudience().Has(g.audience) {
		ar.GrantAudience(g.audience)
	}
	grant, err := g.subject(ctx, ar, session)
	if err != nil {
		return Grant{}, err
	}
	if session.JWTClaims.Extra == nil {
		session.JWTClaims.Extra = map[string]any{}
	}
	if session.JWTHeader.Extra == nil {
		session.JWTHeader.Extra = map[string]any{}
	}
	session.JWTHeader.Extra["typ"] = accesstoken.TokenType
	session.JWTClaims.Subject = grant.Subject
	session.JWTClaims.Extra["rid"] = grant.ResellerID
	session.JWTClaims.Extra["client_id"] = ar.GetClient().GetID()
	return grant, nil
}

func (g *Grants) subject(ctx context.Context, ar fosite.AccessRequester, session *oauth2.JWTSession) (Grant, error) {
	if ar.GetGrantTypes().ExactOne("client_credentials") {
		if !ar.GetClient().GetGrantTypes().Has("client_credentials") {
			return Grant{}, fosite.ErrUnauthorizedClient.WithHint("This client may not use client_credentials: create a service client for the reseller.")
		}
		owned, ok := ar.GetClient().(interface{ ResellerID() string })
		if !ok || owned.ResellerID() == "" {
			return Grant{}, fosite.ErrServerError.WithHint("The client names no reseller.")
		}
		return Grant{Type: "client_credentials", Subject: ar.GetClient().GetID(), ResellerID: owned.ResellerID()}, nil
	}
	grant := "password"
	if ar.GetGrantTypes().ExactOne("refresh_token") {
		grant = "refresh_token"
	}
	userID := session.GetSubject()
	if userID == "" && session.JWTClaims != nil {
		userID = session.JWTClaims.Subject
	}
	user, err := g.users.ByID(ctx, userID)
	switch {
	case grant == "refresh_token" && (errors.Is(err, domain.ErrNotFound) || (err == nil && user.Disabled)):
		// The user was deleted or disabled since (its refresh tokens were
		// revoked then; this is the belt to those braces).
		return Grant{}, fosite.ErrInvalidGrant.WithHint("The refresh token's user may no longer log in.")
	case err != nil:
		return Grant{}, fosite.ErrServerError.WithWrap(err).WithHint("The token's subject could not be read.")
	}
	return Grant{Type: grant, Subject: user.ID, ResellerID: user.ResellerID}, nil
}
