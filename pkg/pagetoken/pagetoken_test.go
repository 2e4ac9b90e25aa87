package pagetoken_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/resellerapi/platform/pkg/pagetoken"
)

func codec(t testing.TB, key byte) *pagetoken.Codec {
	t.Helper()
	c, err := pagetoken.New(bytes.Repeat([]byte{key}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestATokenIsReadOnlyForItsQueryWithItsKey(t *testing.T) {
	c := codec(t, 1)
	p := pagetoken.Position{Value: "2026-01-02T03:04:05.123456789Z", ID: "acc-7"}
	tok := c.Encode("accounts|r1|sort=updatedAt", p)
	got, err := c.Decode("accounts|r1|sort=updatedAt", tok)
	if err != nil || got != p {
		t.Fatalf("Decode = %+v, %v", got, err)
	}
	body, sig, _ := strings.Cut(tok, ".")
	flipped := []byte(body)
	flipped[len(flipped)/2] ^= 1
	for name, c := range map[string]struct {
		codec          *pagetoken.Codec
		binding, token string
	}{
		"another caller":      {c, "accounts|r2|sort=updatedAt", tok},
		"another filter":      {c, "accounts|r1|sort=name", tok},
		"another key":         {codec(t, 2), "accounts|r1|sort=updatedAt", tok},
		"a changed body":      {c, "accounts|r1|sort=updatedAt", string(flipped) + "." + sig},
		"no signature":        {c, "accounts|r1|sort=updatedAt", body},
		"not base64":          {c, "accounts|r1|sort=updatedAt", "!!." + sig},
		"empty":               {c, "accounts|r1|sort=updatedAt", ""},
		"over the length cap": {c, "accounts|r1|sort=updatedAt", strings.Repeat("A", pagetoken.MaxLength+1)},
	} {
		if _, err := c.codec.Decode(c.binding, c.token); !errors.Is(err, pagetoken.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := pagetoken.New(make([]byte, 16)); err == nil {
		t.Error("a 16-byte key was accepted")
	}
}

// FuzzDecode: no input crashes Decode, and what it accepts is what was
// issued for the binding.
func FuzzDecode(f *testing.F) {
	c := codec(f, 1)
	good := c.Encode("b", pagetoken.Position{Value: "x", ID: "y"})
	f.Add("b", good)
	f.Add("b", good[:len(good)-1])
	f.Add("other", good)
	f.Add("b", "e30.AAAA")
	f.Fuzz(func(t *testing.T, binding, token string) {
		p, err := c.Decode(binding, token)
		if err == nil && c.Encode(binding, p) != token {
			t.Fatalf("accepted %q for %q, which was not issued", token, binding)
		}
	})
}
