package eckey_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/resellerapi/platform/pkg/eckey"
)

func TestKeysRoundTripThroughPEM(t *testing.T) {
	data, err := eckey.NewPEM()
	if err != nil {
		t.Fatal(err)
	}
	k, err := eckey.ParsePrivate(data)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	if k2, err := eckey.ParsePrivate(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})); err != nil || !k2.Equal(k) {
		t.Errorf("SEC 1 form: %v", err)
	}
	pub, err := eckey.EncodePublic(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := eckey.New()
	otherPub, _ := eckey.EncodePublic(&other.PublicKey)
	keys, err := eckey.ParsePublic(append(pub, otherPub...))
	if err != nil || len(keys) != 2 || !keys[0].Equal(&k.PublicKey) || !keys[1].Equal(&other.PublicKey) {
		t.Fatalf("ParsePublic = %d keys, %v", len(keys), err)
	}
}

func TestWrongKeysAreRefusedClearly(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(p384)
	if _, err := eckey.ParsePrivate(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err == nil || !strings.Contains(err.Error(), "P-256") {
		t.Errorf("P-384 private key: %v", err)
	}
	if _, err := eckey.ParsePrivate([]byte("not pem")); err == nil {
		t.Error("no PEM accepted")
	}
	private, _ := eckey.NewPEM()
	if _, err := eckey.ParsePublic(private); err == nil || !strings.Contains(err.Error(), "not the private one") {
		t.Errorf("private key given as public: %v", err)
	}
	if _, err := eckey.ParsePublic(bytes.TrimSpace([]byte(" "))); err == nil {
		t.Error("empty public key file accepted")
	}
}
