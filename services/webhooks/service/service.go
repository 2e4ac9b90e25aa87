// Package service wires the webhooks service, which tells resellers'
// integrations about changes to their objects: it follows the
// back-office's events, queues a signed delivery per change and
// subscription in its own database, and sends them with retries; its
// subscriptions API (/api/webhooks, generated from api/openapi.yaml)
// authenticates callers as the edge does. cmd/webhooks runs it as its own
// process; the all-in-one mounts its routes beside the edge's.
package service

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/resellerapi/platform/pkg/callerauth"
	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
	"github.com/resellerapi/platform/pkg/secretbox"
	"github.com/resellerapi/platform/services/webhooks/api"
	"github.com/resellerapi/platform/services/webhooks/internal/adapters"
	"github.com/resellerapi/platform/services/webhooks/internal/app"
	"github.com/resellerapi/platform/services/webhooks/internal/domain"
	"github.com/resellerapi/platform/services/webhooks/internal/ports"
)

// Database is the webhooks service's own database by default.
const Database = "webhooks"

// Config configures the webhooks service.
type Config struct {
	infra.Config
	// SecretsKey (32 bytes) seals the subscriptions' signing secrets.
	SecretsKey []byte
	// AllowPrivateTargets lets deliveries reach loopback and private
	// addresses (local runs and tests only).
	AllowPrivateTargets bool
	// Workers and PerEndpoint size the dispatcher (app.DispatcherConfig).
	Workers, PerEndpoint int
	// DirectoryDatabase, InvoicingDatabase and CatalogDatabase hold the
	// read models a payload needs beyond its event (read only; defaults
	// directory, invoicing and catalog).
	DirectoryDatabase, InvoicingDatabase, CatalogDatabase string
	// Callers is how the API's callers' credentials are verified (the
	// issuer, auth's JWKS and the keys of auth's events).
	Callers callerauth.Config
	// Queue configures the queue of deliveries (default: stream
	// WEBHOOKS, subjects webhooks.>, as the NATS permissions grant).
	Queue adapters.QueueConfig
}

// ConfigFromEnv reads NATS_URL, MONGODB_URI, MONGODB_DATABASE (default
// webhooks), WEBHOOKS_SECRETS_KEY (required: the base64 of 32 random
// bytes), WEBHOOKS_ALLOW_PRIVATE_TARGETS (true or false, default false),
// WEBHOOKS_WORKERS (default 32), WEBHOOKS_PER_ENDPOINT (default 4),
// DIRECTORY_DATABASE (directory), INVOICING_DATABASE (invoicing),
// CATALOG_DATABASE (catalog), and
// ISSUER_URL, AUTH_JWKS_URL and AUTH_EVENT_KEY_FILES as the edge does.
func ConfigFromEnv(env *config.Reader) Config {
	cfg := Config{
		Config:            infra.ConfigFromEnv(env, Database),
		Workers:           env.Int("WEBHOOKS_WORKERS", 32),
		PerEndpoint:       env.Int("WEBHOOKS_PER_ENDPOINT", 4),
		DirectoryDatabase: env.String("DIRECTORY_DATABASE", directory.DirectoryDatabase),
		InvoicingDatabase: env.String("INVOICING_DATABASE", invoicing.InvoicingDatabase),
		CatalogDatabase:   env.String("CATALOG_DATABASE", catalog.CatalogDatabase),
		Callers:           callerauth.ConfigFromEnv(env),
	}
	if key := env.Required("WEBHOOKS_SECRETS_KEY"); key != "" {
		b, err := base64.StdEncoding.DecodeString(key)
		if err != nil || len(b) != 32 {
			env.Check(errors.New("WEBHOOKS_SECRETS_KEY must be the base64 of 32 random bytes (openssl rand -base64 32)"))
		}
		cfg.SecretsKey = b
	}
	switch v := env.String("WEBHOOKS_ALLOW_PRIVATE_TARGETS", "false"); v {
	case "true":
		cfg.AllowPrivateTargets = true
	case "false":
	default:
		env.Check(fmt.Errorf("WEBHOOKS_ALLOW_PRIVATE_TARGETS=%q must be true or false", v))
	}
	if cfg.Workers < 1 || cfg.Workers > 1000 {
		env.Check(fmt.Errorf("WEBHOOKS_WORKERS=%d must be from 1 to 1000", cfg.Workers))
	}
	if cfg.PerEndpoint < 1 || cfg.PerEndpoint > cfg.Workers {
		env.Check(fmt.Errorf("WEBHOOKS_PER_ENDPOINT=%d must be from 1 to WEBHOOKS_WORKERS", cfg.PerEndpoint))
	}
	return cfg
}

// Service is a started webhooks service.
type Service struct {
	*infra.Infra
	// Store holds the subscriptions and the deliveries' log; Queue the
	// deliveries to be sent.
	Store   *adapters.Store
	Queue   *adapters.Queue
	callers *callerauth.Followed
	http    *ports.HTTP
	stop    context.CancelFunc
	done    chan struct{}
}

