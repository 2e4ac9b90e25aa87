// Package api holds the webhooks service's contract: the OpenAPI 3
// document of the subscriptions API and of the deliveries it makes (the
// callbacks of createWebhook). Its HTTP layer is generated from it.
package api

import (
	"bytes"
	_ "embed"
)

//go:embed openapi.yaml
var spec []byte

// OpenAPI returns the OpenAPI 3 document (YAML).
func OpenAPI() []byte { return bytes.Clone(spec) }
