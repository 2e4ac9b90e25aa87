// Package service wires the edge: the read-only MongoDB readers, the
// reseller tree it holds in memory (followed from the directory's events),
// local token verification over the auth service's JWKS, the public API
// routes generated from the OpenAPI document and the API documentation.
// cmd/edge runs it as its own process; the all-in-one binary mounts its
// routes beside auth's.
package service

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/pkg/callerauth"
	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/pkg/contract"
	"github.com/resellerapi/platform/pkg/eckey"
	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/eventsig"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/pagetoken"
	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
	authapi "github.com/resellerapi/platform/services/auth/api"
	"github.com/resellerapi/platform/services/edge/api"
	"github.com/resellerapi/platform/services/edge/internal/adapters"
	"github.com/resellerapi/platform/services/edge/internal/app"
	"github.com/resellerapi/platform/services/edge/internal/ports"
)

// Config configures the edge.
type Config struct {
	NATSURL string
	// NATSTLS configures TLS to NATS (NATS_TLS_* variables).
	NATSTLS eventbus.TLS
	// MongoURI should name a user with a read-only role.
	MongoURI          string
	DirectoryDatabase string
	CatalogDatabase   string
	InvoicingDatabase string
	// DistributorName is printed as the issuer on invoice PDFs.
	DistributorName string
	// Issuer is the "iss" tokens must carry (the platform's public URL).
	Issuer string
	// JWKSURL is where auth publishes the verification keys.
	JWKSURL string
	// AuthEventKeys are the public keys of auth's event signing key (the
	// current one, and a retired one while events it signed remain in the
	// AUTH stream): the edge applies only the security events they
	// verify.
	AuthEventKeys []*ecdsa.PublicKey
	// PageTokenKey (at least 32 bytes, the same on every replica) makes
	// cursor paging's page tokens tamper-evident.
	PageTokenKey []byte
}

// ConfigFromEnv reads NATS_URL (nats://127.0.0.1:4222), MONGODB_URI,
// DIRECTORY_DATABASE (directory), CATALOG_DATABASE (catalog),
// INVOICING_DATABASE (invoicing), ISSUER_URL, AUTH_JWKS_URL (ISSUER_URL +
// /.well-known/jwks.json), AUTH_EVENT_KEY_FILES (comma-separated PEM files
// of the public keys of auth's EVENT_SIGNING_KEY_FILE), PAGE_TOKEN_KEY
// (base64 of at least 32 random bytes, the same on every replica) and
// DISTRIBUTOR_NAME (Distributor).
func ConfigFromEnv(env *config.Reader) Config {
	cfg := Config{
		NATSURL:           env.String("NATS_URL", "nats://127.0.0.1:4222"),
		NATSTLS:           infra.NATSTLSFromEnv(env),
		MongoURI:          env.Required("MONGODB_URI"),
		DirectoryDatabase: env.String("DIRECTORY_DATABASE", directory.DirectoryDatabase),
		CatalogDatabase:   env.String("CATALOG_DATABASE", catalog.CatalogDatabase),
		InvoicingDatabase: env.String("INVOICING_DATABASE", invoicing.InvoicingDatabase),
		DistributorName:   env.String("DISTRIBUTOR_NAME", "Distributor"),
		Issuer:            strings.TrimRight(env.Required("ISSUER_URL"), "/"),
	}
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
	if key := env.Required("PAGE_TOKEN_KEY"); key != "" {
		b, err := base64.StdEncoding.DecodeString(key)
		if err != nil || len(b) < 32 {
			env.Check(errors.New("PAGE_TOKEN_KEY must be the base64 of at least 32 random bytes (openssl rand -base64 32)"))
		}
		cfg.PageTokenKey = b
	}
	return cfg
}

// tokenCacheSize bounds the verified-token cache (a few hundred bytes a
// token).
const tokenCacheSize = 50_000

// Service is a started edge.
type Service struct {
	infra *infra.Infra
	// followers feed the reseller tree, the manager tokens, the
	// application users, the revoked tokens, the retired client keys and
	// the withdrawn signing keys the edge holds in memory.
	followers []*eventbus.Follower
	http      *ports.HTTP
	docs      []ports.Doc
}

