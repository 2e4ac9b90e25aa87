// Command invoicing runs the invoicing service.
//
// Environment: NATS_URL, MONGODB_URI (required), MONGODB_DATABASE
// (default invoicing), OPS_ADDR (default :9090, serves /healthz, /readyz,
// /metrics), LOG_LEVEL.
package main

import (
	"github.com/resellerapi/platform/pkg/process"
	"github.com/resellerapi/platform/services/invoicing/service"
)

func main() { process.Main("invoicing", service.ConfigFromEnv, service.New) }
