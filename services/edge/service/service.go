// Package service wires the edge: the read-only MongoDB readers, local
// token verification over the auth service's JWKS, the public API routes
// and the API documentation. cmd/edge runs it as its own process; the
// all-in-one binary mounts its routes beside auth's.
package service

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/readmodel"
	"github.com/resellerapi/platform/services/edge/api"
	"github.com/resellerapi/platform/services/edge/internal/adapters"
	"github.com/resellerapi/platform/services/edge/internal/app"
	"github.com/resellerapi/platform/services/edge/internal/ports"
)

// Config configures the edge.
type Config struct {
	// MongoURI should name a user with a read-only role.
	MongoURI          string
	DirectoryDatabase string
	// Issuer is the "iss" tokens must carry (the platform's public URL).
	Issuer string
	// JWKSURL is where auth publishes the verification keys.
	JWKSURL string
}

// ConfigFromEnv reads MONGODB_URI, DIRECTORY_DATABASE (directory),
// ISSUER_URL and AUTH_JWKS_URL (ISSUER_URL + /.well-known/jwks.json).
func ConfigFromEnv(env *config.Reader) Config {
	cfg := Config{
		MongoURI:          env.Required("MONGODB_URI"),
		DirectoryDatabase: env.String("DIRECTORY_DATABASE", readmodel.DirectoryDatabase),
		Issuer:            strings.TrimRight(env.Required("ISSUER_URL"), "/"),
	}
	cfg.JWKSURL = env.String("AUTH_JWKS_URL", cfg.Issuer+"/.well-known/jwks.json")
	return cfg
}

// Service is a started edge.
type Service struct {
	mongo *mongo.Client
	http  *ports.HTTP
}

// New connects to MongoDB and prepares the routes.
func New(ctx context.Context, cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Service, error) {
	client, err := mongodb.Connect(ctx, cfg.MongoURI)
	if err != nil {
		return nil, err
	}
	verifier := accesstoken.NewVerifier(accesstoken.NewRemoteKeySet(cfg.JWKSURL, nil), strings.TrimRight(cfg.Issuer, "/"), 30*time.Second)
	application := app.New(adapters.NewAccountReader(client.Database(cfg.DirectoryDatabase)))
	return &Service{mongo: client, http: ports.NewHTTP(application, verifier, log)}, nil
}

// Register mounts the public API and the documentation on r.
func (s *Service) Register(r gin.IRouter) {
	s.http.Register(r)
	ports.RegisterDocs(r, api.OpenAPI())
}

// Run has nothing to consume: the edge only serves HTTP. It returns when
// ctx is cancelled.
func (s *Service) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// Checks are the readiness checks: MongoDB reachable.
func (s *Service) Checks() map[string]httpserver.Check {
	return map[string]httpserver.Check{
		"mongodb": func(ctx context.Context) error { return s.mongo.Ping(ctx, nil) },
	}
}

// Close disconnects.
func (s *Service) Close() error { return s.mongo.Disconnect(context.Background()) }
