// Package app holds the auth service's use cases for its ports: one
// package per capability (credentials, users, oauth, managers,
// signingkeys, storefront), each constructed with only what it uses, and
// the resellers auth learns from the directory's events.
package app

import (
	"context"

	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/services/auth/internal/credentials"
	"github.com/resellerapi/platform/services/auth/internal/domain"
	"github.com/resellerapi/platform/services/auth/internal/managers"
	"github.com/resellerapi/platform/services/auth/internal/oauth"
	"github.com/resellerapi/platform/services/auth/internal/signingkeys"
	"github.com/resellerapi/platform/services/auth/internal/storefront"
	"github.com/resellerapi/platform/services/auth/internal/users"
)

// Resellers stores the resellers auth knows of, learnt from the
// directory's events; there is no rule beyond the store's "the newer
// version wins".
type Resellers interface {
	Save(ctx context.Context, r domain.Reseller) (applied bool, err error)
	Get(ctx context.Context, id string) (domain.Reseller, error)
	// Names returns the names of the given resellers by id.
	Names(ctx context.Context, ids []string) (map[string]string, error)
	// List returns one page of the resellers, ordered by name.
	List(ctx context.Context, page paging.Request) ([]domain.Reseller, int64, error)
}

// Application is the auth service's use cases, by capability.
type Application struct {
	// Credentials: the Reseller API's activation and every reseller's
	// client key and secret; Clients finds the client a request names;
	// ServiceClients: the resellers' clients for client_credentials.
	Credentials    *credentials.Handlers
	Clients        *credentials.Clients
	ServiceClients *credentials.ServiceClients
	// Users: the Application Users; Login checks their passwords for the
	// password grant; Tokens: client authentication, revocation and
	// introspection.
	Users  *users.Handlers
	Login  oauth.Authenticator
	Tokens *oauth.Tokens
	// Grants decide what an accepted token request is granted.
	Grants *oauth.Grants
	// Managers and their API tokens, the token signing keys, the
	// storefront keys.
	Managers       *managers.Handlers
	SigningKeys    *signingkeys.Handlers
	StorefrontKeys *storefront.Handlers
	Resellers      Resellers
}
