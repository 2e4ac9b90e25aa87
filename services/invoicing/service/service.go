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
type Config struct {
	NATSURL  string
	MongoURI string
	Database string
}

// ConfigFromEnv reads NATS_URL, MONGODB_URI and MONGODB_DATABASE (invoicing).
func ConfigFromEnv(env *config.Reader) Config {
	return Config{
		NATSURL:  env.String("NATS_URL", "nats://127.0.0.1:4222"),
		MongoURI: env.Required("MONGODB_URI"),
		Database: env.String("MONGODB_DATABASE", "invoicing"),
	}
}

// Service is a started invoicing service.
type Service struct {
	*infra.Infra
}

// New connects the service to MongoDB and NATS.
func New(ctx context.Context, cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Service, error) {
	in, err := infra.Open(ctx, infra.Config{Service: "invoicing", NATSURL: cfg.NATSURL, MongoURI: cfg.MongoURI, Database: cfg.Database}, log, reg)
	if err != nil {
		return nil, err
	}
	return &Service{Infra: in}, nil
}
