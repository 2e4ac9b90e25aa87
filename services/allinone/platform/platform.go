// Package platform runs every service of the Reseller API platform in one
// process over an embedded nats-server and FerretDB: the zero-set-up way to
// try the API (make run) and the end-to-end test's system under test.
package platform

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/callerauth"
	"github.com/resellerapi/platform/pkg/embedded"
	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/logging"
	authservice "github.com/resellerapi/platform/services/auth/service"
	"github.com/resellerapi/platform/services/backoffice"
	catalogservice "github.com/resellerapi/platform/services/catalog/service"
	directoryservice "github.com/resellerapi/platform/services/directory/service"
	edgeservice "github.com/resellerapi/platform/services/edge/service"
	invoicingservice "github.com/resellerapi/platform/services/invoicing/service"
	webhooksservice "github.com/resellerapi/platform/services/webhooks/service"
)

// Config configures the all-in-one platform.
type Config struct {
	// DataDir holds NATS's and FerretDB's files and the generated secrets.
	DataDir string
	// HTTPAddr serves the public and admin API and the docs.
	HTTPAddr string
	// OpsAddr serves /healthz, /readyz and /metrics, off the public port
	// as the separate binaries do.
	OpsAddr string
	// NATSAddr is where the embedded nats-server listens, so that
	// backofficectl can reach it: each party (subjects.Permissions) has
	// its user, password (kept in DataDir) and permissions, as in
	// production.
	NATSAddr string
	// NATSUsers are more users of the embedded nats-server, beside the
	// parties' (a test's observer).
	NATSUsers []embedded.NATSUser
	// MongoAddr, when set, is where the embedded FerretDB also listens for
	// other processes (mongosh): TLS, serving only clients with the
	// certificate it generates in DataDir/store-tls. Otherwise it has no
	// network listener: the services reach it over a Unix socket in a
	// directory only this user can open.
	MongoAddr string
	// FerretDBPostgreSQLURL selects FerretDB's PostgreSQL handler.
	FerretDBPostgreSQLURL string
	// PublicURL is the base URL clients use; default http://<HTTPAddr>.
	PublicURL string
	// AdminToken is generated (and kept in DataDir) when empty.
	AdminToken string
	// SeedDemo publishes the demo data set on the first start.
	SeedDemo   bool
	BcryptCost int
	// TokenRequestsPerSecond and TokenBurst limit /oauth/token per client
	// address (zero: auth's defaults).
	TokenRequestsPerSecond float64
	TokenBurst             int
	Logger                 *slog.Logger
}

// Platform is the running platform.
type Platform struct {
	// URL is the public base URL.
	URL string
	// OpsURL is the base URL of /healthz, /readyz and /metrics.
	OpsURL     string
	AdminToken string
	// NATSURL is the embedded nats-server's URL, without credentials
	// (NATSURLFor has them).
	NATSURL string
	// MongoURI reaches the embedded FerretDB from this process.
	MongoURI string
	// MongoTLSAddr is the store's TLS listener (Config.MongoAddr) and
	// StoreTLS the files a client needs there; "" when there is none.
	MongoTLSAddr string
	StoreTLS     StoreTLS
	// Seeded is true when this start published the demo data.
	Seeded bool

	log       *slog.Logger
	natsURLs  map[string]string
	socketDir string
	nats      *embedded.NATS
	ferret    *embedded.FerretDB
	services  []named
	srv       *http.Server
	ln        net.Listener
	opsSrv    *http.Server
	opsLn     net.Listener
}

type component interface {
	Run(ctx context.Context) error
	Checks() map[string]httpserver.Check
	Close() error
}

type named struct {
	name string
	component
}

