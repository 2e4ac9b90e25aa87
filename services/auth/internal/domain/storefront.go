package domain

import "time"

// StorefrontKeyPrefix starts every storefront key.
const StorefrontKeyPrefix = "sfk_"

// StorefrontKey is a credential of one reseller's storefront backend for
// the admin API routes of that reseller only. The key is kept only as its
// SHA-256 digest.
type StorefrontKey struct {
	ID         string
	ResellerID string
	Digest     []byte
	CreatedAt  time.Time
}
