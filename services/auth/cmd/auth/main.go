// Command auth is the platform's OAuth 2.0 authorization server (fosite
// over MongoDB) and the admin API for Reseller API credentials and
// Application Users.
//
// Environment: see service.ConfigFromEnv, plus HTTP_ADDR (default :8080)
// for the API, OPS_ADDR (default :9090) for /healthz, /readyz and
// /metrics, and LOG_LEVEL.
package main

import (
	"context"

	"github.com/resellerapi/platform/pkg/process"
	"github.com/resellerapi/platform/services/auth/service"
)

func main() {
	process.Main("auth", func(ctx context.Context, env process.Env) (process.Component, error) {
		cfg := service.ConfigFromEnv(env.Config)
		addr := env.Config.String("HTTP_ADDR", ":8080")
		if err := env.Config.Err(); err != nil {
			return nil, process.ConfigError(err)
		}
		svc, err := service.New(ctx, cfg, env.Logger, env.Registry)
		if err != nil {
			return nil, err
		}
		handler, err := svc.Handler()
		if err != nil {
			_ = svc.Close()
			return nil, err
		}
		return process.WithHTTP(svc, addr, handler, env.Logger), nil
	})
}
