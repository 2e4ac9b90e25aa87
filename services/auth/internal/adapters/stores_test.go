package adapters_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/services/auth/internal/adapters"
	"github.com/resellerapi/platform/services/auth/internal/credentials"
	"github.com/resellerapi/platform/services/auth/internal/managers"
	"github.com/resellerapi/platform/services/auth/internal/oauth"
	"github.com/resellerapi/platform/services/auth/internal/storefront"
	"github.com/resellerapi/platform/services/auth/internal/storetest"
	"github.com/resellerapi/platform/services/auth/internal/users"
)

var kit *testkit.Kit

func TestMain(m *testing.M) { testkit.Main(m, &kit) }

// db is an empty database of the test's own on the kit's FerretDB (or
// MongoDB's wire protocol on PostgreSQL with FERRETDB_POSTGRESQL_URL).
func db(t *testing.T) *mongo.Database { return kit.Mongo.Database(kit.DatabaseName(t)) }

// indexed makes the indexes a repository relies on (a unique username,
// ...), as the service does on start.
func indexed[R interface{ EnsureIndexes(context.Context) error }](t *testing.T, r R) R {
	t.Helper()
	if err := r.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

// Every store interface's contract, run against its MongoDB implementation.
func TestMongoStoresKeepTheirContracts(t *testing.T) {
	t.Run("users", func(t *testing.T) {
		storetest.Users(t, func(t *testing.T) users.Repository { return indexed(t, adapters.NewUserRepository(db(t))) })
	})
	t.Run("managers", func(t *testing.T) {
		storetest.Managers(t, func(t *testing.T) managers.Repository { return indexed(t, adapters.NewManagerRepository(db(t))) })
	})
	t.Run("storefront keys", func(t *testing.T) {
		storetest.StorefrontKeys(t, func(t *testing.T) storefront.Repository {
			return indexed(t, adapters.NewStorefrontKeyRepository(db(t)))
		})
	})
	t.Run("service clients", func(t *testing.T) {
		storetest.ServiceClients(t, func(t *testing.T) credentials.ServiceClientRepository {
			return indexed(t, adapters.NewServiceClientRepository(db(t)))
		})
	})
	t.Run("credentials", func(t *testing.T) {
		storetest.Credentials(t, func(t *testing.T) credentials.Repository { return indexed(t, adapters.NewCredentialsRepository(db(t))) })
	})
	t.Run("activations", func(t *testing.T) {
		storetest.Activations(t, func(t *testing.T) credentials.Activations { return adapters.NewActivationRepository(db(t)) })
	})
	t.Run("revocations", func(t *testing.T) {
		storetest.Revocations(t, func(t *testing.T) oauth.RevocationRepository { return adapters.NewRevocationRepository(db(t)) })
	})
}
