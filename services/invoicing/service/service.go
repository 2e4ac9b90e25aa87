// Package service wires the invoicing service, which will own the invoices the distributor issues to resellers and their payments.
// For now it connects to its database and the event bus, provisions the
// streams and serves its operations endpoints; its projections and their
// event handlers are the work of the invoicing issue.
package service

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/pkg/infra"
)

// Config configures the invoicing service.
type Config = infra.Config

// ConfigFromEnv reads NATS_URL, MONGODB_URI and MONGODB_DATABASE
// (default invoicing).
func ConfigFromEnv(env *config.Reader) Config { return infra.ConfigFromEnv(env, "invoicing") }

// Service is a started invoicing service.
type Service struct {
	*infra.Infra
}

// New connects the service to MongoDB and NATS.
func New(ctx context.Context, cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Service, error) {
	in, err := infra.Open(ctx, "invoicing", cfg, log, reg)
	if err != nil {
		return nil, err
	}
	return &Service{Infra: in}, nil
}
