package ports

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"

	"github.com/resellerapi/platform/pkg/httpserver"
)

// DocsTitle names the resellers' API in Swagger UI's definition selector;
// the seed's link /apidocs/?urls.primaryName=API%20Version%203%20for%20Resellers
// selects it.
const DocsTitle = "API Version 3 for Resellers"

// AdminDocsTitle names the auth service's document (OAuth and admin API).
const AdminDocsTitle = "Admin API"

// WebhooksDocsTitle names the webhooks service's document, which that
// service serves itself at WebhooksDocPath (under the /api/webhooks
// prefix routed to it).
const (
	WebhooksDocsTitle = "Webhooks"
	WebhooksDocPath   = "/api/webhooks/openapi.yaml"
)

// Doc is one document on the documentation page.
type Doc struct {
	Name string
	// Path is where it is served, e.g. /apidocs/openapi.yaml.
	Path string
	// JSON is the document the edge serves at Path; nil for one another
	// service serves there.
	JSON []byte
}

// Docs builds the documentation page's documents from the services' own
// contracts: the resellers' document is the edge's with the OAuth
// endpoints of auth's (tag OAuth) added, so a reseller's developer finds
// the token request next to the API; the second is auth's whole document.
// Both are served as JSON (which is YAML too).
func Docs(edgeSpec, authSpec []byte) ([]Doc, error) {
	load := func(spec []byte) (*openapi3.T, error) {
		doc, err := openapi3.NewLoader().LoadFromData(spec)
		if err == nil {
			err = doc.Validate(context.Background())
		}
		return doc, err
	}
	edge, err := load(edgeSpec)
	if err != nil {
		return nil, fmt.Errorf("edge document: %w", err)
	}
	auth, err := load(authSpec)
	if err != nil {
		return nil, fmt.Errorf("auth document: %w", err)
	}
	for path, item := range auth.Paths.Map() {
		for _, op := range item.Operations() {
			if slices.Contains(op.Tags, "OAuth") {
				edge.Paths.Set(path, item)
				break
			}
		}
	}
	for name, s := range auth.Components.Schemas {
		if _, taken := edge.Components.Schemas[name]; !taken {
			edge.Components.Schemas[name] = s
		}
	}
	if edge.Components.Responses == nil {
		edge.Components.Responses = openapi3.ResponseBodies{}
	}
	for name, r := range auth.Components.Responses {
		if _, taken := edge.Components.Responses[name]; !taken {
			edge.Components.Responses[name] = r
		}
	}
	for name, s := range auth.Components.SecuritySchemes {
		if _, taken := edge.Components.SecuritySchemes[name]; !taken {
			edge.Components.SecuritySchemes[name] = s
		}
	}
	edge.Tags = append(openapi3.Tags{{Name: "OAuth", Description: "OAuth 2.0: obtain, revoke and introspect the tokens the /api routes take."}}, edge.Tags...)
	if err := edge.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the resellers' document with auth's OAuth endpoints: %w", err)
	}
	resellers, err := json.MarshalIndent(edge, "", "  ")
	if err != nil {
		return nil, err
	}
	admin, err := json.MarshalIndent(auth, "", "  ")
	if err != nil {
		return nil, err
	}
	return []Doc{
		{Name: DocsTitle, Path: "/apidocs/openapi.yaml", JSON: resellers},
		{Name: AdminDocsTitle, Path: "/apidocs/admin.yaml", JSON: admin},
		{Name: WebhooksDocsTitle, Path: WebhooksDocPath},
	}, nil
}

// RegisterDocs serves each document at its path and Swagger UI (embedded,
// no CDN) at /apidocs/, listing the documents with the first selected.
func RegisterDocs(r gin.IRouter, docs []Doc) {
	urls := make([]string, len(docs))
	for i, d := range docs {
		urls[i] = fmt.Sprintf(`{url: %q, name: %q}`, d.Path, d.Name)
	}
	ui := v5emb.NewHandlerWithConfig(swgui.Config{
		Title:       "Reseller API",
		SwaggerJSON: docs[0].Path,
		BasePath:    "/apidocs/",
		ShowTopBar:  true,
		SettingsUI:  map[string]string{"urls": "[" + strings.Join(urls, ", ") + "]"},
	})
	r.GET("/apidocs/*asset", func(c *gin.Context) {
		httpserver.DocumentHeaders(c.Writer.Header())
		for _, d := range docs {
			if d.JSON != nil && "/apidocs"+c.Param("asset") == d.Path {
				c.Header("Cache-Control", "public, max-age=300")
				c.Data(http.StatusOK, "application/yaml", d.JSON)
				return
			}
		}
		ui.ServeHTTP(c.Writer, c.Request)
	})
}
