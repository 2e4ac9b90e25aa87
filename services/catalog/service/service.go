// Package service wires the catalog service, which will own products and the resellers' price lists.
// For now it connects to its database and the event bus, provisions the
// streams and serves its operations endpoints; its projections and their
// event handlers are the work of the catalog issue.
package service

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/pkg/infra"
)

// Config configures the catalog service.
type Config = infra.Config

// ConfigFromEnv reads NATS_URL, MONGODB_URI and MONGODB_DATABASE
// (default catalog).
func ConfigFromEnv(env *config.Reader) Config { return infra.ConfigFromEnv(env, "catalog") }

// Service is a started catalog service.
type Service struct {
	*infra.Infra
}

// New connects the service to MongoDB and NATS.
func New(ctx context.Context, cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Service, error) {
	in, err := infra.Open(ctx, "catalog", cfg, log, reg)
	if err != nil {
		return nil, err
	}
	return &Service{Infra: in}, nil
}
