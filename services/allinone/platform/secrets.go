package platform

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/resellerapi/platform/pkg/eckey"
)

// secrets are what the all-in-one binary generates on first start and
// keeps in DATA_DIR (0600) so that a restart keeps tokens, credentials,
// the admin token and the bus passwords valid. Production gives them to
// each service from a secret store. A file written by an older version
// gains what it lacks on the next start.
type secrets struct {
	AdminToken     string `json:"admin_token"`
	CredentialsKey []byte `json:"credentials_key"`
	SigningKeyPEM  string `json:"signing_key_pem"`
	// EventSigningKeyPEM signs auth's events; the edge verifies them
	// with its public key.
	EventSigningKeyPEM string `json:"event_signing_key_pem"`
	// PageTokenKey makes the edge's cursor page tokens tamper-evident.
	PageTokenKey []byte `json:"page_token_key"`
	// WebhooksSecretsKey seals the webhook subscriptions' signing secrets.
	WebhooksSecretsKey []byte `json:"webhooks_secrets_key"`
	// NATSPasswords are the embedded NATS users' passwords, by party.
	NATSPasswords map[string]string `json:"nats_passwords"`
}

// keys are the parsed keys of secrets.
type keys struct {
	signing, events *ecdsa.PrivateKey
}

func loadOrCreateSecrets(dir string, parties []string) (secrets, keys, error) {
	path := filepath.Join(dir, "secrets.json")
	var s secrets
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(data, &s); err != nil {
			return s, keys{}, fmt.Errorf("%s: %w", path, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return s, keys{}, err
	}
	changed, err := s.fill(parties)
	if err != nil {
		return s, keys{}, err
	}
	if changed {
		data, _ := json.MarshalIndent(s, "", "  ")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return s, keys{}, fmt.Errorf("write %s: %w", path, err)
		}
	}
	var k keys
	if k.signing, err = eckey.ParsePrivate([]byte(s.SigningKeyPEM)); err != nil {
		return s, k, fmt.Errorf("%s: signing key: %w", path, err)
	}
	if k.events, err = eckey.ParsePrivate([]byte(s.EventSigningKeyPEM)); err != nil {
		return s, k, fmt.Errorf("%s: event signing key: %w", path, err)
	}
	return s, k, nil
}

// fill generates what s lacks and reports whether it did.
func (s *secrets) fill(parties []string) (bool, error) {
	changed := false
	random := func(n int) []byte {
		b := make([]byte, n)
		_, _ = rand.Read(b) // never fails (crypto/rand)
		changed = true
		return b
	}
	newKey := func() (string, error) {
		changed = true
		pem, err := eckey.NewPEM()
		return string(pem), err
	}
	var err error
	if s.AdminToken == "" {
		s.AdminToken = "adm_" + base64.RawURLEncoding.EncodeToString(random(24))
	}
	if len(s.CredentialsKey) == 0 {
		s.CredentialsKey = random(32)
	}
	if len(s.PageTokenKey) == 0 {
		s.PageTokenKey = random(32)
	}
	if len(s.WebhooksSecretsKey) == 0 {
		s.WebhooksSecretsKey = random(32)
	}
	if s.SigningKeyPEM == "" {
		if s.SigningKeyPEM, err = newKey(); err != nil {
			return false, err
		}
	}
	if s.EventSigningKeyPEM == "" {
		if s.EventSigningKeyPEM, err = newKey(); err != nil {
			return false, err
		}
	}
	if s.NATSPasswords == nil {
		s.NATSPasswords = map[string]string{}
	}
	for _, party := range parties {
		if s.NATSPasswords[party] == "" {
			s.NATSPasswords[party] = base64.RawURLEncoding.EncodeToString(random(18))
		}
	}
	return changed, nil
}
