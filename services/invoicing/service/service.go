// Package service wires the invoicing service, which projects the invoices
// the distributor issues to resellers and their payments: MongoDB
// repository, the batching projector, the event bus and its handlers.
// cmd/invoicing runs it as its own process; the all-in-one binary runs it
// beside the other services.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
	"github.com/resellerapi/platform/services/invoicing/internal/adapters"
	"github.com/resellerapi/platform/services/invoicing/internal/app"
	"github.com/resellerapi/platform/services/invoicing/internal/ports"
)

// Config configures the invoicing service.
type Config struct {
	infra.Config
	// BatchSize is the most events one bulk write takes (default 256);
	// it is also how many messages each handler has in flight.
	BatchSize int
}

// ConfigFromEnv reads NATS_URL, MONGODB_URI, MONGODB_DATABASE (default
// invoicing) and INVOICING_BATCH_SIZE (default 256, 1 to 10000).
func ConfigFromEnv(env *config.Reader) Config {
	cfg := Config{
		Config:    infra.ConfigFromEnv(env, invoicing.InvoicingDatabase),
		BatchSize: env.Int("INVOICING_BATCH_SIZE", 256),
	}
	if cfg.BatchSize < 1 || cfg.BatchSize > 10_000 {
		env.Check(fmt.Errorf("INVOICING_BATCH_SIZE=%d must be from 1 to 10000", cfg.BatchSize))
	}
	return cfg
}

// Service is a started invoicing service.
type Service struct {
	*infra.Infra
	stop context.CancelFunc
	done chan struct{}
}

// New connects to MongoDB and NATS, prepares indexes and streams, starts
// the projector's batch loop and registers the event handlers. Run starts
// consuming.
func New(ctx context.Context, cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Service, error) {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 256
	}
	in, err := infra.Open(ctx, "invoicing", cfg.Config, log, reg)
	if err != nil {
		return nil, err
	}
	repo := adapters.NewRepository(in.DB)
	if err := repo.EnsureIndexes(ctx); err != nil {
		_ = in.Close()
		return nil, err
	}
	projector := app.NewProjector(repo, log, cfg.BatchSize)
	if err := observeBatches(projector, reg, cfg.BatchSize); err != nil {
		_ = in.Close()
		return nil, err
	}
	if err := ports.Register(in.Bus, projector, cfg.BatchSize); err != nil {
		_ = in.Close()
		return nil, fmt.Errorf("register handlers: %w", err)
	}
	loop, stop := context.WithCancel(context.Background())
	s := &Service{Infra: in, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		projector.Run(loop)
	}()
	return s, nil
}

// Close stops consuming, waiting for the events in flight (their batches
// are written), then stops the projector and disconnects.
func (s *Service) Close() error {
	err := s.Infra.Close()
	s.stop()
	<-s.done
	return err
}

// observeBatches exports the projector's batch sizes and write times.
func observeBatches(p *app.Projector, reg prometheus.Registerer, maxBatch int) error {
	sizes := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "invoicing_batch_events", Help: "Events per batch the invoicing projector wrote.",
		Buckets: prometheus.ExponentialBucketsRange(1, float64(max(maxBatch, 2)), 9),
	})
	took := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "invoicing_batch_seconds", Help: "Time to write one batch of the invoicing projector.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 10),
	})
	if reg != nil {
		if err := errors.Join(reg.Register(sizes), reg.Register(took)); err != nil {
			return fmt.Errorf("register invoicing metrics: %w", err)
		}
	}
	p.ObserveBatches(func(size int, d time.Duration) {
		sizes.Observe(float64(size))
		took.Observe(d.Seconds())
	})
	return nil
}