// New connects to MongoDB and NATS, prepares the indexes, starts the
// dispatcher, follows auth's events for the API's callers and registers
// the event handlers. Run starts consuming.
func New(ctx context.Context, cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Service, error) {
	box, err := secretbox.New(cfg.SecretsKey)
	if err != nil {
		return nil, fmt.Errorf("webhooks secrets key: %w", err)
	}
	in, err := infra.Open(ctx, "webhooks", cfg.Config, log, reg)
	if err != nil {
		return nil, err
	}
	store := adapters.NewStore(in.DB, box)
	if err := store.EnsureIndexes(ctx); err != nil {
		_ = in.Close()
		return nil, err
	}
	queue, err := adapters.NewQueue(ctx, in.Bus, cfg.Queue, log)
	if err != nil {
		_ = in.Close()
		return nil, err
	}
	client := adapters.NewDeliveryClient(adapters.DeliveryClientConfig{AllowPrivateTargets: cfg.AllowPrivateTargets})
	dispatcher := app.NewDispatcher(store, queue, client, adapters.SignedHeaders, adapters.ReadCapped, log,
		app.DispatcherConfig{Workers: cfg.Workers, PerEndpoint: cfg.PerEndpoint})
	if reg != nil {
		if err := reg.Register(newBacklog(queue)); err != nil {
			_ = in.Close()
			return nil, fmt.Errorf("register webhooks metrics: %w", err)
		}
	}
	if err := observeAttempts(dispatcher, reg); err != nil {
		_ = in.Close()
		return nil, err
	}
	reads := adapters.NewReadModels(in.Database(cmp.Or(cfg.InvoicingDatabase, invoicing.InvoicingDatabase)),
		in.Database(cmp.Or(cfg.DirectoryDatabase, directory.DirectoryDatabase)),
		in.Database(cmp.Or(cfg.CatalogDatabase, catalog.CatalogDatabase)))
	fan := app.NewFanout(store, store, store, queue)
	if err := ports.Register(in.Bus, fan, store, reads); err != nil {
		_ = in.Close()
		return nil, fmt.Errorf("register handlers: %w", err)
	}
	callers, err := callerauth.Follow(in.Bus, cfg.Callers)
	if err != nil {
		_ = in.Close()
		return nil, err
	}
	subs := app.NewSubscriptions(store, queue, adapters.NewSecret, cfg.AllowPrivateTargets)
	routes, err := ports.NewHTTP(subs, callers.Authenticators, reads, api.OpenAPI(), log)
	if err != nil {
		_ = callers.Stop()
		_ = in.Close()
		return nil, err
	}
	loop, stop := context.WithCancel(context.Background())
	s := &Service{Infra: in, Store: store, Queue: queue, callers: callers, http: routes, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		if err := dispatcher.Run(loop); err != nil {
			log.Error("webhooks dispatcher stopped", "err", err)
		}
	}()
	return s, nil
}

// Register mounts the subscriptions API (/api/webhooks) on r.
func (s *Service) Register(r gin.IRouter) { s.http.Register(r) }

// Checks are the readiness checks: MongoDB and NATS reachable, and auth's
// credentials followed up to date.
func (s *Service) Checks() map[string]httpserver.Check {
	checks := s.Infra.Checks()
	maps.Copy(checks, s.callers.Checks())
	return checks
}

// Close stops consuming, then the dispatcher (the attempts in flight are
// recorded), and disconnects.
func (s *Service) Close() error {
	s.stop()
	<-s.done
	return errors.Join(s.callers.Stop(), s.Infra.Close())
}

// observeAttempts exports the deliveries' attempts by outcome and their
// durations.
func observeAttempts(d *app.Dispatcher, reg prometheus.Registerer) error {
	attempts := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "webhooks_attempts_total", Help: "Delivery attempts by outcome (delivered, failed, gone, refused).",
	}, []string{"outcome"})
	took := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "webhooks_attempt_seconds", Help: "Time of one delivery attempt, from sending to the end of the answer.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 10),
	})
	// Every outcome is exported from the start, at zero: a rate over a
	// series that appears only with its first failure misses it.
	for _, o := range []domain.Outcome{domain.Delivered, domain.Failed, domain.Gone, domain.Refused} {
		attempts.WithLabelValues(string(o))
	}
	if reg != nil {
		if err := errors.Join(reg.Register(attempts), reg.Register(took)); err != nil {
			return fmt.Errorf("register webhooks metrics: %w", err)
		}
	}
	d.ObserveAttempts(func(o domain.Outcome, dur time.Duration) {
		attempts.WithLabelValues(string(o)).Inc()
		took.Observe(dur.Seconds())
	})
	return nil
}
