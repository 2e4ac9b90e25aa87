package adapters

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// SecretBox seals secrets with AES-256-GCM under a key from the
// environment, so a copy of the database alone does not reveal them.
type SecretBox struct{ aead cipher.AEAD }

// NewSecretBox returns a box for a 32-byte key.
func NewSecretBox(key []byte) (*SecretBox, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret box key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &SecretBox{aead: aead}, nil
}

// Seal encrypts plaintext; the random nonce is prepended.
func (b *SecretBox) Seal(plaintext []byte) ([]byte, error) {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return b.aead.Seal(nonce, nonce, plaintext, nil), nil
}

// Open decrypts what Seal produced.
func (b *SecretBox) Open(sealed []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n+b.aead.Overhead() {
		return nil, errors.New("sealed secret too short")
	}
	return b.aead.Open(nil, sealed[:n], sealed[n:], nil)
}

// Digest is the SHA-256 digest of a machine-generated secret.
func Digest(secret []byte) []byte {
	d := sha256.Sum256(secret)
	return d[:]
}

// BcryptHasher hashes passwords with bcrypt at a configurable cost, at
// most a fixed number at a time: a burst of logins queues for those slots
// instead of taking every CPU from the rest of the service.
type BcryptHasher struct {
	cost  int
	slots chan struct{}
}

// NewBcryptHasher returns a hasher at cost running at most concurrency
// hashes at once (at least 1).
func NewBcryptHasher(cost, concurrency int) *BcryptHasher {
	return &BcryptHasher{cost: cost, slots: make(chan struct{}, max(concurrency, 1))}
}

// Hash hashes password.
func (h *BcryptHasher) Hash(password string) ([]byte, error) {
	h.slots <- struct{}{}
	defer func() { <-h.slots }()
	return bcrypt.GenerateFromPassword([]byte(password), h.cost)
}

// Compare returns an error unless password matches hash.
func (h *BcryptHasher) Compare(hash []byte, password string) error {
	h.slots <- struct{}{}
	defer func() { <-h.slots }()
	return bcrypt.CompareHashAndPassword(hash, []byte(password))
}

// Outdated reports whether hash was made at another cost than the
// configured one (or is not a bcrypt hash): it is rehashed at the next
// login.
func (h *BcryptHasher) Outdated(hash []byte) bool {
	cost, err := bcrypt.Cost(hash)
	return err != nil || cost != h.cost
}
