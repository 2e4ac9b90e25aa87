// Command edge serves the public Reseller API (/api/*) and its
// documentation (/apidocs/) from the read models, verifying access tokens
// locally with the auth service's JWKS.
//
// Environment: see service.ConfigFromEnv, plus HTTP_ADDR (default :8080),
// OPS_ADDR (default :9090) and LOG_LEVEL.
package main

import (
	"context"

	"github.com/resellerapi/platform/pkg/process"
	"github.com/resellerapi/platform/services/edge/service"
)

func main() {
	process.Main("edge", func(ctx context.Context, env process.Env) (process.Component, error) {
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
