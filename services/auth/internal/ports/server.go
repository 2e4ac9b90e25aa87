package ports

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/contract"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/problem"
)

// Server is the auth service's HTTP API: it implements the interface
// generated from api/openapi.yaml (openapi.gen.go, `make api`) with the
// OAuth endpoints and the admin API.
type Server struct {
	*OAuth
	*Admin
	contract *contract.Document
}

var _ ServerInterface = (*Server)(nil)

// NewServer returns the API over its two halves and the document.
func NewServer(oauth *OAuth, admin *Admin, doc *contract.Document) *Server {
	return &Server{OAuth: oauth, Admin: admin, contract: doc}
}

// Register mounts every route of the document on r.
func (s *Server) Register(r gin.IRouter) { s.register(r, routesAll) }

// RegisterPublic mounts the OAuth endpoints only (the admin API answers
// 404 there), RegisterAdmin the admin API only: for an admin API served
// on a listener of its own, off the public port.
func (s *Server) RegisterPublic(r gin.IRouter) { s.register(r, routesPublic) }

// RegisterAdmin: see RegisterPublic.
func (s *Server) RegisterAdmin(r gin.IRouter) { s.register(r, routesAdmin) }

type routes int

const (
	routesAll routes = iota
	routesPublic
	routesAdmin
)

func (s *Server) register(r gin.IRouter, which routes) {
	only := func(c *gin.Context) {
		op, ok := s.contract.Operation(c)
		admin := ok && op.Requires(adminScheme)
		if (which == routesPublic && admin) || (which == routesAdmin && !admin) {
			httpserver.Fail(c, problem.New(http.StatusNotFound, problem.TypeNotFound, "No such route on this listener."))
			return
		}
		c.Next()
	}
	RegisterHandlersWithOptions(r.Group("", only, s.guard), s, GinServerOptions{ErrorHandler: httpserver.BadParameter})
}

// adminScheme is the security scheme of the admin API in the document.
const adminScheme = "adminToken"

// guard applies what the document says of a route before its handler:
// admin operations need the admin credential, are validated against the
// document (problem documents for what does not conform) and are never
// cached. The OAuth endpoints answer errors in RFC 6749 form, which fosite
// writes, so the document describes them without the middleware checking.
func (s *Server) guard(c *gin.Context) {
	op, ok := s.contract.Operation(c)
	if ok && !op.Requires(adminScheme) && c.Request.Method == http.MethodGet {
		// The public documents (JWKS, metadata) take no parameters: a
		// misspelt one is said, not ignored.
		if inv := op.Check(c); inv != nil {
			httpserver.Fail(c, inv.Problem())
			return
		}
	}
	if !ok || !op.Requires(adminScheme) {
		c.Next()
		return
	}
	c.Header("Cache-Control", "no-store")
	// Bounded before anything reads it, the validator included.
	ok, err := httpserver.ReadBody(c, maxAdminBody)
	switch {
	case !ok:
		httpserver.Fail(c, httpserver.BodyTooLarge(maxAdminBody))
		return
	case err != nil:
		httpserver.Fail(c, problem.New(http.StatusBadRequest, problem.TypeInvalidBody, "The request body could not be read."))
		return
	}
	if !s.authenticated(c) {
		return
	}
	if inv := op.Check(c); inv != nil {
		httpserver.Fail(c, inv.Problem())
		return
	}
	c.Next()
}
