package adapters

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v3"
)

// SigningKeys are the keys access tokens are signed with: the first signs,
// all are published in the JWKS so tokens signed by a previous key stay
// verifiable while it is being rotated out.
type SigningKeys struct {
	keys []jose.JSONWebKey
}

// NewSigningKeys builds the key set from ECDSA P-256 private keys, the
// signing one first. Key ids are RFC 7638 thumbprints.
func NewSigningKeys(keys ...*ecdsa.PrivateKey) (*SigningKeys, error) {
	if len(keys) == 0 {
		return nil, errors.New("at least one signing key is required")
	}
	s := &SigningKeys{}
	for _, k := range keys {
		if k.Curve != elliptic.P256() {
			return nil, errors.New("signing keys must be ECDSA P-256 (ES256)")
		}
		jwk := jose.JSONWebKey{Key: k, Algorithm: string(jose.ES256), Use: "sig"}
		public := jwk.Public()
		tp, err := public.Thumbprint(crypto.SHA256)
		if err != nil {
			return nil, fmt.Errorf("key thumbprint: %w", err)
		}
		jwk.KeyID = base64.RawURLEncoding.EncodeToString(tp)
		s.keys = append(s.keys, jwk)
	}
	return s, nil
}

// Signing returns the key new tokens are signed with.
func (s *SigningKeys) Signing() *jose.JSONWebKey { return &s.keys[0] }

// JWKS returns the public keys as a JSON Web Key Set.
func (s *SigningKeys) JWKS() jose.JSONWebKeySet {
	set := jose.JSONWebKeySet{}
	for _, k := range s.keys {
		set.Keys = append(set.Keys, k.Public())
	}
	return set
}

// GenerateSigningKey returns a new P-256 key.
func GenerateSigningKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// ParseSigningKeyPEM reads a PKCS#8 or SEC 1 ("EC PRIVATE KEY") PEM key.
func ParseSigningKeyPEM(data []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key is %T, want ECDSA P-256", k)
	}
	return ec, nil
}

// EncodeSigningKeyPEM encodes k as a PKCS#8 PEM block.
func EncodeSigningKeyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// Key returns the public key with id kid (accesstoken.KeySet), so that
// auth verifies the tokens it issued with no network hop.
func (s *SigningKeys) Key(_ context.Context, kid string) (any, error) {
	for _, k := range s.keys {
		if k.KeyID == kid {
			return k.Public().Key, nil
		}
	}
	return nil, fmt.Errorf("no signing key %q", kid)
}
