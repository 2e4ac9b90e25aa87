package testkit

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/pkg/eckey"
)

// Tokens mints access tokens the way the auth service does, with a key
// it publishes on a JWKS endpoint of a test server: for the tests of a
// service that verifies tokens (callerauth) without running auth.
type Tokens struct {
	// Issuer is the tokens' "iss"; JWKSURL serves the verification key.
	Issuer, JWKSURL string
	// KeyID is the signing key's "kid".
	KeyID string
	key   *ecdsa.PrivateKey
}

// NewTokens starts the JWKS endpoint for the test's duration.
func NewTokens(tb testing.TB, issuer string) *Tokens {
	tb.Helper()
	key, err := eckey.New()
	if err != nil {
		tb.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: key.Public(), Algorithm: accesstoken.Algorithm, Use: "sig"}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		tb.Fatal(err)
	}
	jwk.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}})
	}))
	tb.Cleanup(srv.Close)
	return &Tokens{Issuer: issuer, JWKSURL: srv.URL, KeyID: jwk.KeyID, key: key}
}

// Token is what a minted token says.
type Token struct {
	ResellerID, Subject, ClientID, Scope string
	// IssuedAt defaults to now, TTL to 10 minutes.
	IssuedAt time.Time
	TTL      time.Duration
}

// Mint signs t as an RFC 9068 access token of the Reseller API.
func (tk *Tokens) Mint(tb testing.TB, t Token) string {
	tb.Helper()
	if t.IssuedAt.IsZero() {
		t.IssuedAt = time.Now()
	}
	if t.TTL == 0 {
		t.TTL = 10 * time.Minute
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": tk.Issuer, "aud": accesstoken.Audience(tk.Issuer), "sub": t.Subject, "rid": t.ResellerID, "client_id": t.ClientID,
		"scope": t.Scope, "iat": t.IssuedAt.Unix(), "exp": t.IssuedAt.Add(t.TTL).Unix(), "jti": uuid.NewString(),
	})
	tok.Header["kid"] = tk.KeyID
	tok.Header["typ"] = accesstoken.TokenType
	s, err := tok.SignedString(tk.key)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
