// Package service wires the auth service: fosite composed over MongoDB
// storage, the admin API, the OAuth endpoints and the event handlers.
// cmd/auth runs it as its own process; the all-in-one binary mounts its
// routes beside the edge's.
package service

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/token/jwt"
	"github.com/prometheus/client_golang/prometheus"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/pkg/contract"
	"github.com/resellerapi/platform/pkg/eckey"
	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/eventsig"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/secretbox"
	"github.com/resellerapi/platform/services/auth/api"
	"github.com/resellerapi/platform/services/auth/internal/adapters"
	"github.com/resellerapi/platform/services/auth/internal/app"
	"github.com/resellerapi/platform/services/auth/internal/audit"
	"github.com/resellerapi/platform/services/auth/internal/console"
	"github.com/resellerapi/platform/services/auth/internal/credentials"
	"github.com/resellerapi/platform/services/auth/internal/domain"
	"github.com/resellerapi/platform/services/auth/internal/managers"
	"github.com/resellerapi/platform/services/auth/internal/oauth"
	"github.com/resellerapi/platform/services/auth/internal/ports"
	"github.com/resellerapi/platform/services/auth/internal/signingkeys"
	"github.com/resellerapi/platform/services/auth/internal/storefront"
	"github.com/resellerapi/platform/services/auth/internal/users"
)

// Config configures the auth service.
type Config struct {
	// Infra says where NATS and MongoDB are and names auth's database.
	Infra infra.Config
	// Issuer is the platform's public base URL; tokens name it as "iss" and
	// the token endpoint is Issuer + "/oauth/token".
	Issuer string
	// AdminAddr, when set, serves the admin API on a listener of its own
	// (and not on the public one).
	AdminAddr string
	// AdminToken authenticates admin API callers: one token, or several
	// separated by commas while one replaces another.
	AdminToken string
	// CredentialsKey (32 bytes) encrypts the Reseller API client secret at rest.
	CredentialsKey []byte
	// SigningKeys sign access tokens (the first) and verify them (all).
	SigningKeys []*ecdsa.PrivateKey
	// EventSigningKey signs every event auth publishes, so that the edge
	// applies only auth's (its public key is the edge's
	// AuthEventKeys).
	EventSigningKey *ecdsa.PrivateKey
	AccessTokenTTL  time.Duration
	// RefreshTokenTTL is how long a refresh token lives (30 days when 0).
	RefreshTokenTTL time.Duration
	// BcryptCost is the cost of Application User password hashes.
	BcryptCost int
	// Abuse protection (zero values take the defaults): a username or a
	// client address is locked after LoginMaxFailures failed logins in a
	// row, for LoginLockout doubling with each further failure up to 15
	// minutes; /oauth/token takes TokenRequestsPerSecond per client
	// address with bursts of TokenBurst; at most HashConcurrency password
	// hashes run at once.
	LoginMaxFailures       int
	LoginLockout           time.Duration
	TokenRequestsPerSecond float64
	TokenBurst             int
	HashConcurrency        int
	// SigningKeyPublishDelay is how long a rotated signing key is
	// published before it signs, unless a rotation names another (0:
	// signs at once).
	SigningKeyPublishDelay time.Duration
	// CredentialsGracePeriod is how long a reseller's rotated client key
	// and secret keep working, unless a rotation names another (0: none).
	CredentialsGracePeriod time.Duration
	// ConsoleIdleTimeout ends a console session unused that long (30m),
	// ConsoleSessionLifetime any session that old (12h).
	ConsoleIdleTimeout     time.Duration
	ConsoleSessionLifetime time.Duration
}

// Defaults is the configuration's defaults, written once: ConfigFromEnv
// takes them for unset variables, and New for the zero values of the
// fields whose zero means "the default" (AccessTokenTTL, RefreshTokenTTL,
// BcryptCost, the abuse protection and the console's timeouts; a zero
// grace period or publish delay means none).
func Defaults() Config {
	return Config{
		AccessTokenTTL:         15 * time.Minute,
		RefreshTokenTTL:        30 * 24 * time.Hour,
		BcryptCost:             12,
		LoginMaxFailures:       5,
		LoginLockout:           time.Second,
		TokenRequestsPerSecond: 10,
		TokenBurst:             20,
		HashConcurrency:        max(runtime.GOMAXPROCS(0)-1, 1),
		CredentialsGracePeriod: 24 * time.Hour,
		SigningKeyPublishDelay: 10 * time.Minute,
		ConsoleIdleTimeout:     30 * time.Minute,
		ConsoleSessionLifetime: 12 * time.Hour,
	}
}

