package resellerapi

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TokenURL is the token endpoint of the platform at baseURL.
func TokenURL(baseURL string) string { return strings.TrimSuffix(baseURL, "/") + "/oauth/token" }

// PasswordLogin signs an Application User in with the password grant, the
// reseller's Reseller API client key and secret sent as HTTP Basic, and
// returns a token source that refreshes the access token with its refresh
// token when it expires. ctx is used for the sign-in and the refreshes
// (give it an *http.Client under oauth2.HTTPClient to change transport).
func PasswordLogin(ctx context.Context, tokenURL, clientKey, clientSecret, username, password string) (oauth2.TokenSource, error) {
	cfg := passwordConfig(tokenURL, clientKey, clientSecret)
	tok, err := cfg.PasswordCredentialsToken(ctx, username, password)
	if err != nil {
		return nil, fmt.Errorf("sign in as %s: %w", username, err)
	}
	return cfg.TokenSource(ctx, tok), nil
}

// Refreshing is the token source of a sign-in saved earlier (tok from a
// PasswordLogin source's Token): tok while it lasts, then the tokens its
// refresh token is exchanged for.
func Refreshing(ctx context.Context, tokenURL, clientKey, clientSecret string, tok *oauth2.Token) oauth2.TokenSource {
	return passwordConfig(tokenURL, clientKey, clientSecret).TokenSource(ctx, tok)
}

func passwordConfig(tokenURL, clientKey, clientSecret string) *oauth2.Config {
	return &oauth2.Config{ClientID: clientKey, ClientSecret: clientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInHeader}}
}

// ClientCredentials is a token source of a service client (the
// client_credentials grant): each token is fetched when the last expires.
func ClientCredentials(ctx context.Context, tokenURL, clientID, clientSecret string, scopes ...string) oauth2.TokenSource {
	cfg := clientcredentials.Config{ClientID: clientID, ClientSecret: clientSecret, TokenURL: tokenURL,
		Scopes: scopes, AuthStyle: oauth2.AuthStyleInHeader}
	return cfg.TokenSource(ctx)
}
