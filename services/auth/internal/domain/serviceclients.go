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

// Client is an OAuth client of the token endpoint, as its secret is
// checked: a reseller's Reseller API client (the password and
// refresh_token grants) or a reseller's service client
// (client_credentials).
type Client struct {
	ID           string
	SecretDigest []byte
	// ResellerID is the reseller the client belongs to: only its users log
	// in with it, and a service client acts for it.
	ResellerID string
	// Service is true for a service client.
	Service bool
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
