package domain

import "time"

// SigningKey is a key access tokens are signed with, as the service
// reasons about it (its private part stays in the adapter that holds it).
type SigningKey struct {
	// ID is the "kid" of the tokens it signs.
	ID string
	// File is true for a key from SIGNING_KEY_FILES: published while it is
	// configured, the first signing while no rotated key does. Otherwise
	// the key was made by a rotation and signs from SignsFrom.
	File      bool
	SignsFrom time.Time
	// CreatedAt orders rotations: the latest one that has started signing
	// signs, even if an earlier one is still waiting for its time.
	CreatedAt   time.Time
	WithdrawnAt time.Time
}

// KeyState is where a signing key is in its life.
type KeyState string

// The states of a signing key.
const (
	// KeyPublished: in the JWKS, not signing yet.
	KeyPublished KeyState = "published"
	// KeySigning: signs new tokens.
	KeySigning KeyState = "signing"
	// KeyVerifying: replaced; verifies the tokens it signed.
	KeyVerifying KeyState = "verifying"
	// KeyWithdrawn: out of the JWKS, its tokens refused.
	KeyWithdrawn KeyState = "withdrawn"
	// KeyExpired: replaced long enough ago that every token it signed has
	// expired; out of the JWKS and forgotten.
	KeyExpired KeyState = "expired"
)

// KeyRing is every signing key: the file keys in their configured order,
// and the rotated ones.
type KeyRing []SigningKey

// later reports whether rotated key a was made after b.
func later(a, b SigningKey) bool {
	return a.CreatedAt.After(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID > b.ID)
}

// Signer returns the key that signs at now: of the rotated keys whose
// time has come, the one made last, or while there is none, the first
// file key; withdrawn keys never sign.
func (r KeyRing) Signer(now time.Time) (SigningKey, bool) {
	var best SigningKey
	found := false
	for _, k := range r {
		if k.File || !k.WithdrawnAt.IsZero() || k.SignsFrom.After(now) {
			continue
		}
		if !found || later(k, best) {
			best, found = k, true
		}
	}
	if found {
		return best, true
	}
	for _, k := range r {
		if k.File && k.WithdrawnAt.IsZero() {
			return k, true
		}
	}
	return SigningKey{}, false
}

// State returns the state of k at now and, for a replaced rotated key,
// until when it stays published: until every token it can have signed
// (living at most tokenLifetime) has expired.
func (r KeyRing) State(k SigningKey, now time.Time, tokenLifetime time.Duration) (KeyState, time.Time) {
	signer, _ := r.Signer(now)
	switch {
	case !k.WithdrawnAt.IsZero():
		return KeyWithdrawn, time.Time{}
	case k.ID == signer.ID:
		return KeySigning, time.Time{}
	case k.File:
		return KeyVerifying, time.Time{}
	case k.SignsFrom.After(now):
		return KeyPublished, time.Time{}
	}
	// Replaced: by the first key made after it whose time has come.
	var next SigningKey
	found := false
	for _, o := range r {
		if o.File || !o.WithdrawnAt.IsZero() || o.SignsFrom.After(now) || !later(o, k) {
			continue
		}
		if !found || later(next, o) {
			next, found = o, true
		}
	}
	if !found { // cannot happen: then k would sign
		return KeyVerifying, time.Time{}
	}
	until := next.SignsFrom.Add(tokenLifetime)
	if !now.Before(until) {
		return KeyExpired, until
	}
	return KeyVerifying, until
}

// Published returns the keys the JWKS lists at now.
func (r KeyRing) Published(now time.Time, tokenLifetime time.Duration) []SigningKey {
	var out []SigningKey
	for _, k := range r {
		switch state, _ := r.State(k, now, tokenLifetime); state {
		case KeyPublished, KeySigning, KeyVerifying:
			out = append(out, k)
		}
	}
	return out
}
