package adapters

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// ActivationRepository stores the Reseller API's activation: one document.
type ActivationRepository struct{ coll *mongo.Collection }

// NewActivationRepository returns a repository over db.
func NewActivationRepository(db *mongo.Database) *ActivationRepository {
	return &ActivationRepository{coll: db.Collection("api_activation")}
}

type activationDoc struct {
	ID            string    `bson:"_id"`
	Activation    string    `bson:"activation"`
	Active        bool      `bson:"active"`
	ActivatedAt   time.Time `bson:"activated_at,omitempty"`
	DeactivatedAt time.Time `bson:"deactivated_at,omitempty"`
	Version       int64     `bson:"version"`
}

// Get returns the activation; the zero one while there was none.
func (r *ActivationRepository) Get(ctx context.Context) (domain.Activation, error) {
	d, err := mongodb.FindOne[activationDoc](ctx, r.coll, bson.D{{Key: "_id", Value: subjects.APIActivation}})
	if errors.Is(err, mongodb.ErrNotFound) {
		return domain.Activation{}, nil
	}
	if err != nil {
		return domain.Activation{}, fmt.Errorf("read the reseller api activation: %w", err)
	}
	return domain.Activation{ID: d.Activation, Active: d.Active, ActivatedAt: d.ActivatedAt, DeactivatedAt: d.DeactivatedAt, Version: d.Version}, nil
}

// Save stores a over version previous (0: none stored yet).
func (r *ActivationRepository) Save(ctx context.Context, a domain.Activation, previous int64) error {
	doc := activationDoc{ID: subjects.APIActivation, Activation: a.ID, Active: a.Active, ActivatedAt: a.ActivatedAt,
		DeactivatedAt: a.DeactivatedAt, Version: a.Version}
	var err error
	if previous == 0 {
		_, err = r.coll.InsertOne(ctx, doc)
		if mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("%w: the reseller api activation changed meanwhile", domain.ErrConflict)
		}
	} else {
		var res *mongo.UpdateResult
		res, err = r.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: subjects.APIActivation}, {Key: "version", Value: previous}}, doc)
		if err == nil && res.MatchedCount == 0 {
			return fmt.Errorf("%w: the reseller api activation changed meanwhile", domain.ErrConflict)
		}
	}
	if err != nil {
		return fmt.Errorf("store the reseller api activation: %w", err)
	}
	return nil
}

// CredentialsRepository stores every reseller's Reseller API credentials,
// one document per reseller with its current and retired keys.
type CredentialsRepository struct{ coll *mongo.Collection }

// NewCredentialsRepository returns a repository over db.
func NewCredentialsRepository(db *mongo.Database) *CredentialsRepository {
	return &CredentialsRepository{coll: db.Collection("reseller_credentials")}
}

type credentialsDoc struct {
	ResellerID   string       `bson:"_id"`
	ClientID     string       `bson:"client_id"`
	SecretDigest []byte       `bson:"secret_sha256"`
	SealedSecret []byte       `bson:"secret_sealed"`
	CreatedAt    time.Time    `bson:"created_at"`
	Activation   string       `bson:"activation"`
	Retired      []retiredDoc `bson:"retired"`
	Version      int64        `bson:"version"`
}

type retiredDoc struct {
	ClientID     string    `bson:"client_id"`
	SecretDigest []byte    `bson:"secret_sha256"`
	NotAfter     time.Time `bson:"not_after"`
}

func newCredentialsDoc(c domain.Credentials) credentialsDoc {
	d := credentialsDoc{ResellerID: c.ResellerID, ClientID: c.ClientID, SecretDigest: c.SecretDigest, SealedSecret: c.SealedSecret,
		CreatedAt: c.CreatedAt, Activation: c.Activation, Retired: []retiredDoc{}, Version: c.Version}
	for _, r := range c.Retired {
		d.Retired = append(d.Retired, retiredDoc(r))
	}
	return d
}

func (d credentialsDoc) credentials() domain.Credentials {
	c := domain.Credentials{ResellerID: d.ResellerID, ClientID: d.ClientID, SecretDigest: d.SecretDigest, SealedSecret: d.SealedSecret,
		CreatedAt: d.CreatedAt, Activation: d.Activation, Version: d.Version}
	for _, r := range d.Retired {
		c.Retired = append(c.Retired, domain.RetiredClient(r))
	}
	return c
}