// Start starts the infrastructure and every service; Run serves them.
func Start(ctx context.Context, cfg Config) (p *Platform, err error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, err
	}
	p = &Platform{log: log}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()

	permissions := subjects.Permissions(eventbus.InboxPrefix)
	sec, keys, err := loadOrCreateSecrets(cfg.DataDir, slices.Collect(maps.Keys(permissions)))
	if err != nil {
		return nil, err
	}
	p.AdminToken = cfg.AdminToken
	if p.AdminToken == "" {
		p.AdminToken = sec.AdminToken
	}

	// The bus: each party connects as its own user, with the permissions
	// it has in production; no one connects without a password.
	users := slices.Clone(cfg.NATSUsers)
	for party, perm := range permissions {
		users = append(users, embedded.NATSUser{Name: party, Password: sec.NATSPasswords[party], Publish: perm.Publish, Subscribe: perm.Subscribe})
	}
	if p.nats, err = embedded.StartNATS(embedded.NATSConfig{Addr: cfg.NATSAddr, Dir: filepath.Join(cfg.DataDir, "nats"), Users: users}); err != nil {
		return nil, fmt.Errorf("embedded nats-server on %s: %w", cfg.NATSAddr, err)
	}
	p.NATSURL = p.nats.URL()
	p.natsURLs = map[string]string{}
	for party := range permissions {
		p.natsURLs[party] = p.nats.URLFor(party, sec.NATSPasswords[party])
	}

	// The store: a Unix socket for the services, and TLS with client
	// certificates only when asked for.
	if p.socketDir, err = os.MkdirTemp("", "resellerapi-store-"); err != nil {
		return nil, err
	}
	store := embedded.FerretDBConfig{
		Unix: filepath.Join(p.socketDir, "ferretdb.sock"), Dir: filepath.Join(cfg.DataDir, "ferretdb"), PostgreSQLURL: cfg.FerretDBPostgreSQLURL,
		Logger: logging.AtLeast(log.With("component", "ferretdb"), slog.LevelError),
	}
	if cfg.MongoAddr != "" {
		if p.StoreTLS, err = loadOrCreateStoreTLS(filepath.Join(cfg.DataDir, "store-tls")); err != nil {
			return nil, err
		}
		store.TLS, store.TLSCertFile, store.TLSKeyFile, store.TLSCAFile = cfg.MongoAddr, p.StoreTLS.Cert, p.StoreTLS.Key, p.StoreTLS.CA
	}
	if p.ferret, err = embedded.StartFerretDB(store); err != nil {
		return nil, fmt.Errorf("embedded ferretdb: %w", err)
	}
	p.MongoURI, p.MongoTLSAddr = p.ferret.URI(), p.ferret.TLSAddr()

	// Bind the HTTP port first: the token issuer is the public URL.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics, err := httpserver.NewMetrics(reg, "allinone")
	if err != nil {
		return nil, err
	}
	engine := httpserver.NewEngine(log, metrics)
	p.srv = httpserver.New(cfg.HTTPAddr, engine)
	if p.ln, err = httpserver.Listen(p.srv); err != nil {
		return nil, err
	}
	p.URL = cfg.PublicURL
	if p.URL == "" {
		p.URL = "http://" + p.ln.Addr().String()
	}

	// Every service keeps its own database, as in production.
	db := func(name string) infra.Config {
		return infra.Config{NATSURL: p.natsURLs[name], MongoURI: p.MongoURI, Database: name}
	}
	directory, err := directoryservice.New(ctx, db("directory"), log.With("component", "directory"), reg)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	p.services = append(p.services, named{"directory", directory})
	catalog, err := catalogservice.New(ctx, db("catalog"), log.With("component", "catalog"), reg)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	p.services = append(p.services, named{"catalog", catalog})
	invoicing, err := invoicingservice.New(ctx, invoicingservice.Config{Config: db("invoicing")}, log.With("component", "invoicing"), reg)
	if err != nil {
		return nil, fmt.Errorf("invoicing: %w", err)
	}
	p.services = append(p.services, named{"invoicing", invoicing})
	auth, err := authservice.New(ctx, authservice.Config{
		Infra: db("auth"), Issuer: p.URL, AdminToken: p.AdminToken,
		CredentialsKey: sec.CredentialsKey, SigningKeys: []*ecdsa.PrivateKey{keys.signing}, EventSigningKey: keys.events,
		BcryptCost:             cfg.BcryptCost,
		TokenRequestsPerSecond: cfg.TokenRequestsPerSecond, TokenBurst: cfg.TokenBurst,
	}, log.With("component", "auth"), reg)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	p.services = append(p.services, named{"auth", auth})
	// The edge and the webhooks service verify callers' tokens with auth's
	// keys and apply only the security events auth signed.
	callers := callerauth.Config{Issuer: p.URL, JWKSURL: p.URL + "/.well-known/jwks.json", AuthEventKeys: []*ecdsa.PublicKey{&keys.events.PublicKey}}
	edge, err := edgeservice.New(ctx, edgeservice.Config{NATSURL: p.natsURLs["edge"], MongoURI: p.MongoURI, DirectoryDatabase: "directory",
		Config:       callers,
		PageTokenKey: sec.PageTokenKey},
		log.With("component", "edge"), reg)
	if err != nil {
		return nil, fmt.Errorf("edge: %w", err)
	}
	p.services = append(p.services, named{"edge", edge})
	webhooks, err := webhooksservice.New(ctx, webhooksservice.Config{
		Config: db("webhooks"), SecretsKey: sec.WebhooksSecretsKey, Callers: callers,
		// A newcomer's receiver (webhookecho) listens on this machine.
		AllowPrivateTargets: true,
	}, log.With("component", "webhooks"), reg)
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	p.services = append(p.services, named{"webhooks", webhooks})

	auth.Register(engine)
	edge.Register(engine)
	webhooks.Register(engine)
	p.opsSrv = httpserver.New(cfg.OpsAddr, httpserver.Ops(reg, p.checks()))
	if p.opsLn, err = httpserver.Listen(p.opsSrv); err != nil {
		return nil, err
	}
	p.OpsURL = "http://" + p.opsLn.Addr().String()

	if cfg.SeedDemo {
		if p.Seeded, err = seedOnce(ctx, cfg.DataDir, p.natsURLs["backoffice"]); err != nil {
			return nil, fmt.Errorf("seed demo data: %w", err)
		}
	}
	return p, nil
}