// New connects to MongoDB and NATS, starts following the reseller tree and
// prepares the routes.
func New(ctx context.Context, cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Service, error) {
	doc, err := contract.Load(api.OpenAPI())
	if err != nil {
		return nil, err
	}
	docs, err := ports.Docs(api.OpenAPI(), authapi.OpenAPI())
	if err != nil {
		return nil, err
	}
	// The security events are applied only when auth signed them: whoever
	// else may publish on the bus cannot mint a manager token or lift a
	// revocation.
	fromAuth, err := eventsig.NewVerifier(cfg.AuthEventKeys...)
	if err != nil {
		return nil, fmt.Errorf("auth's event keys: %w", err)
	}
	verified := eventbus.VerifiedBy(fromAuth)
	pageTokens, err := pagetoken.New(cfg.PageTokenKey)
	if err != nil {
		return nil, err
	}
	in, err := infra.Open(ctx, "edge", infra.Config{NATSURL: cfg.NATSURL, NATSTLS: cfg.NATSTLS, MongoURI: cfg.MongoURI,
		Database: cfg.DirectoryDatabase}, log, reg)
	if err != nil {
		return nil, err
	}
	// What every request needs is held in memory, each fed by its own
	// per-replica subscription.
	s := &Service{infra: in, docs: docs}
	tree, tokens := adapters.NewResellerTree(), callerauth.NewManagerTokens()
	users, revoked, clients := callerauth.NewAppUsers(), callerauth.NewRevokedTokens(), callerauth.NewAPIClients()
	withdrawn := callerauth.NewWithdrawnKeys()
	for _, err := range []error{
		s.follow(eventbus.Follow(in.Bus, "reseller_tree", subjects.Resellers, tree.Apply)),
		s.follow(eventbus.Follow(in.Bus, "manager_tokens", subjects.ManagerTokens, tokens.Apply, verified)),
		s.follow(eventbus.Follow(in.Bus, "app_users", subjects.AppUsers, users.Apply, verified)),
		s.follow(eventbus.Follow(in.Bus, "revoked_tokens", subjects.RevokedAccessTokens, revoked.Apply, verified)),
		s.follow(eventbus.Follow(in.Bus, "api_credentials", subjects.APICredentials, clients.ApplyCredentials, verified)),
		s.follow(eventbus.Follow(in.Bus, "api_activation", subjects.Activation, clients.ApplyActivation, verified)),
		s.follow(eventbus.Follow(in.Bus, "signing_keys", subjects.SigningKeys, withdrawn.Apply, verified)),
	} {
		if err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	// Integrations reuse a token for its whole lifetime: its ES256
	// verification is cached until it expires.
	verifier := accesstoken.NewCache(
		accesstoken.NewVerifier(accesstoken.NewRemoteKeySet(cfg.JWKSURL, nil), strings.TrimRight(cfg.Issuer, "/"), 30*time.Second),
		tokenCacheSize)
	application := app.New(app.Readers{
		Accounts:  adapters.NewAccountReader(in.DB),
		Products:  adapters.NewProductReader(in.Database(cmp.Or(cfg.CatalogDatabase, catalog.CatalogDatabase))),
		Invoices:  adapters.NewInvoiceReader(in.Database(cmp.Or(cfg.InvoicingDatabase, invoicing.InvoicingDatabase))),
		Resellers: adapters.NewResellerReader(in.DB),
	}, tree)
	authn := callerauth.Authenticators{callerauth.BearerTokens{Verifier: verifier, Users: users, Clients: clients, Revocations: revoked, Keys: withdrawn}, callerauth.APITokens{Store: tokens}}
	s.http = ports.NewHTTP(application, authn, tree, doc, log).WithDistributor(cfg.DistributorName).WithPageTokens(pageTokens)
	return s, nil
}

// follow keeps a follower Follow started, or returns its failure (which
// names the subject).
func (s *Service) follow(f *eventbus.Follower, err error) error {
	if err != nil {
		return err
	}
	s.followers = append(s.followers, f)
	return nil
}

// Register mounts the public API and the documentation on r.
func (s *Service) Register(r gin.IRouter) {
	s.http.Register(r)
	ports.RegisterDocs(r, s.docs)
}

// Run has nothing to consume on a shared consumer (the reseller tree is
// fed by its own subscription): it returns when ctx is cancelled.
func (s *Service) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// Checks are the readiness checks: MongoDB and NATS reachable, the
// reseller tree, the manager tokens, the application users and the token
// revocations caught up with their streams.
func (s *Service) Checks() map[string]httpserver.Check {
	checks := s.infra.Checks()
	for _, f := range s.followers {
		checks[f.Name()] = f.Ready
	}
	return checks
}

// Close stops following and disconnects.
func (s *Service) Close() error {
	var errs []error
	for _, f := range s.followers {
		errs = append(errs, f.Stop())
	}
	return errors.Join(append(errs, s.infra.Close())...)
}
