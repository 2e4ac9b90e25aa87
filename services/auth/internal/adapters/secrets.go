package adapters

import (
	"crypto/sha256"

	"golang.org/x/crypto/bcrypt"
)

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
