package oauth

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/resellerapi/platform/services/auth/internal/audit"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

type fakeUsers map[string]domain.AppUser

func (f fakeUsers) ByUsername(_ context.Context, name string) (domain.AppUser, error) {
	if u, ok := f[name]; ok {
		return u, nil
	}
	return domain.AppUser{}, domain.ErrNotFound
}
func (f fakeUsers) ByID(context.Context, string) (domain.AppUser, error) {
	return domain.AppUser{}, domain.ErrNotFound
}
func (f fakeUsers) Update(context.Context, domain.AppUser, int64) error { return nil }

type fakeClients map[string]domain.Client

func (f fakeClients) Find(_ context.Context, id string) (domain.Client, error) {
	if c, ok := f[id]; ok {
		return c, nil
	}
	return domain.Client{}, domain.ErrNotFound
}

// plainHasher "hashes" by prefixing: the decorator is under test, not bcrypt.
type plainHasher struct{}

func (plainHasher) Hash(p string) ([]byte, error) { return []byte("h:" + p), nil }
func (plainHasher) Compare(h []byte, p string) error {
	if string(h) != "h:"+p {
		return errors.New("mismatch")
	}
	return nil
}
func (plainHasher) Outdated([]byte) bool { return false }

type records []audit.Record

func (r *records) Record(_ context.Context, rec audit.Record, _, _ string) error {
	*r = append(*r, rec)
	return nil
}

// Every outcome of a login becomes one security event, with the user when
// it is known and the reason, and the caller learns only ErrBadLogin.
func TestEveryLoginOutcomeIsRecordedOnce(t *testing.T) {
	users := fakeUsers{
		"dev":      {ID: "u-1", ResellerID: "r1", Username: "dev", PasswordHash: []byte("h:right")},
		"disabled": {ID: "u-2", ResellerID: "r1", Username: "disabled", PasswordHash: []byte("h:right"), Disabled: true},
	}
	clients := fakeClients{"rak_r1": {ID: "rak_r1", ResellerID: "r1"}, "rak_r2": {ID: "rak_r2", ResellerID: "r2"}}
	for _, c := range []struct {
		name, username, password, client string
		want                             audit.Record
	}{
		{"success", "dev", "right", "rak_r1", audit.Record{Kind: "login.succeeded", Subject: "u-1", ResellerID: "r1"}},
		{"unknown username", "nobody", "x", "rak_r1", audit.Record{Kind: "login.failed", Subject: "nobody", Detail: "unknown username"}},
		{"wrong password", "dev", "wrong", "rak_r1", audit.Record{Kind: "login.failed", Subject: "u-1", ResellerID: "r1", Detail: "wrong password"}},
		{"disabled", "disabled", "right", "rak_r1", audit.Record{Kind: "login.failed", Subject: "u-2", ResellerID: "r1", Detail: "user disabled"}},
		{"another reseller's client", "dev", "right", "rak_r2", audit.Record{Kind: "login.failed", Subject: "u-1", ResellerID: "r1",
			Detail: "the client belongs to another reseller"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got records
			login, err := NewAuthenticator(users, clients, plainHasher{}, nil, audit.NewTrail(slog.New(slog.DiscardHandler), &got))
			if err != nil {
				t.Fatal(err)
			}
			u, err := login.Authenticate(audit.WithClientID(context.Background(), c.client), c.username, c.password)
			success := c.want.Kind == "login.succeeded"
			if success != (err == nil) || (!success && !errors.Is(err, ErrBadLogin)) || (success && u.ID != "u-1") {
				t.Errorf("Authenticate = %v, %v", u.ID, err)
			}
			if len(got) != 1 || got[0] != c.want {
				t.Errorf("recorded %+v, want one %+v", got, c.want)
			}
		})
	}
}
