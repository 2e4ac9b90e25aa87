package accesstoken

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

const issuer = "https://api.test"

type signer struct {
	key *ecdsa.PrivateKey
	kid string
}

func newSigner(t *testing.T) signer {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: key.Public()}
	tp, _ := jwk.Thumbprint(crypto.SHA256)
	return signer{key: key, kid: base64.RawURLEncoding.EncodeToString(tp)}
}

func (s signer) jwk() jose.JSONWebKey {
	return jose.JSONWebKey{Key: s.key.Public(), KeyID: s.kid, Algorithm: Algorithm, Use: "sig"}
}

func (s signer) token(t *testing.T, claims jwt.MapClaims) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = s.kid
	tok.Header["typ"] = TokenType
	if typ, ok := claims["typ_header"]; ok { // a test's override
		delete(claims, "typ_header")
		tok.Header["typ"] = typ
	}
	raw, err := tok.SignedString(s.key)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func claims(mutate func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"iss": issuer, "aud": Audience(issuer), "sub": "u1", "rid": "r1", "client_id": "c1", "scope": "accounts:read products:read",
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	if mutate != nil {
		mutate(c)
	}
	return c
}

// jwksServer publishes keys and counts how often it was asked.
func jwksServer(t *testing.T, keys *atomic.Pointer[[]jose.JSONWebKey], hits *atomic.Int32) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: *keys.Load()})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestVerify(t *testing.T) {
	s := newSigner(t)
	var keys atomic.Pointer[[]jose.JSONWebKey]
	keys.Store(&[]jose.JSONWebKey{s.jwk()})
	var hits atomic.Int32
	v := NewVerifier(NewRemoteKeySet(jwksServer(t, &keys, &hits), nil), issuer, 5*time.Second)

	c, err := v.Verify(context.Background(), s.token(t, claims(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if c.ResellerID != "r1" || c.Subject != "u1" || !c.HasScope(ScopeAccountsRead) || c.HasScope(ScopeInvoicesRead) || c.KeyID != s.kid ||
		!slices.Equal(c.Scopes, []string{ScopeAccountsRead, ScopeProductsRead}) {
		t.Errorf("claims = %+v", c)
	}

	other := newSigner(t)
	for name, raw := range map[string]string{
		"expired":        s.token(t, claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() })),
		"no expiry":      s.token(t, claims(func(c jwt.MapClaims) { delete(c, "exp") })),
		"other issuer":   s.token(t, claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.test" })),
		"no reseller":    s.token(t, claims(func(c jwt.MapClaims) { delete(c, "rid") })),
		"issued later":   s.token(t, claims(func(c jwt.MapClaims) { c["iat"] = time.Now().Add(time.Hour).Unix() })),
		"no iat":         s.token(t, claims(func(c jwt.MapClaims) { delete(c, "iat") })),
		"lives too long": s.token(t, claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(MaxLifetime + time.Minute).Unix() })),
		"no audience":    s.token(t, claims(func(c jwt.MapClaims) { delete(c, "aud") })),
		"other audience": s.token(t, claims(func(c jwt.MapClaims) { c["aud"] = "https://other.test/api" })),
		"typ JWT":        s.token(t, claims(func(c jwt.MapClaims) { c["typ_header"] = "JWT" })),
		"unknown key":    other.token(t, claims(nil)),
		"hs256":          hs256(t),
		"garbage":        "a.b.c",
		"empty":          "",
		"tampered claim": tamper(s.token(t, claims(nil))),
	} {
		if _, err := v.Verify(context.Background(), raw); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	// Unknown key ids refetch the JWKS at most once per minimum interval
	// (10s): made-up key ids cannot flood the auth service.
	if n := hits.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1", n)
	}
}

func TestRotatedKeyIsPickedUp(t *testing.T) {
	old, next := newSigner(t), newSigner(t)
	var keys atomic.Pointer[[]jose.JSONWebKey]
	keys.Store(&[]jose.JSONWebKey{old.jwk()})
	var hits atomic.Int32
	set := NewRemoteKeySet(jwksServer(t, &keys, &hits), nil)
	set.minRefresh = 0
	v := NewVerifier(set, issuer, 5*time.Second)
	if _, err := v.Verify(context.Background(), old.token(t, claims(nil))); err != nil {
		t.Fatal(err)
	}
	keys.Store(&[]jose.JSONWebKey{next.jwk(), old.jwk()})
	if _, err := v.Verify(context.Background(), next.token(t, claims(nil))); err != nil {
		t.Fatalf("token of the new key: %v", err)
	}
	if _, err := v.Verify(context.Background(), old.token(t, claims(nil))); err != nil {
		t.Fatalf("token of the old key during rotation: %v", err)
	}
}

