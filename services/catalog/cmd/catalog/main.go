// Command catalog runs the catalog service.
//
// Environment: NATS_URL, MONGODB_URI (required), MONGODB_DATABASE
// (default catalog), OPS_ADDR (default :9090, serves /healthz, /readyz,
// /metrics), LOG_LEVEL.
package main

import (
	"github.com/resellerapi/platform/pkg/process"
	"github.com/resellerapi/platform/services/catalog/service"
)

func main() { process.Main("catalog", service.ConfigFromEnv, service.New) }
