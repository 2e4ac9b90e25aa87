// Package api holds the auth service's part of the platform's contract: the
// OpenAPI 3 document of the OAuth 2.0 endpoints and the admin API. The
// edge's documentation page shows it; tests validate responses against it.
package api

import (
	"bytes"
	_ "embed"
)

//go:embed openapi.yaml
var spec []byte

// OpenAPI returns the OpenAPI 3 document (YAML).
func OpenAPI() []byte { return bytes.Clone(spec) }
