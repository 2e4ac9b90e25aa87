// Package eckey reads, writes and makes the ECDSA P-256 keys of the
// platform (auth's token signing keys, the event signing key) in PEM.
package eckey

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// New generates a P-256 key.
func New() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }

// NewPEM generates a P-256 key in PKCS#8 PEM.
func NewPEM() ([]byte, error) {
	k, err := New()
	if err != nil {
		return nil, err
	}
	return EncodePrivate(k)
}

// ParsePrivate reads the first PEM block of data: a PKCS#8 ("PRIVATE
// KEY") or SEC 1 ("EC PRIVATE KEY") P-256 key.
func ParsePrivate(data []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return p256(k)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key is %T, want ECDSA P-256", k)
	}
	return p256(ec)
}

func p256(k *ecdsa.PrivateKey) (*ecdsa.PrivateKey, error) {
	if k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("key is on %s, want P-256", k.Curve.Params().Name)
	}
	return k, nil
}

// EncodePrivate encodes k as a PKCS#8 PEM block.
func EncodePrivate(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePublic reads every "PUBLIC KEY" PEM block of data (P-256). A
// private key is refused: whoever only verifies must not hold it.
func ParsePublic(data []byte) ([]*ecdsa.PublicKey, error) {
	var keys []*ecdsa.PublicKey
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("PEM block %q: want PUBLIC KEY (give the public key, not the private one)", block.Type)
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse public key: %w", err)
		}
		ec, ok := k.(*ecdsa.PublicKey)
		if !ok || ec.Curve != elliptic.P256() {
			return nil, fmt.Errorf("public key is %T, want ECDSA P-256", k)
		}
		keys = append(keys, ec)
	}
	if len(keys) == 0 {
		return nil, errors.New("no PUBLIC KEY PEM block found")
	}
	return keys, nil
}

// EncodePublic encodes k as a "PUBLIC KEY" PEM block.
func EncodePublic(k *ecdsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}
