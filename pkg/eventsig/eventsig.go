// Package eventsig signs the events a service publishes and verifies them
// where they are applied, so that whoever may publish on a subject (a
// party with too wide a permission, or anyone who reached an open bus)
// cannot forge the events of another. A signature is ECDSA P-256 over
// SHA-256 of the subject and the payload: an event moved to another
// subject no longer verifies.
package eventsig

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Errors of Verify, wrapped with the detail.
var (
	ErrUnsigned     = errors.New("event is not signed")
	ErrUnknownKey   = errors.New("event is signed with a key not trusted here")
	ErrBadSignature = errors.New("event signature does not verify")
)

// maxSignature bounds what Verify reads: a key id and a DER signature of
// P-256 are under 150 characters.
const maxSignature = 256

// KeyID names a public key: base64url of the first 12 bytes of the
// SHA-256 of its PKIX encoding.
func KeyID(k *ecdsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:12]), nil
}

func digest(subject string, payload []byte) []byte {
	h := sha256.New()
	h.Write([]byte("resellerapi-event-v1\n"))
	h.Write([]byte(subject))
	h.Write([]byte{'\n'})
	h.Write(payload)
	return h.Sum(nil)
}

// Signer signs with one private key.
type Signer struct {
	key *ecdsa.PrivateKey
	kid string
}

// NewSigner signs with key.
func NewSigner(key *ecdsa.PrivateKey) (*Signer, error) {
	kid, err := KeyID(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("event signing key: %w", err)
	}
	return &Signer{key: key, kid: kid}, nil
}

// Sign returns the signature of payload published on subject:
// "<key id>.<base64url of the DER signature>".
func (s *Signer) Sign(subject string, payload []byte) (string, error) {
	sig, err := ecdsa.SignASN1(rand.Reader, s.key, digest(subject, payload))
	if err != nil {
		return "", fmt.Errorf("sign event: %w", err)
	}
	return s.kid + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// Verifier accepts the signatures of a set of public keys (the current
// one and those retired while events they signed remain in the streams).
type Verifier struct {
	keys map[string]*ecdsa.PublicKey
}

// NewVerifier trusts keys; at least one is required.
func NewVerifier(keys ...*ecdsa.PublicKey) (*Verifier, error) {
	if len(keys) == 0 {
		return nil, errors.New("eventsig: no public key to verify with")
	}
	v := &Verifier{keys: map[string]*ecdsa.PublicKey{}}
	for _, k := range keys {
		kid, err := KeyID(k)
		if err != nil {
			return nil, fmt.Errorf("event verification key: %w", err)
		}
		v.keys[kid] = k
	}
	return v, nil
}

// Verify returns nil when signature is a trusted key's signature of
// payload on subject.
func (v *Verifier) Verify(subject string, payload []byte, signature string) error {
	if signature == "" {
		return ErrUnsigned
	}
	if len(signature) > maxSignature {
		return fmt.Errorf("%w: %d characters", ErrBadSignature, len(signature))
	}
	kid, encoded, ok := strings.Cut(signature, ".")
	if !ok {
		return fmt.Errorf("%w: not <key id>.<signature>", ErrBadSignature)
	}
	key, ok := v.keys[kid]
	if !ok {
		return fmt.Errorf("%w: key id %q", ErrUnknownKey, kid)
	}
	sig, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if !ecdsa.VerifyASN1(key, digest(subject, payload), sig) {
		return ErrBadSignature
	}
	return nil
}