func TestRemovedKeyStopsVerifyingAfterMaxAge(t *testing.T) {
	old, next := newSigner(t), newSigner(t)
	var keys atomic.Pointer[[]jose.JSONWebKey]
	keys.Store(&[]jose.JSONWebKey{old.jwk(), next.jwk()})
	var hits atomic.Int32
	url := jwksServer(t, &keys, &hits)
	clock := time.Now()
	set := NewRemoteKeySet(url, nil)
	set.now = func() time.Time { return clock }
	v := NewVerifier(set, issuer, 5*time.Second)
	if _, err := v.Verify(context.Background(), old.token(t, claims(nil))); err != nil {
		t.Fatal(err)
	}
	keys.Store(&[]jose.JSONWebKey{next.jwk()}) // auth retires the old key
	if _, err := v.Verify(context.Background(), old.token(t, claims(nil))); err != nil {
		t.Errorf("retired key refused before the cache expired: %v", err)
	}
	clock = clock.Add(set.maxAge + time.Second)
	// The stale cache is refreshed in the background: the retired key stops
	// verifying once the refresh is in.
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := v.Verify(context.Background(), old.token(t, claims(nil)))
		if errors.Is(err, ErrInvalid) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("token of a retired key still accepted after the cache's max age: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := v.Verify(context.Background(), next.token(t, claims(nil))); err != nil {
		t.Errorf("token of the current key: %v", err)
	}

	// With auth unreachable, the cached keys keep working.
	unreachable := NewRemoteKeySet(url, nil)
	unreachable.now = func() time.Time { return clock }
	v = NewVerifier(unreachable, issuer, 5*time.Second)
	if _, err := v.Verify(context.Background(), next.token(t, claims(nil))); err != nil {
		t.Fatal(err)
	}
	unreachable.url = "http://127.0.0.1:1/jwks.json"
	clock = clock.Add(unreachable.maxAge + time.Second)
	if _, err := v.Verify(context.Background(), next.token(t, claims(nil))); err != nil {
		t.Errorf("cached key while auth is unreachable: %v", err)
	}
}

func hs256(t *testing.T) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil))
	tok.Header["kid"] = "k"
	raw, _ := tok.SignedString([]byte("secret"))
	return raw
}

func tamper(raw string) string {
	parts := strings.Split(raw, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = []byte(strings.Replace(string(payload), `"rid":"r1"`, `"rid":"r2"`, 1))
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}

func FuzzVerify(f *testing.F) {
	f.Add("eyJhbGciOiJFUzI1NiIsImtpZCI6ImsifQ.eyJzdWIiOiJ4In0.c2ln")
	f.Add("a.b.c")
	v := NewVerifier(keySetFunc(func(context.Context, string) (any, error) { return nil, ErrUnknownKey }), issuer, 0)
	f.Fuzz(func(t *testing.T, raw string) {
		if _, err := v.Verify(context.Background(), raw); err == nil {
			t.Fatalf("accepted %q without any key", raw)
		}
	})
}

type keySetFunc func(context.Context, string) (any, error)

func (f keySetFunc) Key(ctx context.Context, kid string) (any, error) { return f(ctx, kid) }

// While auth is down, requests do not each try to fetch the JWKS: at most
// one fetch per minimum interval, and the cached keys keep verifying.
func TestUnreachableAuthIsAskedOncePerInterval(t *testing.T) {
	s := newSigner(t)
	var hits atomic.Int32
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		if down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{s.jwk()}})
	}))
	t.Cleanup(srv.Close)
	clock := time.Now()
	var mu sync.Mutex
	set := NewRemoteKeySet(srv.URL, nil)
	set.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	v := NewVerifier(set, issuer, 5*time.Second)
	if _, err := v.Verify(context.Background(), s.token(t, claims(nil))); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	mu.Lock()
	clock = clock.Add(set.maxAge + time.Second)
	mu.Unlock()
	unknown := newSigner(t)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := v.Verify(context.Background(), s.token(t, claims(nil))); err != nil {
				t.Errorf("cached key refused while auth is down: %v", err)
			}
		}()
		go func() {
			defer wg.Done()
			_, _ = v.Verify(context.Background(), unknown.token(t, claims(nil)))
		}()
	}
	wg.Wait()
	if n := hits.Load(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2 (the first fetch, then one attempt while down)", n)
	}
}

