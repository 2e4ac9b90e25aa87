package adapters

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v3"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/pkg/eckey"
	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/secretbox"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// SigningKeys are the keys access tokens are signed with: the file keys
// (SIGNING_KEY_FILES, the first signing while no rotated key does) and,
// with a store (WithStore), the keys rotations made, kept sealed in the
// signing_keys collection. Which key signs and which are published follows
// domain.KeyRing; every replica loads the rotated keys with Load.
type SigningKeys struct {
	files []jose.JSONWebKey
	coll  *mongo.Collection
	box   *secretbox.Box
	now   func() time.Time

	mu   sync.RWMutex
	ring domain.KeyRing
	keys map[string]jose.JSONWebKey // every key of the ring, by id
}

// NewSigningKeys builds the key set from ECDSA P-256 private keys, the
// signing one first. Key ids are RFC 7638 thumbprints.
func NewSigningKeys(keys ...*ecdsa.PrivateKey) (*SigningKeys, error) {
	if len(keys) == 0 {
		return nil, errors.New("at least one signing key is required")
	}
	s := &SigningKeys{now: time.Now}
	for _, k := range keys {
		jwk, err := newJWK(k)
		if err != nil {
			return nil, err
		}
		s.files = append(s.files, jwk)
	}
	s.set(nil, nil)
	return s, nil
}

func newJWK(k *ecdsa.PrivateKey) (jose.JSONWebKey, error) {
	if k.Curve != elliptic.P256() {
		return jose.JSONWebKey{}, errors.New("signing keys must be ECDSA P-256 (ES256)")
	}
	jwk := jose.JSONWebKey{Key: k, Algorithm: string(jose.ES256), Use: "sig"}
	public := jwk.Public()
	tp, err := public.Thumbprint(crypto.SHA256)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("key thumbprint: %w", err)
	}
	jwk.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	return jwk, nil
}

// WithStore keeps rotated keys in db's signing_keys collection, sealed by
// box; Load reads them.
func (s *SigningKeys) WithStore(db *mongo.Database, box *secretbox.Box) *SigningKeys {
	s.coll, s.box = db.Collection("signing_keys"), box
	return s
}

// set replaces the rotated keys (and the withdrawals of file keys).
func (s *SigningKeys) set(rotated []jose.JSONWebKey, meta map[string]domain.SigningKey) {
	ring := make(domain.KeyRing, 0, len(s.files)+len(rotated))
	keys := make(map[string]jose.JSONWebKey, len(s.files)+len(rotated))
	for _, k := range s.files {
		ring = append(ring, domain.SigningKey{ID: k.KeyID, File: true, WithdrawnAt: meta[k.KeyID].WithdrawnAt})
		keys[k.KeyID] = k
	}
	for _, k := range rotated {
		if _, file := keys[k.KeyID]; !file {
			ring = append(ring, meta[k.KeyID])
			keys[k.KeyID] = k
		}
	}
	s.mu.Lock()
	s.ring, s.keys = ring, keys
	s.mu.Unlock()
}

type signingKeyDoc struct {
	ID string `bson:"_id"`
	// Sealed is the PKCS#8 private key sealed by the box; absent for the
	// withdrawal of a file key.
	Sealed      []byte    `bson:"key_sealed,omitempty"`
	SignsFrom   time.Time `bson:"signs_from,omitempty"`
	WithdrawnAt time.Time `bson:"withdrawn_at,omitempty"`
	CreatedAt   time.Time `bson:"created_at,omitempty"`
}

