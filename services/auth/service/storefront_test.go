package service_test

import (
	"strings"
	"testing"
)

func TestStorefrontKeysAreBoundToTheirReseller(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.call(t, "POST", "/admin/v1/reseller-api/credentials", adminToken, nil)
	status, created := e.call(t, "POST", "/admin/v1/resellers/r1/storefront-keys", adminToken, nil)
	key, _ := created["storefrontKey"].(string)
	if status != 201 || !strings.HasPrefix(key, "sfk_") || created["resellerId"] != "r1" {
		t.Fatalf("create: %d %v", status, created)
	}
	if raw, _ := e.kit.Mongo.Database(e.db).Collection("storefront_keys").FindOne(t.Context(), map[string]any{}).Raw(); strings.Contains(raw.String(), key) {
		t.Error("the storefront key is stored in clear")
	}
	for _, c := range []struct {
		method, path string
		body         any
		want         int
	}{
		// Its own reseller's routes.
		{"GET", "/admin/v1/resellers/r1/api-credentials", nil, 200},
		{"POST", "/admin/v1/resellers/r1/api-users", newUser("ivy", "Storefront-Made-2026"), 201},
		{"GET", "/admin/v1/resellers/r1/api-users", nil, 200},
		// Another reseller's: as if it did not exist.
		{"GET", "/admin/v1/resellers/r2/api-credentials", nil, 404},
		{"POST", "/admin/v1/resellers/r2/api-users", newUser("jack", "Storefront-Made-2026"), 404},
		// The distributor's routes, and storefront keys themselves.
		{"GET", "/admin/v1/api-users", nil, 403},
		{"POST", "/admin/v1/reseller-api/credentials", nil, 403},
		{"DELETE", "/admin/v1/reseller-api/credentials", nil, 403},
		{"GET", "/admin/v1/signing-keys", nil, 403},
		{"POST", "/admin/v1/signing-keys", nil, 403},
		{"POST", "/admin/v1/resellers/r1/storefront-keys", nil, 403},
	} {
		if status, p := e.call(t, c.method, c.path, key, c.body); status != c.want {
			t.Errorf("%s %s with a storefront key: %d %v, want %d", c.method, c.path, status, p, c.want)
		}
	}
	if status, _ := e.call(t, "DELETE", "/admin/v1/resellers/r2/storefront-keys/"+created["id"].(string), adminToken, nil); status != 404 {
		t.Errorf("revoke through another reseller: %d, want 404", status)
	}
	if status, _ := e.call(t, "DELETE", "/admin/v1/resellers/r1/storefront-keys/"+created["id"].(string), adminToken, nil); status != 204 {
		t.Fatalf("revoke: %d", status)
	}
	if status, _ := e.call(t, "GET", "/admin/v1/resellers/r1/api-credentials", key, nil); status != 401 {
		t.Errorf("a revoked storefront key: %d, want 401", status)
	}
	if status, _ := e.call(t, "GET", "/admin/v1/resellers/r1/api-credentials", "sfk_made-up", nil); status != 401 {
		t.Errorf("a made-up storefront key: %d, want 401", status)
	}
}
