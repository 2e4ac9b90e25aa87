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
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

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
	// NATSAddr and MongoAddr are where the embedded servers listen, so
	// that backofficectl and mongosh can reach them.
	NATSAddr  string
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
	NATSURL    string
	MongoURI   string
	// Seeded is true when this start published the demo data.
	Seeded bool

	log      *slog.Logger
	nats     *embedded.NATS
	ferret   *embedded.FerretDB
	services []named
	srv      *http.Server
	ln       net.Listener
	opsSrv   *http.Server
	opsLn    net.Listener
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

	sec, signingKey, err := loadOrCreateSecrets(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	p.AdminToken = cfg.AdminToken
	if p.AdminToken == "" {
		p.AdminToken = sec.AdminToken
	}

	if p.nats, err = embedded.StartNATS(cfg.NATSAddr, filepath.Join(cfg.DataDir, "nats")); err != nil {
		return nil, fmt.Errorf("embedded nats-server on %s: %w", cfg.NATSAddr, err)
	}
	p.NATSURL = p.nats.URL()
	if p.ferret, err = embedded.StartFerretDB(embedded.FerretDBConfig{
		Addr: cfg.MongoAddr, Dir: filepath.Join(cfg.DataDir, "ferretdb"), PostgreSQLURL: cfg.FerretDBPostgreSQLURL,
		Logger: logging.AtLeast(log.With("component", "ferretdb"), slog.LevelError),
	}); err != nil {
		return nil, fmt.Errorf("embedded ferretdb on %s: %w", cfg.MongoAddr, err)
	}
	p.MongoURI = p.ferret.URI()

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
		return infra.Config{NATSURL: p.NATSURL, MongoURI: p.MongoURI, Database: name}
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
		CredentialsKey: sec.CredentialsKey, SigningKeys: []*ecdsa.PrivateKey{signingKey},
		AccessTokenTTL: defaultTokenTTL, BcryptCost: cfg.BcryptCost,
		TokenRequestsPerSecond: cfg.TokenRequestsPerSecond, TokenBurst: cfg.TokenBurst,
	}, log.With("component", "auth"), reg)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	p.services = append(p.services, named{"auth", auth})
	edge, err := edgeservice.New(ctx, edgeservice.Config{NATSURL: p.NATSURL, MongoURI: p.MongoURI, DirectoryDatabase: "directory", Issuer: p.URL, JWKSURL: p.URL + "/.well-known/jwks.json"},
		log.With("component", "edge"), reg)
	if err != nil {
		return nil, fmt.Errorf("edge: %w", err)
	}
	p.services = append(p.services, named{"edge", edge})

	auth.Register(engine)
	edge.Register(engine)
	p.opsSrv = httpserver.New(cfg.OpsAddr, httpserver.Ops(reg, p.checks()))
	if p.opsLn, err = httpserver.Listen(p.opsSrv); err != nil {
		return nil, err
	}
	p.OpsURL = "http://" + p.opsLn.Addr().String()

	if cfg.SeedDemo {
		if p.Seeded, err = seedOnce(ctx, cfg.DataDir, p.NATSURL); err != nil {
			return nil, fmt.Errorf("seed demo data: %w", err)
		}
	}
	return p, nil
}

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
}

// defaultTokenTTL is the access token lifetime of the all-in-one platform.
const defaultTokenTTL = 15 * time.Minute
