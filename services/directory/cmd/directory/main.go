// Command directory projects the back-office's reseller and account events
// into the directory's MongoDB read models.
//
// Environment: NATS_URL, MONGODB_URI (required), MONGODB_DATABASE
// (default directory), OPS_ADDR (default :9090, serves /healthz, /readyz,
// /metrics), LOG_LEVEL.
package main

import (
	"github.com/resellerapi/platform/pkg/process"
	"github.com/resellerapi/platform/services/directory/service"
)

func main() { process.Main("directory", service.ConfigFromEnv, service.New) }
