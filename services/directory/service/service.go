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
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/readmodel"
	"github.com/resellerapi/platform/services/directory/internal/adapters"
	"github.com/resellerapi/platform/services/directory/internal/app"
	"github.com/resellerapi/platform/services/directory/internal/ports"
)

// Config configures the directory service.
type Config struct {
	NATSURL  string
	MongoURI string
	// Database is the MongoDB database the read models live in.
	Database string
}

// ConfigFromEnv reads NATS_URL, MONGODB_URI and MONGODB_DATABASE.
func ConfigFromEnv(env *config.Reader) Config {
	return Config{
		NATSURL:  env.String("NATS_URL", "nats://127.0.0.1:4222"),
		MongoURI: env.Required("MONGODB_URI"),
		Database: env.String("MONGODB_DATABASE", readmodel.DirectoryDatabase),
	}
}

// Service is a started directory service.
type Service struct {
	mongo *mongo.Client
	bus   *eventbus.Bus
}

// New connects to MongoDB and NATS, prepares indexes and streams, and
// registers the event handlers. Run starts consuming.
func New(ctx context.Context, cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Service, error) {
	client, err := mongodb.Connect(ctx, cfg.MongoURI)
	if err != nil {
		return nil, err
	}
	s := &Service{mongo: client}
	db := client.Database(cfg.Database)
	accounts := adapters.NewAccountRepository(db)
	resellers := adapters.NewResellerRepository(db)
	if err := errors.Join(accounts.EnsureIndexes(ctx), resellers.EnsureIndexes(ctx)); err != nil {
		_ = s.Close()
		return nil, err
	}

	s.bus, err = eventbus.Connect(eventbus.Config{NATSURL: cfg.NATSURL, Service: "directory", Logger: log, Registerer: reg})
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	if err := s.bus.EnsureStreams(subjects.Streams()...); err != nil {
		_ = s.Close()
		return nil, err
	}
	if err := ports.Register(s.bus, app.New(accounts, resellers, log)); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("register handlers: %w", err)
	}
	return s, nil
}

// Run consumes events until ctx is cancelled.
func (s *Service) Run(ctx context.Context) error { return s.bus.Run(ctx) }

// Running is closed once every consumer is subscribed.
func (s *Service) Running() <-chan struct{} { return s.bus.Running() }

// Checks are the readiness checks: NATS and MongoDB reachable.
func (s *Service) Checks() map[string]httpserver.Check {
	return map[string]httpserver.Check{
		"nats":    s.bus.Ready,
		"mongodb": func(ctx context.Context) error { return s.mongo.Ping(ctx, nil) },
	}
}

// Close stops consuming and disconnects.
func (s *Service) Close() error {
	var err error
	if s.bus != nil {
		err = s.bus.Close()
	}
	return errors.Join(err, s.mongo.Disconnect(context.Background()))
}
