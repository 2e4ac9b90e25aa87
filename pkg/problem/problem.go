// Package problem writes RFC 9457 problem documents
// (application/problem+json). Every error the platform's HTTP APIs return
// is one, with a stable type URI that clients may switch on.
package problem

import (
	"encoding/json"
	"net/http"
)

// ContentType is the media type of a problem document.
const ContentType = "application/problem+json"

// Stable problem types. Clients may rely on these URIs.
const (
	TypeInvalidParameter   = "urn:resellerapi:problem:invalid-parameter"
	TypeInvalidBody        = "urn:resellerapi:problem:invalid-body"
	TypeBodyTooLarge       = "urn:resellerapi:problem:body-too-large"
	TypeUnauthorized       = "urn:resellerapi:problem:unauthorized"
	TypeForbidden          = "urn:resellerapi:problem:forbidden"
	TypeNotFound           = "urn:resellerapi:problem:not-found"
	TypeConflict           = "urn:resellerapi:problem:conflict"
	TypeUnsupportedVer     = "urn:resellerapi:problem:unsupported-api-version"
	TypeMethodNotAllowed   = "urn:resellerapi:problem:method-not-allowed"
	TypeInternal           = "urn:resellerapi:problem:internal"
	TypeServiceUnavailable = "urn:resellerapi:problem:service-unavailable"
)

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Instance is the request path the problem occurred on.
	Instance string `json:"instance,omitempty"`
	// CorrelationID lets support find the request's log lines.
	CorrelationID string `json:"correlationId,omitempty"`
}

// New returns a problem of type typ and HTTP status with a detail message;
// the title is the status text.
func New(status int, typ, detail string) Problem {
	return Problem{Type: typ, Title: http.StatusText(status), Status: status, Detail: detail}
}

// Write writes p as the response.
func Write(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
