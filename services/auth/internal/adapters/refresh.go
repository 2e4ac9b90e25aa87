package adapters

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/resellerapi/platform/pkg/mongodb"
)

// RefreshTokens stores refresh token sessions: by the SHA-256 of the
// token's signature (never the token), with the request (family) id every
// rotation keeps, until they expire. A rotated token stays, inactive, so
// that its reuse is recognised and revokes its whole family.
type RefreshTokens struct {
	coll *mongo.Collection

	mu        sync.Mutex
	lastPurge time.Time
}

// NewRefreshTokens returns the store over db.
func NewRefreshTokens(db *mongo.Database) *RefreshTokens {
	return &RefreshTokens{coll: db.Collection("refresh_tokens")}
}

type refreshDoc struct {
	ID              string    `bson:"_id"` // hex SHA-256 of the signature
	RequestID       string    `bson:"request_id"`
	ClientID        string    `bson:"client_id"`
	Subject         string    `bson:"subject"`
	ResellerID      string    `bson:"reseller_id"`
	RequestedScopes []string  `bson:"requested_scopes"`
	GrantedScopes   []string  `bson:"granted_scopes"`
	RequestedAt     time.Time `bson:"requested_at"`
	ExpiresAt       time.Time `bson:"expires_at"`
	Active          bool      `bson:"active"`
}

// EnsureIndexes indexes the families.
func (r *RefreshTokens) EnsureIndexes(ctx context.Context) error {
	return mongodb.EnsureIndexes(ctx, r.coll, mongo.IndexModel{Keys: bson.D{{Key: "request_id", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "subject", Value: 1}}}, mongo.IndexModel{Keys: bson.D{{Key: "expires_at", Value: 1}}})
}

func signatureDigest(signature string) string {
	d := sha256.Sum256([]byte(signature))
	return hex.EncodeToString(d[:])
}

// create stores the refresh token session of req (and forgets the
// expired ones, see purge).
func (r *RefreshTokens) create(ctx context.Context, signature string, req fosite.Requester) error {
	s, ok := req.GetSession().(*oauth2.JWTSession)
	if !ok || s.JWTClaims == nil {
		return fmt.Errorf("refresh token session of type %T", req.GetSession())
	}
	rid, _ := s.JWTClaims.Extra["rid"].(string)
	d := refreshDoc{ID: signatureDigest(signature), RequestID: req.GetID(), ClientID: req.GetClient().GetID(),
		Subject: s.JWTClaims.Subject, ResellerID: rid, RequestedScopes: req.GetRequestedScopes(), GrantedScopes: req.GetGrantedScopes(),
		RequestedAt: req.GetRequestedAt().UTC(), ExpiresAt: s.GetExpiresAt(fosite.RefreshToken).UTC(), Active: true}
	if _, err := r.coll.InsertOne(ctx, d); err != nil {
		return fmt.Errorf("store refresh token: %w", err)
	}
	return r.purge(ctx)
}

// purge deletes the expired refresh tokens, at most once a minute per
// replica: a login should not pay a collection-wide delete each time.
func (r *RefreshTokens) purge(ctx context.Context) error {
	now := time.Now().UTC()
	r.mu.Lock()
	due := now.Sub(r.lastPurge) >= time.Minute
	if due {
		r.lastPurge = now
	}
	r.mu.Unlock()
	if !due {
		return nil
	}
	if _, err := r.coll.DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now}}}}); err != nil {
		return fmt.Errorf("purge expired refresh tokens: %w", err)
	}
	return nil
}

// get rebuilds the request of a refresh token into session; an inactive
// (rotated or revoked) one comes with fosite.ErrInactiveToken.
func (r *RefreshTokens) get(ctx context.Context, signature string, session fosite.Session, client func(context.Context, string) (fosite.Client, error)) (fosite.Requester, error) {
	d, err := mongodb.FindOne[refreshDoc](ctx, r.coll, bson.D{{Key: "_id", Value: signatureDigest(signature)}})
	if errors.Is(err, mongodb.ErrNotFound) {
		return nil, fosite.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c, err := client(ctx, d.ClientID)
	if err != nil {
		return nil, err
	}
	s, ok := session.(*oauth2.JWTSession)
	if !ok || s.JWTClaims == nil {
		return nil, fmt.Errorf("refresh token session of type %T", session)
	}
	s.JWTClaims.Subject = d.Subject
	if s.JWTClaims.Extra == nil {
		s.JWTClaims.Extra = map[string]any{}
	}
	s.JWTClaims.Extra["rid"], s.JWTClaims.Extra["client_id"] = d.ResellerID, d.ClientID
	s.SetExpiresAt(fosite.RefreshToken, d.ExpiresAt)
	// The audience is not restored: the token endpoint grants the API's
	// current one to every token.
	req := &fosite.Request{ID: d.RequestID, RequestedAt: d.RequestedAt, Client: c, RequestedScope: d.RequestedScopes,
		GrantedScope: d.GrantedScopes, Form: url.Values{}, Session: s}
	if !d.Active {
		return req, fosite.ErrInactiveToken
	}
	return req, nil
}

func (r *RefreshTokens) deactivate(ctx context.Context, filter bson.D) error {
	if _, err := r.coll.UpdateMany(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "active", Value: false}}}}); err != nil {
		return fmt.Errorf("deactivate refresh tokens: %w", err)
	}
	return nil
}

func (r *RefreshTokens) delete(ctx context.Context, signature string) error {
	if _, err := r.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: signatureDigest(signature)}}); err != nil {
		return fmt.Errorf("delete refresh token: %w", err)
	}
	return nil
}

// RevokeSubject makes every refresh token of subject inactive (its user
// disabled, deleted, or its password changed).
func (r *RefreshTokens) RevokeSubject(ctx context.Context, subject string) error {
	return r.deactivate(ctx, bson.D{{Key: "subject", Value: subject}})
}

// RevokeFamily makes the family of the refresh token with signature
// inactive if that token was issued to client; it reports whether it was.
func (r *RefreshTokens) RevokeFamily(ctx context.Context, signature, client string) (bool, error) {
	d, err := mongodb.FindOne[refreshDoc](ctx, r.coll, bson.D{{Key: "_id", Value: signatureDigest(signature)}})
	if errors.Is(err, mongodb.ErrNotFound) || (err == nil && d.ClientID != client) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, r.deactivate(ctx, bson.D{{Key: "request_id", Value: d.RequestID}})
}