// NATSURLFor is the embedded nats-server's URL with party's credentials
// (a key of subjects.Permissions: "backoffice" for backofficectl); ""
// for another name.
func (p *Platform) NATSURLFor(party string) string { return p.natsURLs[party] }

func (p *Platform) checks() map[string]httpserver.Check {
	all := map[string]httpserver.Check{}
	for _, s := range p.services {
		for name, check := range s.Checks() {
			all[s.name+"/"+name] = check
		}
	}
	return all
}

// seedOnce publishes the demo data unless an earlier start did.
func seedOnce(ctx context.Context, dataDir, natsURL string) (bool, error) {
	// v2: events moved to per-aggregate subjects (directory.reseller.changed.<id>);
	// a data directory seeded before is seeded again so that the edge's
	// reseller tree, which follows the new subjects, learns the demo
	// resellers. Same versions: the projections take it as a replay.
	marker := filepath.Join(dataDir, "demo-seeded-v2")
	if _, err := os.Stat(marker); err == nil {
		return false, nil
	}
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: natsURL, Service: "backoffice"})
	if err != nil {
		return false, err
	}
	defer func() { _ = bus.Close() }()
	if _, err := backoffice.PublishDemo(ctx, backoffice.NewPublisher(bus)); err != nil {
		return false, err
	}
	return true, os.WriteFile(marker, []byte("demo data published\n"), 0o600)
}

// Run serves the API and runs every service until ctx is cancelled.
func (p *Platform) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(p.services)+2)
	for _, s := range p.services {
		go func() { errc <- s.Run(ctx) }()
	}
	go func() { errc <- httpserver.Serve(ctx, p.srv, p.ln, p.log) }()
	go func() { errc <- httpserver.Serve(ctx, p.opsSrv, p.opsLn, p.log) }()
	var errs []error
	for range len(p.services) + 2 {
		if err := <-errc; err != nil {
			errs = append(errs, err)
		}
		cancel() // one stopping stops all
	}
	return errors.Join(errs...)
}

// Close stops the services, then the servers they use.
func (p *Platform) Close() {
	if p.ln != nil && p.srv != nil {
		_ = p.srv.Close()
	}
	if p.opsLn != nil && p.opsSrv != nil {
		_ = p.opsSrv.Close()
	}
	for i := len(p.services) - 1; i >= 0; i-- {
		if err := p.services[i].Close(); err != nil {
			p.log.Warn("close service", "error", err.Error())
		}
	}
	if p.ferret != nil {
		p.ferret.Shutdown()
	}
	if p.nats != nil {
		p.nats.Shutdown()
	}
	if p.socketDir != "" {
		_ = os.RemoveAll(p.socketDir)
	}
}
