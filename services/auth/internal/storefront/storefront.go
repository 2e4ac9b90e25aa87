// Package storefront is the use cases of storefront keys: credentials of
// one reseller's storefront backend for that reseller's admin routes.
package storefront

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/resellerapi/platform/services/auth/internal/audit"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// Repository stores storefront keys.
type Repository interface {
	Create(ctx context.Context, k domain.StorefrontKey) error
	ByDigest(ctx context.Context, digest []byte) (domain.StorefrontKey, error)
	// Delete returns domain.ErrNotFound when resellerID has no key id.
	Delete(ctx context.Context, resellerID, id string) error
}

// Resellers are the resellers auth knows of.
type Resellers interface {
	Get(ctx context.Context, id string) (domain.Reseller, error)
}

// Handlers are the use cases of storefront keys.
type Handlers struct {
	keys      Repository
	resellers Resellers
	digest    func(secret []byte) []byte
	trail     audit.Trail
	now       func() time.Time
}

// New returns the use cases over keys, which are known by their digest.
func New(keys Repository, resellers Resellers, digest func(secret []byte) []byte, trail audit.Trail, now func() time.Time) *Handlers {
	return &Handlers{keys: keys, resellers: resellers, digest: digest, trail: trail, now: now}
}

// Create makes a key for resellerID and returns it with the key itself,
// shown this once (stored as a digest).
func (h *Handlers) Create(ctx context.Context, resellerID string) (domain.StorefrontKey, string, error) {
	if _, err := h.resellers.Get(ctx, resellerID); err != nil {
		return domain.StorefrontKey{}, "", err
	}
	secret, err := domain.RandomToken(32)
	if err != nil {
		return domain.StorefrontKey{}, "", err
	}
	plain := domain.StorefrontKeyPrefix + secret
	k := domain.StorefrontKey{ID: uuid.Must(uuid.NewV7()).String(), ResellerID: resellerID, Digest: h.digest([]byte(plain)),
		CreatedAt: h.now().UTC().Truncate(time.Millisecond)}
	if err := h.keys.Create(ctx, k); err != nil {
		return domain.StorefrontKey{}, "", err
	}
	h.trail.Note(ctx, slog.LevelInfo, "storefront key created", audit.Record{Kind: "storefront_key.created", Subject: k.ID, ResellerID: resellerID},
		"key_id", k.ID, "reseller_id", resellerID)
	return k, plain, nil
}

// Revoke removes key id of resellerID; it stops working at once.
func (h *Handlers) Revoke(ctx context.Context, resellerID, id string) error {
	if err := h.keys.Delete(ctx, resellerID, id); err != nil {
		return err
	}
	h.trail.Note(ctx, slog.LevelInfo, "storefront key revoked", audit.Record{Kind: "storefront_key.revoked", Subject: id, ResellerID: resellerID},
		"key_id", id, "reseller_id", resellerID)
	return nil
}

// Reseller returns the reseller whose storefront key plain is, or "" when
// it is no (longer a) key.
func (h *Handlers) Reseller(ctx context.Context, plain string) (string, error) {
	return h.ResellerOfDigest(ctx, h.digest([]byte(plain)))
}

// Digest is the digest a storefront key is known by.
func (h *Handlers) Digest(plain string) []byte { return h.digest([]byte(plain)) }

// ResellerOfDigest is Reseller for the key whose digest is digest (what
// a console session signed in with a storefront key keeps).
func (h *Handlers) ResellerOfDigest(ctx context.Context, digest []byte) (string, error) {
	k, err := h.keys.ByDigest(ctx, digest)
	if errors.Is(err, domain.ErrNotFound) {
		return "", nil
	}
	return k.ResellerID, err
}
