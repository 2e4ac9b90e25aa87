// Package service wires the directory service: MongoDB repositories, the
// event bus and its handlers. cmd/directory runs it as its own process;
// the all-in-one binary runs it beside the other services.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/services/directory/internal/adapters"
	"github.com/resellerapi/platform/services/directory/internal/app"
	"github.com/resellerapi/platform/services/directory/internal/ports"
)

// Config configures the directory service: where NATS and MongoDB are,
// and the database the read models live in.
type Config = infra.Config

// ConfigFromEnv reads NATS_URL, MONGODB_URI and MONGODB_DATABASE
// (default directory).
func ConfigFromEnv(env *config.Reader) Config {
	return infra.ConfigFromEnv(env, directory.DirectoryDatabase)
}

// Service is a started directory service.
type Service struct {
	*infra.Infra
}

// New connects to MongoDB and NATS, prepares indexes and streams, and
// registers the event handlers. Run starts consuming.
func New(ctx context.Context, cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Service, error) {
	in, err := infra.Open(ctx, "directory", cfg, log, reg)
	if err != nil {
		return nil, err
	}
	accounts := adapters.NewAccountRepository(in.DB)
	resellers := adapters.NewResellerRepository(in.DB)
	if err := errors.Join(accounts.EnsureIndexes(ctx), resellers.EnsureIndexes(ctx)); err != nil {
		_ = in.Close()
		return nil, err
	}
	if err := ports.Register(in.Bus, app.New(accounts, resellers, log)); err != nil {
		_ = in.Close()
		return nil, fmt.Errorf("register handlers: %w", err)
	}
	return &Service{Infra: in}, nil
}