// EnsureIndexes makes client keys unique and finds retired ones.
func (r *CredentialsRepository) EnsureIndexes(ctx context.Context) error {
	return mongodb.EnsureIndexes(ctx, r.coll,
		mongo.IndexModel{Keys: bson.D{{Key: "client_id", Value: 1}}, Options: options.Index().SetUnique(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "retired.client_id", Value: 1}}},
	)
}

// ByReseller returns resellerID's credentials.
func (r *CredentialsRepository) ByReseller(ctx context.Context, resellerID string) (domain.Credentials, error) {
	d, err := mongodb.FindOne[credentialsDoc](ctx, r.coll, bson.D{{Key: "_id", Value: resellerID}})
	if err != nil {
		return domain.Credentials{}, notFound(err, "reseller api credentials")
	}
	return d.credentials(), nil
}

// ByClientID returns the credentials whose current or a retired key is id.
func (r *CredentialsRepository) ByClientID(ctx context.Context, id string) (domain.Credentials, error) {
	d, err := mongodb.FindOne[credentialsDoc](ctx, r.coll, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "client_id", Value: id}},
		bson.D{{Key: "retired.client_id", Value: id}},
	}}})
	if err != nil {
		return domain.Credentials{}, notFound(err, "client")
	}
	return d.credentials(), nil
}

// Create stores c; a reseller that has credentials is domain.ErrConflict.
func (r *CredentialsRepository) Create(ctx context.Context, c domain.Credentials) error {
	_, err := r.coll.InsertOne(ctx, newCredentialsDoc(c))
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("%w: reseller %s has credentials already", domain.ErrConflict, c.ResellerID)
	}
	if err != nil {
		return fmt.Errorf("store credentials: %w", err)
	}
	return nil
}

// Update replaces the credentials stored at version previous with c.
func (r *CredentialsRepository) Update(ctx context.Context, c domain.Credentials, previous int64) error {
	res, err := r.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.ResellerID}, {Key: "version", Value: previous}}, newCredentialsDoc(c))
	if err != nil {
		return fmt.Errorf("update credentials: %w", err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("%w: the credentials of reseller %s changed meanwhile", domain.ErrConflict, c.ResellerID)
	}
	return nil
}

// Resellers lists the resellers that have credentials.
func (r *CredentialsRepository) Resellers(ctx context.Context) ([]string, error) {
	docs, err := mongodb.FindAll[struct {
		ID string `bson:"_id"`
	}](ctx, r.coll, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("list credentials: %w", err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}

// DeleteAll removes every reseller's credentials.
func (r *CredentialsRepository) DeleteAll(ctx context.Context) error {
	if _, err := r.coll.DeleteMany(ctx, bson.D{}); err != nil {
		return fmt.Errorf("delete credentials: %w", err)
	}
	return nil
}

// CredentialEvents publishes the Reseller API's credential events.
type CredentialEvents struct{ Bus *eventbus.Bus }

// CredentialsChanged publishes c's keys (never a secret) as its version:
// what the edge needs to refuse the tokens of retired keys.
func (e CredentialEvents) CredentialsChanged(ctx context.Context, c domain.Credentials) error {
	creds := &eventsv1.ApiCredentials{ResellerId: c.ResellerID, ClientId: c.ClientID}
	for _, r := range c.Retired {
		creds.Retired = append(creds.Retired, &eventsv1.RetiredClient{ClientId: r.ClientID, NotAfter: timestamppb.New(r.NotAfter)})
	}
	return e.Bus.Publish(ctx, eventbus.On(subjects.APICredentials, &eventsv1.ApiCredentialsChanged{
		Meta: meta(c.ResellerID, c.Version), Credentials: creds,
	}))
}

// ActivationChanged publishes a with the cut-off of its last
// deactivation, if any: an activation's event too, so that the stream
// keeping only the latest event of the aggregate keeps the cut-off.
func (e CredentialEvents) ActivationChanged(ctx context.Context, a domain.Activation) error {
	activation := &eventsv1.ApiActivation{Active: a.Active}
	if !a.DeactivatedAt.IsZero() {
		activation.TokensNotBefore = timestamppb.New(a.DeactivatedAt)
	}
	return e.Bus.Publish(ctx, eventbus.On(subjects.Activation, &eventsv1.ApiActivationChanged{
		Meta: meta(subjects.APIActivation, a.Version), Activation: activation,
	}))
}