// A slow JWKS fetch does not hold up requests whose key is cached.
func TestSlowFetchDoesNotBlockCachedKeys(t *testing.T) {
	s := newSigner(t)
	release := make(chan struct{})
	var slow atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if slow.Load() {
			<-release
		}
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{s.jwk()}})
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	set := NewRemoteKeySet(srv.URL, nil)
	set.minRefresh = 0
	v := NewVerifier(set, issuer, 5*time.Second)
	if _, err := v.Verify(context.Background(), s.token(t, claims(nil))); err != nil {
		t.Fatal(err)
	}
	slow.Store(true)
	// A token with an unknown key id starts a fetch that hangs ...
	go func() { _, _ = v.Verify(context.Background(), newSigner(t).token(t, claims(nil))) }()
	time.Sleep(50 * time.Millisecond)
	// ... while tokens of the cached key verify at once.
	done := make(chan error, 1)
	go func() { _, err := v.Verify(context.Background(), s.token(t, claims(nil))); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("verification with a cached key waited for the JWKS fetch")
	}
}

type countingVerifier struct {
	v     *Verifier
	calls atomic.Int32
}

func (c *countingVerifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	c.calls.Add(1)
	return c.v.Verify(ctx, raw)
}

func TestCacheVerifiesATokenOnceUntilItExpires(t *testing.T) {
	s := newSigner(t)
	var keys atomic.Pointer[[]jose.JSONWebKey]
	keys.Store(&[]jose.JSONWebKey{s.jwk()})
	var hits atomic.Int32
	next := &countingVerifier{v: NewVerifier(NewRemoteKeySet(jwksServer(t, &keys, &hits), nil), issuer, 0)}
	cache := NewCache(next, 4)
	clock := time.Now()
	cache.now = func() time.Time { return clock }

	token := s.token(t, claims(nil)) // expires in a minute
	for range 5 {
		c, err := cache.Verify(context.Background(), token)
		if err != nil || c.ResellerID != "r1" {
			t.Fatalf("cached verify: %v %v", c, err)
		}
	}
	if n := next.calls.Load(); n != 1 {
		t.Errorf("verified %d times, want 1", n)
	}
	// Refused tokens are not kept, and are refused every time.
	for range 3 {
		if _, err := cache.Verify(context.Background(), tamper(token)); !errors.Is(err, ErrInvalid) {
			t.Errorf("tampered token: err = %v", err)
		}
	}
	if cache.Len() != 1 {
		t.Errorf("cache holds %d tokens, want 1", cache.Len())
	}
	// Past its expiry (by the cache's clock) the token is not taken from
	// the cache: it goes to the verifier again.
	clock = clock.Add(2 * time.Minute)
	_, _ = cache.Verify(context.Background(), token)
	if n := next.calls.Load(); n != 5 {
		t.Errorf("verifier calls = %d, want 5 (1 + 3 refused + 1 after expiry)", n)
	}
	// The cache stays bounded.
	clock = time.Now()
	for i := range 20 {
		_, _ = cache.Verify(context.Background(), s.token(t, claims(func(c jwt.MapClaims) { c["jti"] = i })))
	}
	if n := cache.Len(); n > 4 {
		t.Errorf("cache holds %d tokens, bound is 4", n)
	}
}

func TestIssuedBefore(t *testing.T) {
	cut := time.Date(2026, 11, 28, 12, 0, 0, 700_000_000, time.UTC)
	for issued, want := range map[time.Time]bool{
		cut.Add(-time.Minute):           true,
		cut.Truncate(time.Second):       true,  // the same second: cut off too
		cut.Add(300 * time.Millisecond): false, // the next second
	} {
		if got := IssuedBefore(issued, cut); got != want {
			t.Errorf("IssuedBefore(%v, %v) = %v, want %v", issued, cut, got, want)
		}
	}
	if IssuedBefore(cut, time.Time{}) {
		t.Error("a zero cut-off cut a token off")
	}
}

func TestTheCacheKeyIsTheTokensSHA256(t *testing.T) {
	for _, n := range []int{0, 600, 2048, 2049, 5000} {
		raw := strings.Repeat("x", n)
		if digest(raw) != sha256.Sum256([]byte(raw)) {
			t.Errorf("digest of %d bytes is not their SHA-256", n)
		}
	}
}
