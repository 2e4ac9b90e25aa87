// Command webhooks runs the webhooks service: it delivers the resellers'
// webhooks and serves their subscriptions API (/api/webhooks).
//
// Environment: NATS_URL, MONGODB_URI (required), MONGODB_DATABASE
// (default webhooks), WEBHOOKS_SECRETS_KEY (required: base64 of 32 random
// bytes), WEBHOOKS_ALLOW_PRIVATE_TARGETS (default false), WEBHOOKS_WORKERS,
// WEBHOOKS_PER_ENDPOINT, DIRECTORY_DATABASE, INVOICING_DATABASE,
// CATALOG_DATABASE,
// ISSUER_URL and AUTH_EVENT_KEY_FILES (required, as the edge's),
// AUTH_JWKS_URL, HTTP_ADDR (default :8080, the API), OPS_ADDR (default
// :9090, serves /healthz, /readyz, /metrics), LOG_LEVEL.
package main

import (
	"github.com/resellerapi/platform/pkg/process"
	"github.com/resellerapi/platform/services/webhooks/service"
)

func main() { process.MainHTTP("webhooks", service.ConfigFromEnv, service.New) }