// withDefaults fills the zero fields whose zero means the default.
func (c Config) withDefaults() Config {
	d := Defaults()
	fill := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	fill(&c.AccessTokenTTL, d.AccessTokenTTL)
	fill(&c.RefreshTokenTTL, d.RefreshTokenTTL)
	fill(&c.LoginLockout, d.LoginLockout)
	fill(&c.ConsoleIdleTimeout, d.ConsoleIdleTimeout)
	fill(&c.ConsoleSessionLifetime, d.ConsoleSessionLifetime)
	if c.BcryptCost <= 0 {
		c.BcryptCost = d.BcryptCost
	}
	if c.LoginMaxFailures <= 0 {
		c.LoginMaxFailures = d.LoginMaxFailures
	}
	if c.TokenRequestsPerSecond <= 0 {
		c.TokenRequestsPerSecond = d.TokenRequestsPerSecond
	}
	if c.TokenBurst <= 0 {
		c.TokenBurst = d.TokenBurst
	}
	if c.HashConcurrency <= 0 {
		c.HashConcurrency = d.HashConcurrency
	}
	return c
}

// ConfigFromEnv reads the configuration: NATS_URL, MONGODB_URI,
// MONGODB_DATABASE (auth), ISSUER_URL, ADMIN_TOKEN,
// CREDENTIALS_ENCRYPTION_KEY (base64 of 32 bytes), SIGNING_KEY_FILES
// (comma-separated PEM files, the signing key first),
// EVENT_SIGNING_KEY_FILE (a PEM P-256 key; the edge is given its public
// key), ACCESS_TOKEN_TTL
// (15m), REFRESH_TOKEN_TTL (720h; 1h to 2160h), BCRYPT_COST (12; 10 to 15), LOGIN_MAX_FAILURES (5), LOGIN_LOCKOUT
// (1s, doubling), TOKEN_REQUESTS_PER_SECOND (10 per client address),
// TOKEN_BURST (20), PASSWORD_HASH_CONCURRENCY (CPUs - 1),
// CREDENTIALS_GRACE_PERIOD (24h; 0 to 720h), SIGNING_KEY_PUBLISH_DELAY
// (10m; 0 to 24h), CONSOLE_IDLE_TIMEOUT (30m; 1m to 24h),
// CONSOLE_SESSION_LIFETIME (12h; 1h to 168h).
func ConfigFromEnv(env *config.Reader) Config {
	d := Defaults()
	cfg := Config{
		Infra:           infra.ConfigFromEnv(env, "auth"),
		Issuer:          env.Required("ISSUER_URL"),
		AdminToken:      env.Required("ADMIN_TOKEN"),
		AdminAddr:       env.String("ADMIN_ADDR", ""),
		AccessTokenTTL:  env.Duration("ACCESS_TOKEN_TTL", d.AccessTokenTTL),
		RefreshTokenTTL: env.Duration("REFRESH_TOKEN_TTL", d.RefreshTokenTTL),
		BcryptCost:      env.Int("BCRYPT_COST", d.BcryptCost),

		LoginMaxFailures:       env.Int("LOGIN_MAX_FAILURES", d.LoginMaxFailures),
		LoginLockout:           env.Duration("LOGIN_LOCKOUT", d.LoginLockout),
		TokenRequestsPerSecond: float64(env.Int("TOKEN_REQUESTS_PER_SECOND", int(d.TokenRequestsPerSecond))),
		TokenBurst:             env.Int("TOKEN_BURST", d.TokenBurst),
		HashConcurrency:        env.Int("PASSWORD_HASH_CONCURRENCY", d.HashConcurrency),
		CredentialsGracePeriod: env.Duration("CREDENTIALS_GRACE_PERIOD", d.CredentialsGracePeriod),
		SigningKeyPublishDelay: env.Duration("SIGNING_KEY_PUBLISH_DELAY", d.SigningKeyPublishDelay),
		ConsoleIdleTimeout:     env.Duration("CONSOLE_IDLE_TIMEOUT", d.ConsoleIdleTimeout),
		ConsoleSessionLifetime: env.Duration("CONSOLE_SESSION_LIFETIME", d.ConsoleSessionLifetime),
	}
	if cfg.ConsoleIdleTimeout < time.Minute || cfg.ConsoleIdleTimeout > 24*time.Hour {
		env.Check(fmt.Errorf("CONSOLE_IDLE_TIMEOUT=%v must be from 1m to 24h", cfg.ConsoleIdleTimeout))
	}
	if cfg.ConsoleSessionLifetime < time.Hour || cfg.ConsoleSessionLifetime > 7*24*time.Hour {
		env.Check(fmt.Errorf("CONSOLE_SESSION_LIFETIME=%v must be from 1h to 168h", cfg.ConsoleSessionLifetime))
	}
	if cfg.SigningKeyPublishDelay < 0 || cfg.SigningKeyPublishDelay > signingkeys.MaxPublishDelay {
		env.Check(fmt.Errorf("SIGNING_KEY_PUBLISH_DELAY=%v must be from 0 to %v", cfg.SigningKeyPublishDelay, signingkeys.MaxPublishDelay))
	}
	if cfg.CredentialsGracePeriod < 0 || cfg.CredentialsGracePeriod > MaxGracePeriod {
		env.Check(fmt.Errorf("CREDENTIALS_GRACE_PERIOD=%v must be from 0 to %v", cfg.CredentialsGracePeriod, MaxGracePeriod))
	}
	env.Check(CheckBcryptCost(cfg.BcryptCost))
	if cfg.AccessTokenTTL < time.Minute || cfg.AccessTokenTTL > accesstoken.MaxLifetime {
		env.Check(fmt.Errorf("ACCESS_TOKEN_TTL=%v must be from 1m to %v (the edge refuses longer-lived tokens)", cfg.AccessTokenTTL, accesstoken.MaxLifetime))
	}
	if cfg.RefreshTokenTTL < time.Hour || cfg.RefreshTokenTTL > 90*24*time.Hour {
		env.Check(fmt.Errorf("REFRESH_TOKEN_TTL=%v must be from 1h to 2160h (90 days)", cfg.RefreshTokenTTL))
	}
	if key := env.Required("CREDENTIALS_ENCRYPTION_KEY"); key != "" {
		b, err := base64.StdEncoding.DecodeString(key)
		if err != nil || len(b) != 32 {
			env.Check(errors.New("CREDENTIALS_ENCRYPTION_KEY must be the base64 of 32 random bytes (openssl rand -base64 32)"))
		}
		cfg.CredentialsKey = b
	}
	for _, path := range strings.Split(env.Required("SIGNING_KEY_FILES"), ",") {
		if path = strings.TrimSpace(path); path == "" {
			continue
		}
		data, err := os.ReadFile(path)
		if err == nil {
			var k *ecdsa.PrivateKey
			if k, err = eckey.ParsePrivate(data); err == nil {
				cfg.SigningKeys = append(cfg.SigningKeys, k)
				continue
			}
		}
		env.Check(fmt.Errorf("SIGNING_KEY_FILES: %s: %w", path, err))
	}
	if path := env.Required("EVENT_SIGNING_KEY_FILE"); path != "" {
		data, err := os.ReadFile(path)
		if err == nil {
			cfg.EventSigningKey, err = eckey.ParsePrivate(data)
		}
		if err != nil {
			env.Check(fmt.Errorf("EVENT_SIGNING_KEY_FILE: %s: %w", path, err))
		}
	}
	return cfg
}

