// Package infra connects a service to the platform's infrastructure: its
// MongoDB database and the event bus with the platform's streams. Every
// event-consuming service embeds an *Infra and gets readiness checks, Run
// and Close from it.
package infra

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
)

// Config says where the infrastructure is.
type Config struct {
	NATSURL  string
	MongoURI string
	// Database is the service's own MongoDB database.
	Database string
	// StreamReplicas is how many JetStream servers keep each stream (see
	// eventbus.Config.StreamReplicas; 0 leaves existing streams as they are).
	StreamReplicas int
	// ConsumerGroup names the durable consumers (default: the service's
	// name); see eventbus.Config.ConsumerGroup.
	ConsumerGroup string
	// NATSTLS configures TLS to NATS (NATSTLSFromEnv).
	NATSTLS eventbus.TLS
	// Signer signs the events the service publishes (eventbus.Config.Signer).
	Signer eventbus.Signer
}

// NATSTLSFromEnv reads NATS_TLS_CA_FILE, NATS_TLS_CERT_FILE and
// NATS_TLS_KEY_FILE (PEM files; used with tls:// URLs in NATS_URL).
func NATSTLSFromEnv(env *config.Reader) eventbus.TLS {
	return eventbus.TLSFromEnv(func(name string) string { return env.String(name, "") })
}

// ConfigFromEnv reads NATS_URL (default nats://127.0.0.1:4222),
// MONGODB_URI (required), MONGODB_DATABASE (default defaultDatabase) and
// NATS_STREAM_REPLICAS (0: streams created with 1, existing ones left as
// they are; 1 to 5) and CONSUMER_GROUP (default: the service's name).
func ConfigFromEnv(env *config.Reader, defaultDatabase string) Config {
	cfg := Config{
		NATSURL:        env.String("NATS_URL", "nats://127.0.0.1:4222"),
		MongoURI:       env.Required("MONGODB_URI"),
		Database:       env.String("MONGODB_DATABASE", defaultDatabase),
		StreamReplicas: env.Int("NATS_STREAM_REPLICAS", 0),
		ConsumerGroup:  env.String("CONSUMER_GROUP", ""),
		NATSTLS:        NATSTLSFromEnv(env),
	}
	if cfg.StreamReplicas < 0 || cfg.StreamReplicas > 5 {
		env.Check(fmt.Errorf("NATS_STREAM_REPLICAS=%d must be from 1 to 5 (or unset)", cfg.StreamReplicas))
	}
	return cfg
}

// Infra is a service's connections.
type Infra struct {
	// DB is the service's own database.
	DB  *mongo.Database
	Bus *eventbus.Bus

	client *mongo.Client
}

// Open connects service to MongoDB and NATS and makes sure the platform's
// streams exist. The service name names its durable consumers and its
// dead-letter subject. Add handlers to Bus, then call Run.
func Open(ctx context.Context, service string, cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Infra, error) {
	client, err := mongodb.Connect(ctx, cfg.MongoURI)
	if err != nil {
		return nil, err
	}
	in := &Infra{DB: client.Database(cfg.Database), client: client}
	in.Bus, err = eventbus.Connect(eventbus.Config{NATSURL: cfg.NATSURL, Service: service, Logger: log, Registerer: reg,
		StreamReplicas: cfg.StreamReplicas, ConsumerGroup: cfg.ConsumerGroup, TLS: cfg.NATSTLS,
		DeadLetterSubject: subjects.DeadLetter(service), Signer: cfg.Signer})
	if err != nil {
		_ = in.Close()
		return nil, err
	}
	if err := in.Bus.EnsureStreams(Streams()...); err != nil {
		_ = in.Close()
		return nil, err
	}
	return in, nil
}

// Streams are the platform's streams (proto-events/subjects) as the bus
// takes them.
func Streams() []eventbus.Stream {
	var out []eventbus.Stream
	for _, s := range subjects.Streams() {
		out = append(out, eventbus.Stream(s))
	}
	return out
}

// Database returns another database on the same MongoDB connection (the
// edge reads several services' read models).
func (in *Infra) Database(name string) *mongo.Database { return in.client.Database(name) }

// Run consumes events until ctx is cancelled.
func (in *Infra) Run(ctx context.Context) error { return in.Bus.Run(ctx) }

// Running is closed once every consumer is subscribed.
func (in *Infra) Running() <-chan struct{} { return in.Bus.Running() }

// Checks are the readiness checks: NATS and MongoDB reachable.
func (in *Infra) Checks() map[string]httpserver.Check {
	return map[string]httpserver.Check{
		"nats":    in.Bus.Ready,
		"mongodb": func(ctx context.Context) error { return in.client.Ping(ctx, nil) },
	}
}

// Close stops consuming, waiting for events in flight, and disconnects.
func (in *Infra) Close() error {
	var err error
	if in.Bus != nil {
		err = in.Bus.Close()
	}
	return errors.Join(err, in.client.Disconnect(context.Background()))
}
