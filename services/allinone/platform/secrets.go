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

	authservice "github.com/resellerapi/platform/services/auth/service"
)

// secrets are what the all-in-one binary generates on first start and
// keeps in DATA_DIR so that a restart keeps tokens, credentials and the
// admin token valid. Production gives them to auth from a secret store.
type secrets struct {
	AdminToken     string `json:"admin_token"`
	CredentialsKey []byte `json:"credentials_key"`
	SigningKeyPEM  string `json:"signing_key_pem"`
}

func loadOrCreateSecrets(dir string) (secrets, *ecdsa.PrivateKey, error) {
	path := filepath.Join(dir, "secrets.json")
	var s secrets
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(data, &s); err != nil {
			return s, nil, fmt.Errorf("%s: %w", path, err)
		}
	case errors.Is(err, os.ErrNotExist):
		if s, err = newSecrets(); err != nil {
			return s, nil, err
		}
		data, _ := json.MarshalIndent(s, "", "  ")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return s, nil, fmt.Errorf("write %s: %w", path, err)
		}
	default:
		return s, nil, err
	}
	key, err := authservice.ParseSigningKey([]byte(s.SigningKeyPEM))
	if err != nil {
		return s, nil, fmt.Errorf("%s: signing key: %w", path, err)
	}
	return s, key, nil
}

func newSecrets() (secrets, error) {
	token := make([]byte, 24)
	credKey := make([]byte, 32)
	if _, err := rand.Read(token); err != nil {
		return secrets{}, err
	}
	if _, err := rand.Read(credKey); err != nil {
		return secrets{}, err
	}
	pem, err := authservice.NewSigningKeyPEM()
	if err != nil {
		return secrets{}, err
	}
	return secrets{AdminToken: "adm_" + base64.RawURLEncoding.EncodeToString(token), CredentialsKey: credKey, SigningKeyPEM: string(pem)}, nil
}
