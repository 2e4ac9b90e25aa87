package ports

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"
)

// DocsTitle names the API in Swagger UI's definition selector; the seed's
// link /apidocs/?urls.primaryName=API%20Version%203%20for%20Resellers
// selects it.
const DocsTitle = "API Version 3 for Resellers"

// RegisterDocs serves the OpenAPI document at /apidocs/openapi.yaml and
// Swagger UI (embedded, no CDN) at /apidocs/.
func RegisterDocs(r gin.IRouter, spec []byte) {
	ui := v5emb.NewHandlerWithConfig(swgui.Config{
		Title:       "Reseller API",
		SwaggerJSON: "/apidocs/openapi.yaml",
		BasePath:    "/apidocs/",
		ShowTopBar:  true,
		SettingsUI: map[string]string{
			"urls": `[{url: url, name: "` + DocsTitle + `"}]`,
		},
	})
	r.GET("/apidocs/*asset", func(c *gin.Context) {
		if c.Param("asset") == "/openapi.yaml" {
			c.Header("Cache-Control", "public, max-age=300")
			c.Data(http.StatusOK, "application/yaml", spec)
			return
		}
		ui.ServeHTTP(c.Writer, c.Request)
	})
}
