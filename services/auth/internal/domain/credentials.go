package domain

import (
	"fmt"
	"time"
)

// APIClientPrefix starts every Reseller API client key, which tells the
// token endpoint where to look the client up.
const APIClientPrefix = "rapi_"

// Activation is whether the distributor has activated the Reseller API
// ("generate the keys"). Each activation has an id of its own: a pair
// generated under an earlier one is never accepted again.
type Activation struct {
	ID            string
	Active        bool
	ActivatedAt   time.Time
	DeactivatedAt time.Time
	// Version grows with every change (0: never activated).
	Version int64
}

// ErrNoCredentials is returned while the distributor has not activated the
// Reseller API.
var ErrNoCredentials = fmt.Errorf("%w: the Reseller API client credentials have not been generated yet", ErrConflict)

// Credentials are one reseller's own Reseller API client: the key and
// secret its integration uses with its Application Users, and the earlier
// keys still in their grace period after a rotation.
type Credentials struct {
	ResellerID string
	ClientID   string
	// SecretDigest is SHA-256 of the secret: what the token endpoint checks.
	SecretDigest []byte
	// SealedSecret is the secret encrypted at rest, so the storefront can
	// show it again.
	SealedSecret []byte
	CreatedAt    time.Time
	// Activation is the id of the activation the pair was generated under.
	Activation string
	Retired    []RetiredClient
	// Version grows with every rotation (1 when generated).
	Version int64
}

// RetiredClient is an earlier key of a reseller: accepted with its secret
// until NotAfter, and remembered until its last access token expired.
type RetiredClient struct {
	ClientID     string
	SecretDigest []byte
	NotAfter     time.Time
}

// Secret returns the digest of the secret of client id, if id is the
// current key or a retired one still in its grace period at now.
func (c Credentials) Secret(id string, now time.Time) ([]byte, bool) {
	if id == c.ClientID {
		return c.SecretDigest, true
	}
	for _, r := range c.Retired {
		if r.ClientID == id && now.Before(r.NotAfter) {
			return r.SecretDigest, true
		}
	}
	return nil, false
}

// MaxGracePeriod bounds how long a rotated pair keeps working.
const MaxGracePeriod = 30 * 24 * time.Hour

// maxRetired bounds the retired keys a reseller's credentials remember
// (the newest are kept): rotating in a loop cannot grow them.
const maxRetired = 20

// Rotate returns c with next as its pair (its ClientID, SecretDigest,
// SealedSecret and CreatedAt) and the current key retired at now + grace.
// Keys retired earlier keep their grace, but never outlast the new one's;
// those whose access tokens have all expired (tokenLifetime after their
// grace) are forgotten.
func (c Credentials) Rotate(next Credentials, now time.Time, grace, tokenLifetime time.Duration) Credentials {
	notAfter := now.Add(grace)
	retired := []RetiredClient{{ClientID: c.ClientID, SecretDigest: c.SecretDigest, NotAfter: notAfter}}
	for _, r := range c.Retired {
		if !r.NotAfter.Add(tokenLifetime).After(now) {
			continue
		}
		if r.NotAfter.After(notAfter) {
			r.NotAfter = notAfter
		}
		retired = append(retired, r)
	}
	if len(retired) > maxRetired {
		retired = retired[:maxRetired]
	}
	next.ResellerID, next.Activation, next.Version = c.ResellerID, c.Activation, c.Version+1
	next.Retired = retired
	return next
}

// InGrace returns the retired keys still accepted at now.
func (c Credentials) InGrace(now time.Time) []RetiredClient {
	var out []RetiredClient
	for _, r := range c.Retired {
		if now.Before(r.NotAfter) {
			out = append(out, r)
		}
	}
	return out
}