// Load reads the rotated keys and the withdrawals from the store.
func (s *SigningKeys) Load(ctx context.Context) error {
	if s.coll == nil {
		return nil
	}
	docs, err := mongodb.FindAll[signingKeyDoc](ctx, s.coll, bson.D{})
	if err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	var rotated []jose.JSONWebKey
	meta := map[string]domain.SigningKey{}
	for _, d := range docs {
		meta[d.ID] = domain.SigningKey{ID: d.ID, SignsFrom: d.SignsFrom, CreatedAt: d.CreatedAt, WithdrawnAt: d.WithdrawnAt}
		if len(d.Sealed) == 0 {
			continue
		}
		der, err := s.box.Open(d.Sealed)
		if err != nil {
			return fmt.Errorf("open signing key %s (was CREDENTIALS_ENCRYPTION_KEY changed?): %w", d.ID, err)
		}
		k, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return fmt.Errorf("parse signing key %s: %w", d.ID, err)
		}
		ec, ok := k.(*ecdsa.PrivateKey)
		if !ok {
			return fmt.Errorf("signing key %s is %T", d.ID, k)
		}
		jwk, err := newJWK(ec)
		if err != nil {
			return err
		}
		rotated = append(rotated, jwk)
	}
	s.set(rotated, meta)
	return nil
}

// Generate makes a new key signing from signsFrom, stores it sealed and
// loads the ring again.
func (s *SigningKeys) Generate(ctx context.Context, signsFrom time.Time) (domain.SigningKey, error) {
	if s.coll == nil {
		return domain.SigningKey{}, errors.New("no store for rotated signing keys")
	}
	k, err := eckey.New()
	if err != nil {
		return domain.SigningKey{}, err
	}
	jwk, err := newJWK(k)
	if err != nil {
		return domain.SigningKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return domain.SigningKey{}, err
	}
	sealed, err := s.box.Seal(der)
	if err != nil {
		return domain.SigningKey{}, fmt.Errorf("seal signing key: %w", err)
	}
	doc := signingKeyDoc{ID: jwk.KeyID, Sealed: sealed, SignsFrom: signsFrom.UTC(), CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	if _, err := s.coll.InsertOne(ctx, doc); err != nil {
		return domain.SigningKey{}, fmt.Errorf("store signing key: %w", err)
	}
	return domain.SigningKey{ID: jwk.KeyID, SignsFrom: doc.SignsFrom, CreatedAt: doc.CreatedAt}, s.Load(ctx)
}

// Withdraw records key id (a rotated or a file key) withdrawn at at.
func (s *SigningKeys) Withdraw(ctx context.Context, id string, at time.Time) error {
	if s.coll == nil {
		return errors.New("no store for signing key withdrawals")
	}
	_, err := s.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "withdrawn_at", Value: at.UTC()}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("withdraw signing key %s: %w", id, err)
	}
	return s.Load(ctx)
}

// Forget deletes rotated keys whose tokens have all expired.
func (s *SigningKeys) Forget(ctx context.Context, ids []string) error {
	if s.coll == nil || len(ids) == 0 {
		return nil
	}
	if _, err := s.coll.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return fmt.Errorf("forget signing keys: %w", err)
	}
	return s.Load(ctx)
}

// Ring returns the keys as last loaded.
func (s *SigningKeys) Ring() domain.KeyRing {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append(domain.KeyRing(nil), s.ring...)
}

// Signing returns the key new tokens are signed with, or an error if
// every key was withdrawn.
func (s *SigningKeys) Signing() (*jose.JSONWebKey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.ring.Signer(s.now())
	if !ok {
		return nil, errors.New("no signing key: every key was withdrawn")
	}
	jwk := s.keys[k.ID]
	return &jwk, nil
}

// published returns the keys the JWKS lists now.
func (s *SigningKeys) published() []jose.JSONWebKey {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []jose.JSONWebKey
	for _, k := range s.ring.Published(s.now(), accesstoken.MaxLifetime) {
		out = append(out, s.keys[k.ID])
	}
	return out
}

// JWKS returns the public keys as a JSON Web Key Set.
func (s *SigningKeys) JWKS() jose.JSONWebKeySet {
	set := jose.JSONWebKeySet{}
	for _, k := range s.published() {
		set.Keys = append(set.Keys, k.Public())
	}
	return set
}

// Key returns the published public key with id kid (accesstoken.KeySet),
// so that auth verifies the tokens it issued with no network hop.
func (s *SigningKeys) Key(_ context.Context, kid string) (any, error) {
	for _, k := range s.published() {
		if k.KeyID == kid {
			return k.Public().Key, nil
		}
	}
	return nil, fmt.Errorf("no signing key %q", kid)
}
