package eventsig_test

import (
	"crypto/ecdsa"
	"errors"
	"strings"
	"testing"

	"github.com/resellerapi/platform/pkg/eckey"
	"github.com/resellerapi/platform/pkg/eventsig"
)

func pair(t testing.TB) (*eventsig.Signer, *eventsig.Verifier) {
	t.Helper()
	k := newKey(t)
	s, err := eventsig.NewSigner(k)
	if err != nil {
		t.Fatal(err)
	}
	v, err := eventsig.NewVerifier(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func TestSignaturesVerifyOnlyWhatWasSigned(t *testing.T) {
	s, v := pair(t)
	other, _ := pair(t)
	subject, payload := "auth.manager_token.changed.mtk-1", []byte("state of the token")
	sig, err := s.Sign(subject, payload)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(subject, payload, sig); err != nil {
		t.Fatalf("own signature: %v", err)
	}
	forged, err := other.Sign(subject, payload)
	if err != nil {
		t.Fatal(err)
	}
	kid, encoded, _ := strings.Cut(sig, ".")
	_, otherEncoded, _ := strings.Cut(forged, ".")
	for _, c := range []struct {
		name, subject, payload, sig string
		want                        error
	}{
		{"unsigned", subject, string(payload), "", eventsig.ErrUnsigned},
		{"other payload", subject, "state of another token", sig, eventsig.ErrBadSignature},
		{"other subject", "auth.manager_token.changed.mtk-2", string(payload), sig, eventsig.ErrBadSignature},
		{"another key", subject, string(payload), forged, eventsig.ErrUnknownKey},
		{"another key's signature under our key id", subject, string(payload), kid + "." + otherEncoded, eventsig.ErrBadSignature},
		{"no key id", subject, string(payload), encoded, eventsig.ErrBadSignature},
		{"not base64", subject, string(payload), kid + ".!!", eventsig.ErrBadSignature},
		{"too long", subject, string(payload), kid + "." + strings.Repeat("A", 300), eventsig.ErrBadSignature},
	} {
		if err := v.Verify(c.subject, []byte(c.payload), c.sig); !errors.Is(err, c.want) {
			t.Errorf("%s: Verify = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestAVerifierTrustsEveryKeyGiven(t *testing.T) {
	old, current := newKey(t), newKey(t)
	v, err := eventsig.NewVerifier(&old.PublicKey, &current.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range []*ecdsa.PrivateKey{old, current} {
		s, err := eventsig.NewSigner(k)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.Sign("auth.x", []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify("auth.x", []byte("x"), sig); err != nil {
			t.Errorf("key %d: %v", i, err)
		}
	}
	if _, err := eventsig.NewVerifier(); err == nil {
		t.Error("a verifier with no key was made")
	}
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := eckey.New()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// FuzzVerify: no signature string crashes Verify, and only the signer's
// signature of the same subject and payload is accepted.
func FuzzVerify(f *testing.F) {
	s, v := pair(f)
	good, err := s.Sign("auth.a", []byte("payload"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add("auth.a", []byte("payload"), good)
	f.Add("auth.a", []byte("payload"), "")
	f.Add("auth.b", []byte("payload"), good)
	f.Add("auth.a", []byte("payload"), good[:len(good)-2])
	f.Add("auth.a", []byte{}, "kid.sig.extra")
	f.Fuzz(func(t *testing.T, subject string, payload []byte, sig string) {
		err := v.Verify(subject, payload, sig)
		if err == nil && (sig != good || subject != "auth.a" || string(payload) != "payload") {
			// ECDSA signatures are randomised: an accepted signature
			// other than ours would be a forgery.
			t.Fatalf("accepted %q for %q %q", sig, subject, payload)
		}
	})
}
