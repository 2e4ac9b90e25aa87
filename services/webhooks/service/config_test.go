package service_test

import (
	"strings"
	"testing"

	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/services/webhooks/service"
)

func TestConfigFromEnv(t *testing.T) {
	key := "c2VjcmV0c2tleXNlY3JldHNrZXlzZWNyZXRza2V5c2U=" // 32 bytes
	env := config.FromMap(map[string]string{"MONGODB_URI": "mongodb://db", "WEBHOOKS_SECRETS_KEY": key, "WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true"})
	cfg := service.ConfigFromEnv(env)
	if err := env.Err(); err != nil || len(cfg.SecretsKey) != 32 || !cfg.AllowPrivateTargets || cfg.Workers != 32 || cfg.PerEndpoint != 4 ||
		cfg.Database != "webhooks" || cfg.InvoicingDatabase != "invoicing" || cfg.DirectoryDatabase != "directory" {
		t.Fatalf("config %+v, %v", cfg, err)
	}
	for vars, want := range map[string]string{
		"WEBHOOKS_SECRETS_KEY=":                      "WEBHOOKS_SECRETS_KEY",
		"WEBHOOKS_SECRETS_KEY=c2hvcnQ=":              "32 random bytes",
		"WEBHOOKS_ALLOW_PRIVATE_TARGETS=yes":         "must be true or false",
		"WEBHOOKS_WORKERS=0":                         "WEBHOOKS_WORKERS=0",
		"WEBHOOKS_WORKERS=2,WEBHOOKS_PER_ENDPOINT=3": "WEBHOOKS_PER_ENDPOINT=3",
	} {
		m := map[string]string{"MONGODB_URI": "mongodb://db", "WEBHOOKS_SECRETS_KEY": key}
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
