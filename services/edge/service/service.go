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
	"encoding/base64"
	"errors"
	"log/slog"
	"maps"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/callerauth"
	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/pkg/contract"
	"github.com/resellerapi/platform/pkg/eventbus"
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
	// Config is how callers' credentials are verified (the issuer, auth's
	// JWKS and the keys of auth's events).
	callerauth.Config
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
		Config:            callerauth.ConfigFromEnv(env),
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

// Service is a started edge.
type Service struct {
	infra *infra.Infra
	// tree feeds the reseller tree the edge holds in memory; callers the
	// state of auth's credentials (manager tokens, application users,
	// revocations, client keys, signing keys).
	tree    *eventbus.Follower
	callers *callerauth.Followed
	http    *ports.HTTP
	docs    []ports.Doc
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
	tree := adapters.NewResellerTree()
	if s.tree, err = eventbus.Follow(in.Bus, "reseller_tree", subjects.Resellers, tree.Apply); err != nil {
		_ = s.Close()
		return nil, err
	}
	if s.callers, err = callerauth.Follow(in.Bus, cfg.Config); err != nil {
		_ = s.Close()
		return nil, err
	}
	application := app.New(app.Readers{
		Accounts:  adapters.NewAccountReader(in.DB),
		Products:  adapters.NewProductReader(in.Database(cmp.Or(cfg.CatalogDatabase, catalog.CatalogDatabase))),
		Invoices:  adapters.NewInvoiceReader(in.Database(cmp.Or(cfg.InvoicingDatabase, invoicing.InvoicingDatabase))),
		Resellers: adapters.NewResellerReader(in.DB),
	}, tree)
	s.http = ports.NewHTTP(application, s.callers.Authenticators, tree, doc, log).WithDistributor(cfg.DistributorName).WithPageTokens(pageTokens)
	return s, nil
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
	checks[s.tree.Name()] = s.tree.Ready
	maps.Copy(checks, s.callers.Checks())
	return checks
}

// Close stops following and disconnects.
func (s *Service) Close() error {
	var errs []error
	if s.tree != nil {
		errs = append(errs, s.tree.Stop())
	}
	if s.callers != nil {
		errs = append(errs, s.callers.Stop())
	}
	return errors.Join(append(errs, s.infra.Close())...)
}
