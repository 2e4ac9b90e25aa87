// Package api holds the platform's public contract: the OpenAPI 3 document
// of the Reseller API (v3), the OAuth endpoints and the admin API. The edge
// serves it at /apidocs/openapi.yaml; tests validate responses against it.
package api

import (
	"bytes"
	_ "embed"
)

//go:embed openapi.yaml
var spec []byte

// OpenAPI returns the OpenAPI 3 document (YAML).
func OpenAPI() []byte { return bytes.Clone(spec) }
