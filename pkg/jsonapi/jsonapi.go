// Package jsonapi writes JSON:API 1.1 error documents
// (application/vnd.api+json), the error style of the /api/v3 routes.
package jsonapi

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/logging"
	"github.com/resellerapi/platform/pkg/problem"
)

// ContentType is the JSON:API media type.
const ContentType = "application/vnd.api+json"

// Error is a JSON:API error object.
type Error struct {
	Status string            `json:"status"`
	Code   string            `json:"code"`
	Title  string            `json:"title"`
	Detail string            `json:"detail,omitempty"`
	Meta   map[string]string `json:"meta,omitempty"`
}

// Document is a JSON:API document carrying errors.
type Document struct {
	Errors []Error `json:"errors"`
}

// Errors renders p as a JSON:API error document; it is an
// httpserver.Renderer. The problem type's last part is the error code
// ("urn:resellerapi:problem:not-found" -> "not-found").
func Errors(c *gin.Context, p problem.Problem) {
	e := Error{
		Status: strconv.Itoa(p.Status),
		Code:   p.Type[strings.LastIndexByte(p.Type, ':')+1:],
		Title:  p.Title, Detail: p.Detail,
	}
	if id := logging.CorrelationID(c.Request.Context()); id != "" {
		e.Meta = map[string]string{"correlationId": id}
	}
	c.Header("Content-Type", ContentType)
	c.Header("Cache-Control", "no-store")
	c.Status(p.Status)
	_ = json.NewEncoder(c.Writer).Encode(Document{Errors: []Error{e}})
}
