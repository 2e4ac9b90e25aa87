// Command auth is the platform's OAuth 2.0 authorization server (fosite
// over MongoDB) and the admin API for Reseller API credentials and
// Application Users.
//
// Environment: see service.ConfigFromEnv (ADMIN_ADDR puts the admin API on
// a listener of its own), plus HTTP_ADDR (default :8080)
// for the API, OPS_ADDR (default :9090) for /healthz, /readyz and
// /metrics, and LOG_LEVEL.
package main

import (
	"github.com/resellerapi/platform/pkg/process"
	"github.com/resellerapi/platform/services/auth/service"
)

func main() { process.MainHTTP("auth", service.ConfigFromEnv, service.New) }