// MaxGracePeriod bounds CREDENTIALS_GRACE_PERIOD and a rotation's grace.
const MaxGracePeriod = domain.MaxGracePeriod

// Bounds of BCRYPT_COST: below 10 a stolen hash is cheap to crack; above
// 15 one login takes seconds of CPU.
const (
	MinBcryptCost = 10
	MaxBcryptCost = 15
)

// CheckBcryptCost refuses a configured cost outside [MinBcryptCost,
// MaxBcryptCost]. (Tests pass a lower cost in Config directly.)
func CheckBcryptCost(cost int) error {
	if cost < MinBcryptCost || cost > MaxBcryptCost {
		return fmt.Errorf("BCRYPT_COST=%d must be from %d to %d", cost, MinBcryptCost, MaxBcryptCost)
	}
	return nil
}

func (c Config) validate() error {
	var errs []error
	if slices.ContainsFunc(adminTokens(c.AdminToken), func(t string) bool { return len(t) < 16 }) || len(adminTokens(c.AdminToken)) == 0 {
		errs = append(errs, errors.New("every admin token must be at least 16 characters (ADMIN_TOKEN: one, or several separated by commas)"))
	}
	if len(c.SigningKeys) == 0 {
		errs = append(errs, errors.New("a signing key is required"))
	}
	if c.EventSigningKey == nil {
		errs = append(errs, errors.New("an event signing key is required"))
	}
	if c.Issuer == "" {
		errs = append(errs, errors.New("the issuer URL is required"))
	}
	if c.SigningKeyPublishDelay < 0 || c.SigningKeyPublishDelay > signingkeys.MaxPublishDelay {
		errs = append(errs, fmt.Errorf("the signing key publish delay must be from 0 to %v", signingkeys.MaxPublishDelay))
	}
	if c.CredentialsGracePeriod < 0 || c.CredentialsGracePeriod > MaxGracePeriod {
		errs = append(errs, fmt.Errorf("the credentials grace period must be from 0 to %v", MaxGracePeriod))
	}
	return errors.Join(errs...)
}

