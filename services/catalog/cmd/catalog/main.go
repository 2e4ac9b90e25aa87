// Command catalog runs the catalog service.
//
// Environment: NATS_URL, MONGODB_URI (required), MONGODB_DATABASE
// (default catalog), OPS_ADDR (default :9090, serves /healthz, /readyz,
// /metrics), LOG_LEVEL.
package main

import (
	"context"

	"github.com/resellerapi/platform/pkg/process"
	"github.com/resellerapi/platform/services/catalog/service"
)

func main() {
	process.Main("catalog", func(ctx context.Context, env process.Env) (process.Component, error) {
		cfg := service.ConfigFromEnv(env.Config)
		if err := env.Config.Err(); err != nil {
			return nil, process.ConfigError(err)
		}
		return service.New(ctx, cfg, env.Logger, env.Registry)
	})
}
