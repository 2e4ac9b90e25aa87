package cluster

import (
	"os"

	"github.com/resellerapi/platform/pkg/eckey"
)

// writeSigningKey writes a new P-256 key for auth (SIGNING_KEY_FILES).
func writeSigningKey(path string) error {
	pem, err := eckey.NewPEM()
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem, 0o600)
}

// writeEventKeys writes auth's event signing key (EVENT_SIGNING_KEY_FILE)
// to private and its public key, for the edge (AUTH_EVENT_KEY_FILES), to
// public.
func writeEventKeys(private, public string) error {
	k, err := eckey.New()
	if err != nil {
		return err
	}
	priv, err := eckey.EncodePrivate(k)
	if err != nil {
		return err
	}
	pub, err := eckey.EncodePublic(&k.PublicKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(private, priv, 0o600); err != nil {
		return err
	}
	return os.WriteFile(public, pub, 0o644)
}
