package domain

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// RandomToken is n random bytes in base64url: the body of a
// machine-generated secret or id.
func RandomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
