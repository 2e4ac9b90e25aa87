package callerauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// headerAuthn authenticates requests that carry its header.
type headerAuthn struct {
	header string
	caller Caller
	err    error
}

func (h headerAuthn) Authenticate(_ context.Context, r *http.Request) (Caller, error) {
	if r.Header.Get(h.header) == "" {
		return Caller{}, ErrNoCredentials
	}
	return h.caller, h.err
}

// The authenticator whose kind of credentials the request carries
// decides, even when it refuses them; none means no credentials, two
// kinds are refused whatever each says.
func TestAuthenticatorChain(t *testing.T) {
	refused := errors.New("bad token")
	chain := Authenticators{
		headerAuthn{header: "Authorization", caller: Caller{ResellerID: "r1", Subject: "user"}},
		headerAuthn{header: "X-Api-Token", caller: Caller{ResellerID: "r2", Subject: "manager"}},
		headerAuthn{header: "X-Bad", err: refused},
	}
	for _, tt := range []struct {
		headers []string
		want    string
		err     error
	}{
		{[]string{"Authorization"}, "user", nil},
		{[]string{"X-Api-Token"}, "manager", nil},
		{[]string{"Authorization", "X-Api-Token"}, "", ErrTwoCredentials},
		{[]string{"X-Api-Token", "X-Bad"}, "", ErrTwoCredentials},
		{[]string{"X-Bad"}, "", refused},
		{nil, "", ErrNoCredentials},
	} {
		r := httptest.NewRequest("GET", "/api/accounts", nil)
		for _, h := range tt.headers {
			r.Header.Set(h, "x")
		}
		caller, err := chain.Authenticate(context.Background(), r)
		if caller.Subject != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("headers %v: %q, %v; want %q, %v", tt.headers, caller.Subject, err, tt.want, tt.err)
		}
	}
}

func TestBearer(t *testing.T) {
	for header, want := range map[string]string{
		"Bearer abc": "abc", "bearer abc": "abc", "BEARER abc": "abc", "Basic abc": "", "Bearer ": "", "": "",
	} {
		got, ok := bearer(header)
		if got != want || ok != (want != "") {
			t.Errorf("bearer(%q) = %q, %v", header, got, ok)
		}
	}
}
