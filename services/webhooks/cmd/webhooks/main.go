// Command webhooks runs the webhooks service.
//
// Environment: NATS_URL, MONGODB_URI (required), MONGODB_DATABASE
// (default webhooks), WEBHOOKS_SECRETS_KEY (required: base64 of 32 random
// bytes), WEBHOOKS_ALLOW_PRIVATE_TARGETS (default false), WEBHOOKS_WORKERS,
// WEBHOOKS_PER_ENDPOINT, DIRECTORY_DATABASE, INVOICING_DATABASE, OPS_ADDR
// (default :9090, serves /healthz, /readyz, /metrics), LOG_LEVEL.
package main

import (
	"github.com/resellerapi/platform/pkg/process"
	"github.com/resellerapi/platform/services/webhooks/service"
)

func main() { process.Main("webhooks", service.ConfigFromEnv, service.New) }
