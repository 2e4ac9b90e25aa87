// Command edge serves the public Reseller API (/api/*) and its
// documentation (/apidocs/) from the read models, verifying access tokens
// locally with the auth service's JWKS.
//
// Environment: see service.ConfigFromEnv, plus HTTP_ADDR (default :8080),
// OPS_ADDR (default :9090) and LOG_LEVEL.
package main

import (
	"github.com/resellerapi/platform/pkg/process"
	"github.com/resellerapi/platform/services/edge/service"
)

func main() { process.MainHTTP("edge", service.ConfigFromEnv, service.New) }
