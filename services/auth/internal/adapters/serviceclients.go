package adapters

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// ServiceClientRepository stores resellers' service clients.
type ServiceClientRepository struct{ coll *mongo.Collection }

// NewServiceClientRepository returns a repository over db.
func NewServiceClientRepository(db *mongo.Database) *ServiceClientRepository {
	return &ServiceClientRepository{coll: db.Collection("service_clients")}
}

type serviceClientDoc struct {
	ID           string    `bson:"_id"`
	ResellerID   string    `bson:"reseller_id"`
	Name         string    `bson:"name"`
	SecretDigest []byte    `bson:"secret_digest"`
	CreatedAt    time.Time `bson:"created_at"`
}

// EnsureIndexes indexes a reseller's clients.
func (r *ServiceClientRepository) EnsureIndexes(ctx context.Context) error {
	return mongodb.EnsureIndexes(ctx, r.coll, mongo.IndexModel{Keys: bson.D{{Key: "reseller_id", Value: 1}, {Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}})
}

// Create stores c.
func (r *ServiceClientRepository) Create(ctx context.Context, c domain.ServiceClient) error {
	if _, err := r.coll.InsertOne(ctx, serviceClientDoc(c)); err != nil {
		return fmt.Errorf("store service client: %w", err)
	}
	return nil
}

// ByID finds a service client by its key.
func (r *ServiceClientRepository) ByID(ctx context.Context, id string) (domain.ServiceClient, error) {
	d, err := mongodb.FindOne[serviceClientDoc](ctx, r.coll, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return domain.ServiceClient{}, notFound(err, "service client")
	}
	return domain.ServiceClient(d), nil
}

// List returns the service clients of resellerID, oldest first.
func (r *ServiceClientRepository) List(ctx context.Context, resellerID string) ([]domain.ServiceClient, error) {
	docs, err := oldestFirst[serviceClientDoc](ctx, r.coll, bson.D{{Key: "reseller_id", Value: resellerID}})
	if err != nil {
		return nil, err
	}
	out := make([]domain.ServiceClient, len(docs))
	for i, d := range docs {
		out[i] = domain.ServiceClient(d)
	}
	return out, nil
}

// Delete removes client id of resellerID; domain.ErrNotFound when there
// is none.
func (r *ServiceClientRepository) Delete(ctx context.Context, resellerID, id string) error {
	return deleteOfReseller(ctx, r.coll, resellerID, id, "service client")
}
