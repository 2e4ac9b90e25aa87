package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// StorefrontKeyRepository stores storefront keys.
type StorefrontKeyRepository interface {
	Create(ctx context.Context, k domain.StorefrontKey) error
	ByDigest(ctx context.Context, digest []byte) (domain.StorefrontKey, error)
	// Delete returns domain.ErrNotFound when resellerID has no key id.
	Delete(ctx context.Context, resellerID, id string) error
}

// StorefrontKeyHandlers are the use cases of storefront keys: credentials
// of one reseller's storefront backend for that reseller's admin routes.
type StorefrontKeyHandlers struct{ d Deps }

// Create makes a key for resellerID and returns it with the key itself,
// shown this once (stored as a digest).
func (h StorefrontKeyHandlers) Create(ctx context.Context, resellerID string) (domain.StorefrontKey, string, error) {
	if _, err := h.d.Resellers.Get(ctx, resellerID); err != nil {
		return domain.StorefrontKey{}, "", err
	}
	secret, err := randomToken(32)
	if err != nil {
		return domain.StorefrontKey{}, "", err
	}
	plain := domain.StorefrontKeyPrefix + secret
	k := domain.StorefrontKey{ID: uuid.Must(uuid.NewV7()).String(), ResellerID: resellerID, Digest: h.d.Digest([]byte(plain)),
		CreatedAt: h.d.Now().UTC().Truncate(time.Millisecond)}
	if err := h.d.StorefrontKeys.Create(ctx, k); err != nil {
		return domain.StorefrontKey{}, "", err
	}
	h.d.Logger.InfoContext(ctx, "storefront key created", "key_id", k.ID, "reseller_id", resellerID)
	h.d.audit(ctx, SecurityRecord{Kind: "storefront_key.created", Subject: k.ID, ResellerID: resellerID})
	return k, plain, nil
}

// Revoke removes key id of resellerID; it stops working at once.
func (h StorefrontKeyHandlers) Revoke(ctx context.Context, resellerID, id string) error {
	if err := h.d.StorefrontKeys.Delete(ctx, resellerID, id); err != nil {
		return err
	}
	h.d.Logger.InfoContext(ctx, "storefront key revoked", "key_id", id, "reseller_id", resellerID)
	h.d.audit(ctx, SecurityRecord{Kind: "storefront_key.revoked", Subject: id, ResellerID: resellerID})
	return nil
}

// Reseller returns the reseller whose storefront key plain is, or "" when
// it is no (longer a) key.
func (h StorefrontKeyHandlers) Reseller(ctx context.Context, plain string) (string, error) {
	return h.ResellerOfDigest(ctx, h.d.Digest([]byte(plain)))
}

// Digest is the digest a storefront key is known by.
func (h StorefrontKeyHandlers) Digest(plain string) []byte { return h.d.Digest([]byte(plain)) }

// ResellerOfDigest is Reseller for the key whose digest is digest (what
// a console session signed in with a storefront key keeps).
func (h StorefrontKeyHandlers) ResellerOfDigest(ctx context.Context, digest []byte) (string, error) {
	k, err := h.d.StorefrontKeys.ByDigest(ctx, digest)
	if errors.Is(err, domain.ErrNotFound) {
		return "", nil
	}
	return k.ResellerID, err
}
