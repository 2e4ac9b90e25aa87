// Package storetest is the contract of auth's stores: one suite per
// repository interface, which every implementation runs (hydra's manager
// test helpers). Each suite takes a function returning an empty store, so
// that it can make as many as it needs.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/resellerapi/platform/pkg/paging"
	"github.com/resellerapi/platform/services/auth/internal/credentials"
	"github.com/resellerapi/platform/services/auth/internal/domain"
	"github.com/resellerapi/platform/services/auth/internal/managers"
	"github.com/resellerapi/platform/services/auth/internal/oauth"
	"github.com/resellerapi/platform/services/auth/internal/storefront"
	"github.com/resellerapi/platform/services/auth/internal/users"
)

// now is a time every store keeps exactly (milliseconds, UTC).
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

func check(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// Users is the contract of users.Repository.
func Users(t *testing.T, empty func(t *testing.T) users.Repository) {
	ctx := context.Background()
	user := func(id, reseller, name string) domain.AppUser {
		return domain.AppUser{ID: id, ResellerID: reseller, Username: name, Email: name + "@example.test",
			PasswordHash: []byte("hash-" + id), CreatedAt: now(), Version: 1}
	}
	t.Run("create, read by id and by username ignoring case", func(t *testing.T) {
		r := empty(t)
		u := user("u-1", "r1", "Dev.One")
		check(t, "create", r.Create(ctx, u))
		got, err := r.ByID(ctx, "u-1")
		check(t, "by id", err)
		same(t, "by id", got, u)
		got, err = r.ByUsername(ctx, "dev.one")
		check(t, "by username", err)
		same(t, "by username", got, u)
		_, err = r.ByID(ctx, "nope")
		wantErr(t, "unknown id", err, domain.ErrNotFound)
		_, err = r.ByUsername(ctx, "nope")
		wantErr(t, "unknown username", err, domain.ErrNotFound)
	})
	t.Run("a username is taken whatever its case", func(t *testing.T) {
		r := empty(t)
		check(t, "create", r.Create(ctx, user("u-1", "r1", "dev")))
		wantErr(t, "same username", r.Create(ctx, user("u-2", "r2", "DEV")), domain.ErrConflict)
	})
	t.Run("update is compare-and-set on the version", func(t *testing.T) {
		r := empty(t)
		u := user("u-1", "r1", "dev")
		check(t, "create", r.Create(ctx, u))
		next := u
		next.Disabled, next.Version, next.TokensNotBefore = true, 2, now()
		check(t, "update", r.Update(ctx, next, 1))
		wantErr(t, "update from a stale version", r.Update(ctx, u, 1), domain.ErrConflict)
		got, err := r.ByID(ctx, "u-1")
		check(t, "read", err)
		same(t, "after update", got, next)
	})
	t.Run("delete", func(t *testing.T) {
		r := empty(t)
		check(t, "create", r.Create(ctx, user("u-1", "r1", "dev")))
		check(t, "delete", r.Delete(ctx, "u-1"))
		_, err := r.ByID(ctx, "u-1")
		wantErr(t, "deleted", err, domain.ErrNotFound)
	})
	t.Run("list by reseller, by search, in username order, paged", func(t *testing.T) {
		r := empty(t)
		for i, name := range []string{"carol", "alice", "bob", "Dave"} {
			reseller := "r1"
			if name == "Dave" {
				reseller = "r2"
			}
			check(t, "create", r.Create(ctx, user(fmt.Sprint("u-", i), reseller, name)))
		}
		names := func(us []domain.AppUser) []string {
			out := []string{}
			for _, u := range us {
				out = append(out, u.Username)
			}
			return out
		}
		page := func(index, size int) paging.Request { return paging.Request{Index: index, Size: size} }
		got, total, err := r.List(ctx, "r1", "", page(1, 10))
		check(t, "list", err)
		same(t, "r1's users", names(got), []string{"alice", "bob", "carol"})
		same(t, "r1's total", total, int64(3))
		got, total, err = r.List(ctx, "r1", "", page(2, 2))
		check(t, "list", err)
		same(t, "page 2 of 2", names(got), []string{"carol"})
		same(t, "total on page 2", total, int64(3))
		got, _, err = r.List(ctx, "", "", page(1, 10))
		check(t, "list", err)
		same(t, "every reseller's", len(got), 4)
		got, _, err = r.List(ctx, "", "DAV", page(1, 10))
		check(t, "search", err)
		same(t, "search ignoring case", names(got), []string{"Dave"})
		got, _, err = r.List(ctx, "", "@example", page(1, 10))
		check(t, "search by email", err)
		same(t, "search by email", len(got), 4)
	})
}

// Managers is the contract of managers.Repository.
func Managers(t *testing.T, empty func(t *testing.T) managers.Repository) {
	ctx := context.Background()
	r := empty(t)
	m := domain.Manager{ID: "mgr-1", ResellerID: "r1", Name: "Sofia", Email: "sofia@r1.example", Role: domain.Role("billing"), CreatedAt: now()}
	check(t, "create manager", r.CreateManager(ctx, m))
	check(t, "create another reseller's", r.CreateManager(ctx, domain.Manager{ID: "mgr-2", ResellerID: "r2", Name: "Alex",
		Email: "alex@r2.example", Role: domain.Role("admin"), CreatedAt: now()}))
	got, err := r.Manager(ctx, "mgr-1")
	check(t, "manager", err)
	same(t, "manager", got, m)
	_, err = r.Manager(ctx, "nope")
	wantErr(t, "unknown manager", err, domain.ErrNotFound)
	list, err := r.Managers(ctx, "r1")
	check(t, "managers", err)
	same(t, "r1's managers", list, []domain.Manager{m})

	tok := domain.ManagerToken{ID: "tok-1", ManagerID: "mgr-1", ResellerID: "r1", Role: m.Role, Digest: []byte("digest"), CreatedAt: now()}
	check(t, "create token", r.CreateToken(ctx, tok))
	tokens, err := r.Tokens(ctx, "mgr-1")
	check(t, "tokens", err)
	same(t, "tokens", tokens, []domain.ManagerToken{tok})
	revoked, changed, err := r.RevokeToken(ctx, "mgr-1", "tok-1")
	check(t, "revoke", err)
	tok.Revoked = true
	same(t, "revoked token", revoked, tok)
	same(t, "changed", changed, true)
	_, changed, err = r.RevokeToken(ctx, "mgr-1", "tok-1")
	check(t, "revoke again", err)
	same(t, "changed the second time", changed, false)
	_, _, err = r.RevokeToken(ctx, "mgr-2", "tok-1")
	wantErr(t, "another manager's token", err, domain.ErrNotFound)
	check(t, "delete manager", r.DeleteManager(ctx, "mgr-1"))
	_, err = r.Manager(ctx, "mgr-1")
	wantErr(t, "deleted manager", err, domain.ErrNotFound)
}

// StorefrontKeys is the contract of storefront.Repository.
func StorefrontKeys(t *testing.T, empty func(t *testing.T) storefront.Repository) {
	ctx := context.Background()
	r := empty(t)
	k := domain.StorefrontKey{ID: "sfk-1", ResellerID: "r1", Digest: []byte("digest-1"), CreatedAt: now()}
	check(t, "create", r.Create(ctx, k))
	got, err := r.ByDigest(ctx, []byte("digest-1"))
	check(t, "by digest", err)
	same(t, "by digest", got, k)
	_, err = r.ByDigest(ctx, []byte("digest-2"))
	wantErr(t, "unknown digest", err, domain.ErrNotFound)
	wantErr(t, "another reseller's key", r.Delete(ctx, "r2", "sfk-1"), domain.ErrNotFound)
	check(t, "delete", r.Delete(ctx, "r1", "sfk-1"))
	_, err = r.ByDigest(ctx, []byte("digest-1"))
	wantErr(t, "deleted", err, domain.ErrNotFound)
}

// ServiceClients is the contract of credentials.ServiceClientRepository.
func ServiceClients(t *testing.T, empty func(t *testing.T) credentials.ServiceClientRepository) {
	ctx := context.Background()
	r := empty(t)
	c := domain.ServiceClient{ID: domain.ServiceClientPrefix + "one", ResellerID: "r1", Name: "billing sync", SecretDigest: []byte("d"), CreatedAt: now()}
	check(t, "create", r.Create(ctx, c))
	got, err := r.ByID(ctx, c.ID)
	check(t, "by id", err)
	same(t, "by id", got, c)
	list, err := r.List(ctx, "r1")
	check(t, "list", err)
	same(t, "r1's clients", list, []domain.ServiceClient{c})
	list, err = r.List(ctx, "r2")
	check(t, "list", err)
	same(t, "r2's clients", len(list), 0)
	wantErr(t, "another reseller's client", r.Delete(ctx, "r2", c.ID), domain.ErrNotFound)
	check(t, "delete", r.Delete(ctx, "r1", c.ID))
	_, err = r.ByID(ctx, c.ID)
	wantErr(t, "deleted", err, domain.ErrNotFound)
}

// Credentials is the contract of credentials.Repository.
func Credentials(t *testing.T, empty func(t *testing.T) credentials.Repository) {
	ctx := context.Background()
	r := empty(t)
	c := domain.Credentials{ResellerID: "r1", ClientID: domain.APIClientPrefix + "one", SecretDigest: []byte("d1"), SealedSecret: []byte("s1"),
		CreatedAt: now(), Activation: "act-1", Version: 1}
	check(t, "create", r.Create(ctx, c))
	wantErr(t, "a second pair for the reseller", r.Create(ctx, c), domain.ErrConflict)
	got, err := r.ByReseller(ctx, "r1")
	check(t, "by reseller", err)
	same(t, "by reseller", got, c)
	_, err = r.ByReseller(ctx, "r2")
	wantErr(t, "no credentials", err, domain.ErrNotFound)
	next := c
	next.ClientID, next.Version = domain.APIClientPrefix+"two", 2
	next.Retired = []domain.RetiredClient{{ClientID: c.ClientID, SecretDigest: c.SecretDigest, NotAfter: now().Add(time.Hour)}}
	check(t, "update", r.Update(ctx, next, 1))
	wantErr(t, "update from a stale version", r.Update(ctx, c, 1), domain.ErrConflict)
	for _, id := range []string{next.ClientID, c.ClientID} {
		got, err := r.ByClientID(ctx, id)
		check(t, "by client id "+id, err)
		same(t, "by client id "+id+" (current or retired)", got, next)
	}
	resellers, err := r.Resellers(ctx)
	check(t, "resellers", err)
	same(t, "resellers", resellers, []string{"r1"})
	check(t, "delete all", r.DeleteAll(ctx))
	_, err = r.ByReseller(ctx, "r1")
	wantErr(t, "deleted", err, domain.ErrNotFound)
}

// Activations is the contract of credentials.Activations.
func Activations(t *testing.T, empty func(t *testing.T) credentials.Activations) {
	ctx := context.Background()
	r := empty(t)
	got, err := r.Get(ctx)
	check(t, "get", err)
	same(t, "never activated", got, domain.Activation{})
	a := domain.Activation{ID: "act-1", Active: true, ActivatedAt: now(), Version: 1}
	check(t, "save", r.Save(ctx, a, 0))
	wantErr(t, "save from a stale version", r.Save(ctx, domain.Activation{ID: "act-2", Active: true, Version: 1}, 0), domain.ErrConflict)
	got, err = r.Get(ctx)
	check(t, "get", err)
	same(t, "activated", got, a)
}

// Revocations is the contract of oauth.RevocationRepository.
func Revocations(t *testing.T, empty func(t *testing.T) oauth.RevocationRepository) {
	ctx := context.Background()
	r := empty(t)
	check(t, "revoke", r.Revoke(ctx, "jti-1", now().Add(time.Hour)))
	for jti, want := range map[string]bool{"jti-1": true, "jti-2": false} {
		got, err := r.IsRevoked(ctx, jti)
		check(t, "is revoked", err)
		same(t, "revoked "+jti, got, want)
	}
	check(t, "revoke again", r.Revoke(ctx, "jti-1", now().Add(time.Hour)))
}