// adminTokens splits ADMIN_TOKEN's comma-separated tokens.
func adminTokens(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// Service is a started auth service.
type Service struct {
	*infra.Infra
	server    *ports.Server
	console   *console.Console
	adminAddr string
	// keys are the signing keys, loaded again on every signing key event
	// (keyFollower) and at least once a minute.
	keys        *adapters.SigningKeys
	keyFollower *eventbus.Follower
	log         *slog.Logger
}

// New connects to MongoDB and NATS, prepares indexes and streams, composes
// fosite and registers the event handlers. Run starts consuming; mount the
// HTTP routes with Register or serve Handler.
func New(ctx context.Context, cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Service, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	box, err := secretbox.New(cfg.CredentialsKey)
	if err != nil {
		return nil, err
	}
	keys, err := adapters.NewSigningKeys(cfg.SigningKeys...)
	if err != nil {
		return nil, err
	}
	if cfg.Infra.Signer, err = eventsig.NewSigner(cfg.EventSigningKey); err != nil {
		return nil, err
	}
	in, err := infra.Open(ctx, "auth", cfg.Infra, log, reg)
	if err != nil {
		return nil, err
	}
	keys.WithStore(in.DB, box)
	s := &Service{Infra: in, adminAddr: cfg.AdminAddr, keys: keys, log: log}
	if err := keys.Load(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	st := stores{
		users: adapters.NewUserRepository(in.DB), managers: adapters.NewManagerRepository(in.DB),
		serviceClients: adapters.NewServiceClientRepository(in.DB), storefrontKeys: adapters.NewStorefrontKeyRepository(in.DB),
		refresh: adapters.NewRefreshTokens(in.DB), credentials: adapters.NewCredentialsRepository(in.DB),
		resellers: adapters.NewResellerRepository(in.DB),
	}
	sessions := adapters.NewConsoleSessions(in.DB)
	if err := errors.Join(st.users.EnsureIndexes(ctx), st.credentials.EnsureIndexes(ctx), st.managers.EnsureIndexes(ctx),
		st.serviceClients.EnsureIndexes(ctx), st.storefrontKeys.EnsureIndexes(ctx), st.refresh.EnsureIndexes(ctx),
		sessions.EnsureIndexes(ctx)); err != nil {
		_ = s.Close()
		return nil, err
	}
	refresh := st.refresh
	application, err := newApplication(cfg, in, st, keys, box, log)
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	if err := ports.RegisterEvents(in.Bus, application); err != nil {
		_ = s.Close()
		return nil, err
	}
	s.keyFollower, err = eventbus.Follow(in.Bus, "signing_keys", subjects.SigningKeys,
		func(ctx context.Context, _ *eventsv1.SigningKeyChanged) error { return keys.Load(ctx) })
	if err != nil {
		_ = s.Close()
		return nil, err
	}

	issuer := strings.TrimRight(cfg.Issuer, "/")
	store := adapters.NewFositeStore(application, refresh, accesstoken.Audience(issuer))
	provider, refreshTokens, err := newProvider(cfg, issuer, store, keys)
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	doc, err := contract.Load(api.OpenAPI())
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	s.server = ports.NewServer(
		ports.NewOAuth(provider, refreshTokens, application, keys, issuer, log).
			WithRateLimit(ports.NewRateLimiter(cfg.TokenRequestsPerSecond, cfg.TokenBurst)),
		ports.NewAdmin(application, adminTokens(cfg.AdminToken), issuer+"/oauth/token", log),
		doc)
	s.console, err = console.New(application, sessions,
		adapters.NewLoginThrottle(cfg.LoginMaxFailures, cfg.LoginLockout, 15*time.Minute),
		console.Config{PublicURL: issuer, AdminTokens: adminTokens(cfg.AdminToken),
			IdleTimeout: cfg.ConsoleIdleTimeout, Lifetime: cfg.ConsoleSessionLifetime}, log)
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// stores are auth's repositories over its database.
type stores struct {
	users          *adapters.UserRepository
	managers       *adapters.ManagerRepository
	serviceClients *adapters.ServiceClientRepository
	storefrontKeys *adapters.StorefrontKeyRepository
	refresh        *adapters.RefreshTokens
	credentials    *adapters.CredentialsRepository
	resellers      *adapters.ResellerRepository
}

// newApplication makes each capability's use cases with what it uses.
func newApplication(cfg Config, in *infra.Infra, st stores, keys *adapters.SigningKeys, box *secretbox.Box, log *slog.Logger) (app.Application, error) {
	trail := audit.NewTrail(log, adapters.SecurityAudit{Bus: in.Bus})
	userEvents := adapters.UserEvents{Bus: in.Bus}
	activations := adapters.NewActivationRepository(in.DB)
	passwords := adapters.NewBcryptHasher(cfg.BcryptCost, cfg.HashConcurrency)
	creds := credentials.New(credentials.Deps{
		Activations: activations, Credentials: st.credentials, Events: adapters.CredentialEvents{Bus: in.Bus}, Resellers: st.resellers,
		Box: box, Digest: adapters.Digest, GracePeriod: cfg.CredentialsGracePeriod, Trail: trail, Now: time.Now,
	})
	clients := credentials.NewClients(activations, st.credentials, st.serviceClients, time.Now)
	login, err := oauth.NewAuthenticator(st.users, clients, passwords,
		adapters.NewLoginThrottle(cfg.LoginMaxFailures, cfg.LoginLockout, 15*time.Minute), trail)
	if err != nil {
		return app.Application{}, err
	}
	return app.Application{
		Credentials:    creds,
		Clients:        clients,
		ServiceClients: credentials.NewServiceClients(st.serviceClients, st.resellers, creds.Active, userEvents, adapters.Digest, trail, time.Now),
		Users: users.New(users.Deps{Users: st.users, Resellers: st.resellers, Active: creds.Active, Passwords: passwords,
			Events: userEvents, RefreshTokens: st.refresh, Trail: trail, Now: time.Now}),
		Login:  login,
		Grants: oauth.NewGrants(st.users, accesstoken.Audience(strings.TrimRight(cfg.Issuer, "/"))),
		Tokens: oauth.NewTokens(oauth.TokensDeps{Clients: clients, Users: st.users, Revocations: adapters.NewRevocationRepository(in.DB),
			Events: adapters.RevocationEvents{Bus: in.Bus}, RefreshTokens: st.refresh, Digest: adapters.Digest, Trail: trail}),
		Managers:       managers.New(st.managers, st.resellers, adapters.TokenEvents{Bus: in.Bus}, adapters.Digest, time.Now),
		SigningKeys:    signingkeys.New(keys, adapters.SigningKeyEvents{Bus: in.Bus}, cfg.SigningKeyPublishDelay, trail, time.Now),
		StorefrontKeys: storefront.New(st.storefrontKeys, st.resellers, adapters.Digest, trail, time.Now),
		Resellers:      st.resellers,
	}, nil
}

// newProvider composes fosite for the password grant with JWT access
// tokens signed by keys, and returns what introspects its refresh tokens.
func newProvider(cfg Config, issuer string, store *adapters.FositeStore, keys *adapters.SigningKeys) (fosite.OAuth2Provider, *adapters.RefreshIntrospector, error) {
	// fosite's HMAC strategy signs refresh tokens: every replica, and
	// every restart, must use the same secret, derived here from the
	// credentials key they share.
	hmacSecret := sha256.Sum256(append([]byte("resellerapi refresh tokens "), cfg.CredentialsKey...))
	fc := &fosite.Config{
		AccessTokenLifespan: cfg.AccessTokenTTL,
		AccessTokenIssuer:   issuer,
		TokenURL:            issuer + "/oauth/token",
		GlobalSecret:        hmacSecret[:],
		// The password grant always comes with a refresh token (no
		// "offline" scope needed); client_credentials never does.
		RefreshTokenScopes:   []string{},
		RefreshTokenLifespan: cfg.RefreshTokenTTL,
		ClientSecretsHasher:  adapters.DigestHasher{},
		ScopeStrategy:        fosite.ExactScopeStrategy,
		JWTScopeClaimKey:     jwt.JWTScopeFieldString,
	}
	signer := func(context.Context) (any, error) {
		k, err := keys.Signing()
		if err != nil {
			return nil, err
		}
		return k, nil
	}
	refreshStrategy := compose.NewOAuth2HMACStrategy(fc)
	strategy := compose.NewOAuth2JWTStrategy(signer, refreshStrategy, fc)
	// The Reseller API's contract is the password grant for Application
	// Users; fosite marks it deprecated because OAuth 2.1 drops it.
	//lint:ignore SA1019 the seed's contract requires the password grant
	password := compose.OAuth2ResourceOwnerPasswordCredentialsFactory
	provider := compose.Compose(fc, store, strategy, password, compose.OAuth2ClientCredentialsGrantFactory,
		compose.OAuth2RefreshTokenGrantFactory)
	return provider, adapters.NewRefreshIntrospector(refreshStrategy, store), nil
}

// Run consumes events until ctx ends, and loads the signing keys again
// every minute (the events make it sooner; this catches any missed).
func (s *Service) Run(ctx context.Context) error {
	go func() {
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if err := s.keys.Load(ctx); err != nil && ctx.Err() == nil {
					s.log.WarnContext(ctx, "signing keys not loaded", "error", err.Error())
				}
			}
		}
	}()
	return s.Infra.Run(ctx)
}

// Checks are the readiness checks: the store, the bus and the signing key
// follower caught up.
func (s *Service) Checks() map[string]httpserver.Check {
	checks := s.Infra.Checks()
	checks[s.keyFollower.Name()] = s.keyFollower.Ready
	return checks
}

// Close stops following and disconnects.
func (s *Service) Close() error {
	if s.keyFollower != nil {
		_ = s.keyFollower.Stop()
	}
	return s.Infra.Close()
}

// Register mounts the OAuth endpoints, and the admin API with the console
// (/console/) unless they have a listener of their own, on r.
func (s *Service) Register(r gin.IRouter) {
	if s.adminAddr != "" {
		s.server.RegisterPublic(r)
		return
	}
	s.server.Register(r)
	s.console.Register(r)
}

// AdminAddr is where the admin API has a listener of its own ("" when it
// shares the public one): ADMIN_ADDR.
func (s *Service) AdminAddr() string { return s.adminAddr }

// RegisterAdmin mounts the admin API and the console alone, for their own
// listener.
func (s *Service) RegisterAdmin(r gin.IRouter) {
	s.server.RegisterAdmin(r)
	s.console.Register(r)
}
