// Package service wires the catalog service, which owns products and the
// resellers' price lists: MongoDB repository, the event bus and its
// handlers. cmd/catalog runs it as its own process; the all-in-one binary
// runs it beside the other services.
package service

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/services/catalog/internal/adapters"
	"github.com/resellerapi/platform/services/catalog/internal/app"
	"github.com/resellerapi/platform/services/catalog/internal/ports"
)

// Config configures the catalog service.
type Config = infra.Config

// ConfigFromEnv reads NATS_URL, MONGODB_URI and MONGODB_DATABASE
// (default catalog).
func ConfigFromEnv(env *config.Reader) Config {
	return infra.ConfigFromEnv(env, catalog.CatalogDatabase)
}

// Service is a started catalog service.
type Service struct {
	*infra.Infra
}

// New connects to MongoDB and NATS, prepares indexes and streams, and
// registers the event handlers. Run starts consuming.
func New(ctx context.Context, cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Service, error) {
	in, err := infra.Open(ctx, "catalog", cfg, log, reg)
	if err != nil {
		return nil, err
	}
	repo := adapters.NewRepository(in.DB)
	if err := repo.EnsureIndexes(ctx); err != nil {
		_ = in.Close()
		return nil, err
	}
	if err := ports.Register(in.Bus, app.New(repo, log)); err != nil {
		_ = in.Close()
		return nil, fmt.Errorf("register handlers: %w", err)
	}
	return &Service{Infra: in}, nil
}
