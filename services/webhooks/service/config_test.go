package service_test

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/pkg/eckey"
	"github.com/resellerapi/platform/services/webhooks/service"
)

func TestConfigFromEnv(t *testing.T) {
	key := "c2VjcmV0c2tleXNlY3JldHNrZXlzZWNyZXRza2V5c2U=" // 32 bytes
	k, err := eckey.New()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := eckey.EncodePublic(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "auth-events.pub.pem")
	if err := os.WriteFile(keyFile, pub, 0o600); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{"MONGODB_URI": "mongodb://db", "WEBHOOKS_SECRETS_KEY": key,
		"ISSUER_URL": "https://api.example.com/", "AUTH_EVENT_KEY_FILES": keyFile}
	vars := maps.Clone(base)
	vars["WEBHOOKS_ALLOW_PRIVATE_TARGETS"] = "true"
	env := config.FromMap(vars)
	cfg := service.ConfigFromEnv(env)
	if err := env.Err(); err != nil || len(cfg.SecretsKey) != 32 || !cfg.AllowPrivateTargets || cfg.Workers != 32 || cfg.PerEndpoint != 4 ||
		cfg.Database != "webhooks" || cfg.InvoicingDatabase != "invoicing" || cfg.DirectoryDatabase != "directory" ||
		cfg.Callers.Issuer != "https://api.example.com" || cfg.Callers.JWKSURL != "https://api.example.com/.well-known/jwks.json" ||
		len(cfg.Callers.AuthEventKeys) != 1 {
		t.Fatalf("config %+v, %v", cfg, err)
	}
	for vars, want := range map[string]string{
		"WEBHOOKS_SECRETS_KEY=":                      "WEBHOOKS_SECRETS_KEY",
		"WEBHOOKS_SECRETS_KEY=c2hvcnQ=":              "32 random bytes",
		"WEBHOOKS_ALLOW_PRIVATE_TARGETS=yes":         "must be true or false",
		"WEBHOOKS_WORKERS=0":                         "WEBHOOKS_WORKERS=0",
		"WEBHOOKS_WORKERS=2,WEBHOOKS_PER_ENDPOINT=3": "WEBHOOKS_PER_ENDPOINT=3",
		"ISSUER_URL=":                                "ISSUER_URL",
		"AUTH_EVENT_KEY_FILES=/nonexistent.pem":      "AUTH_EVENT_KEY_FILES",
	} {
		m := maps.Clone(base)
		for _, kv := range strings.Split(vars, ",") {
			k, v, _ := strings.Cut(kv, "=")
			m[k] = v
			if v == "" {
				delete(m, k)
			}
		}
		env := config.FromMap(m)
		service.ConfigFromEnv(env)
		if err := env.Err(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", vars, err, want)
		}
	}
}
