package callerauth

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/pkg/eckey"
	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/eventsig"
	"github.com/resellerapi/platform/pkg/httpserver"
)

// Config says how a service verifies its callers' credentials.
type Config struct {
	// Issuer is the "iss" tokens must carry (the platform's public URL).
	Issuer string
	// JWKSURL is where auth publishes the verification keys.
	JWKSURL string
	// AuthEventKeys are the public keys of auth's event signing key (the
	// current one, and a retired one while events it signed remain in the
	// AUTH stream): only the security events they verify are applied.
	AuthEventKeys []*ecdsa.PublicKey
}

// ConfigFromEnv reads ISSUER_URL, AUTH_JWKS_URL (default ISSUER_URL +
// /.well-known/jwks.json) and AUTH_EVENT_KEY_FILES (comma-separated PEM
// files of the public keys of auth's EVENT_SIGNING_KEY_FILE).
func ConfigFromEnv(env *config.Reader) Config {
	cfg := Config{Issuer: strings.TrimRight(env.Required("ISSUER_URL"), "/")}
	cfg.JWKSURL = env.String("AUTH_JWKS_URL", cfg.Issuer+"/.well-known/jwks.json")
	for _, path := range strings.Split(env.Required("AUTH_EVENT_KEY_FILES"), ",") {
		if path = strings.TrimSpace(path); path == "" {
			continue
		}
		data, err := os.ReadFile(path)
		if err == nil {
			var keys []*ecdsa.PublicKey
			if keys, err = eckey.ParsePublic(data); err == nil {
				cfg.AuthEventKeys = append(cfg.AuthEventKeys, keys...)
				continue
			}
		}
		env.Check(fmt.Errorf("AUTH_EVENT_KEY_FILES: %s: %w", path, err))
	}
	return cfg
}

// tokenCacheSize bounds the verified-token cache (a few hundred bytes a
// token).
const tokenCacheSize = 50_000

// Followed is what a replica holds to authenticate its callers, kept
// current by per-replica subscriptions to auth's signed events.
type Followed struct {
	// Authenticators take Bearer access tokens and managers' API tokens.
	Authenticators Authenticators
	followers      []*eventbus.Follower
}

// Follow starts following auth's events on b (the manager tokens, the
// application users, the revoked tokens, the retired client keys, the
// API's activation and the withdrawn signing keys), applying only those
// auth signed, and returns the authenticators they feed. Access tokens
// are verified with the keys at cfg.JWKSURL, each verification cached
// until the token expires.
func Follow(b *eventbus.Bus, cfg Config) (*Followed, error) {
	// Whoever else may publish on the bus cannot mint a manager token or
	// lift a revocation.
	fromAuth, err := eventsig.NewVerifier(cfg.AuthEventKeys...)
	if err != nil {
		return nil, fmt.Errorf("auth's event keys: %w", err)
	}
	verified := eventbus.VerifiedBy(fromAuth)
	tokens, users, revoked := NewManagerTokens(), NewAppUsers(), NewRevokedTokens()
	clients, withdrawn := NewAPIClients(), NewWithdrawnKeys()
	f := &Followed{}
	for _, follow := range []func() (*eventbus.Follower, error){
		func() (*eventbus.Follower, error) {
			return eventbus.Follow(b, "manager_tokens", subjects.ManagerTokens, tokens.Apply, verified)
		},
		func() (*eventbus.Follower, error) {
			return eventbus.Follow(b, "app_users", subjects.AppUsers, users.Apply, verified)
		},
		func() (*eventbus.Follower, error) {
			return eventbus.Follow(b, "revoked_tokens", subjects.RevokedAccessTokens, revoked.Apply, verified)
		},
		func() (*eventbus.Follower, error) {
			return eventbus.Follow(b, "api_credentials", subjects.APICredentials, clients.ApplyCredentials, verified)
		},
		func() (*eventbus.Follower, error) {
			return eventbus.Follow(b, "api_activation", subjects.Activation, clients.ApplyActivation, verified)
		},
		func() (*eventbus.Follower, error) {
			return eventbus.Follow(b, "signing_keys", subjects.SigningKeys, withdrawn.Apply, verified)
		},
	} {
		follower, err := follow()
		if err != nil {
			_ = f.Stop()
			return nil, err
		}
		f.followers = append(f.followers, follower)
	}
	verifier := accesstoken.NewCache(
		accesstoken.NewVerifier(accesstoken.NewRemoteKeySet(cfg.JWKSURL, nil), strings.TrimRight(cfg.Issuer, "/"), 30*time.Second),
		tokenCacheSize)
	f.Authenticators = Authenticators{
		BearerTokens{Verifier: verifier, Users: users, Clients: clients, Revocations: revoked, Keys: withdrawn},
		APITokens{Store: tokens},
	}
	return f, nil
}

// Checks are the readiness checks: each follower caught up with its
// stream.
func (f *Followed) Checks() map[string]httpserver.Check {
	checks := make(map[string]httpserver.Check, len(f.followers))
	for _, follower := range f.followers {
		checks[follower.Name()] = follower.Ready
	}
	return checks
}

// Stop stops following.
func (f *Followed) Stop() error {
	var errs []error
	for _, follower := range f.followers {
		errs = append(errs, follower.Stop())
	}
	return errors.Join(errs...)
}
