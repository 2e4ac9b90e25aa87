package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ServiceClientPrefix starts every service client's key, which tells the
// token endpoint where to look the client up.
const ServiceClientPrefix = "svc_"

// ServiceClient is a reseller's own OAuth client for its integrations,
// using the client_credentials grant: its tokens act for the reseller with
// no Application User. The secret is kept only as its SHA-256 digest.
type ServiceClient struct {
	ID           string // the client key
	ResellerID   string
	Name         string
	SecretDigest []byte
	CreatedAt    time.Time
}

// ValidServiceClientName checks a service client's name: 1 to 100
// printable characters.
func ValidServiceClientName(name string) error {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("%w: %w", ErrInvalid, errors.New("name must be 1 to 100 printable characters"))
	}
	return nil
}
