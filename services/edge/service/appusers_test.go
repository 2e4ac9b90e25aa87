package service_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/testkit"
)

// announceUser publishes an Application User's state as auth does.
func announceUser(t *testing.T, user string, version int64, status eventsv1.AppUserStatus, notBefore time.Time) {
	t.Helper()
	bus, err := connectAuth()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	u := &eventsv1.AppUser{UserId: user, ResellerId: "r1", Status: status}
	if !notBefore.IsZero() {
		u.TokensNotBefore = timestamppb.New(notBefore)
	}
	if err := bus.Publish(context.Background(), eventbus.On(subjects.AppUsers, &eventsv1.AppUserChanged{
		Meta: &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: user, Version: version},
		User: u,
	})); err != nil {
		t.Fatal(err)
	}
}

func TestDisabledDeletedAndRepasswordedUsersTokensAreRefusedOnEveryReplica(t *testing.T) {
	t.Parallel()
	e := start(t)
	second := e.replica(t)
	user, other := "user-"+uuid.NewString()[:8], "user-"+uuid.NewString()[:8]
	old := time.Now().Add(-2 * time.Minute)
	token := e.tokens.mintFor(t, "r1", user, "accounts:read", old, 10*time.Minute)
	bystander := e.tokens.mintFor(t, "r1", other, "accounts:read", old, 10*time.Minute)
	status := func(base, tok string) int { return bearerStatus(t, base, tok) }
	everywhere := func(tok string, want int) func() bool {
		return func() bool { return status(e.srv.URL, tok) == want && status(second.url, tok) == want }
	}
	if !everywhere(token, 200)() {
		t.Fatal("the user's token is not accepted to begin with")
	}

	announceUser(t, user, 2, eventsv1.AppUserStatus_APP_USER_STATUS_DISABLED, time.Now())
	testkit.Eventually(t, 5*time.Second, everywhere(token, 401), "a disabled user's token is still accepted")
	if !everywhere(bystander, 200)() {
		t.Error("another user's token is refused")
	}

	// Enabled again after a password change a minute ago: the old token
	// stays refused, one issued since is accepted.
	announceUser(t, user, 3, eventsv1.AppUserStatus_APP_USER_STATUS_ACTIVE, time.Now().Add(-time.Minute))
	fresh := e.tokens.mintFor(t, "r1", user, "accounts:read", time.Now(), 10*time.Minute)
	testkit.Eventually(t, 5*time.Second, everywhere(fresh, 200), "a token issued after the password change is refused")
	if !everywhere(token, 401)() {
		t.Error("a token issued before the password change is accepted")
	}
	// An older event arriving late changes nothing.
	announceUser(t, user, 2, eventsv1.AppUserStatus_APP_USER_STATUS_DISABLED, time.Now())

	announceUser(t, user, 4, eventsv1.AppUserStatus_APP_USER_STATUS_DELETED, time.Now().Add(-time.Minute))
	testkit.Eventually(t, 5*time.Second, everywhere(fresh, 401), "a deleted user's token is still accepted")

	// A replica started now learns all of it from the stream.
	third := e.replica(t)
	if status(third.url, fresh) != 401 || status(third.url, bystander) != 200 {
		t.Error("a new replica does not refuse the deleted user's token")
	}
}

func TestRevokedTokensAreRefusedOnEveryReplica(t *testing.T) {
	t.Parallel()
	e := start(t)
	second := e.replica(t)
	token := e.tokens.mint(t, "r1", "accounts:read", 10*time.Minute)
	other := e.tokens.mint(t, "r1", "accounts:read", 10*time.Minute)
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &claims); err != nil || claims.ID == "" {
		t.Fatalf("minted token: %v %+v", err, claims)
	}
	get := func(base, tok string) int { return bearerStatus(t, base, tok) }
	if get(e.srv.URL, token) != 200 || get(second.url, token) != 200 {
		t.Fatal("the token is not accepted to begin with")
	}
	bus, err := connectAuth()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	if err := bus.Publish(context.Background(), eventbus.On(subjects.RevokedAccessTokens, &eventsv1.AccessTokenRevoked{
		Meta:    &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: claims.ID, Version: 1},
		TokenId: claims.ID, UserId: claims.Subject, ResellerId: "r1", ExpiresAt: timestamppb.New(claims.ExpiresAt.Time),
	})); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	testkit.Eventually(t, 5*time.Second, func() bool { return get(e.srv.URL, token) == 401 && get(second.url, token) == 401 },
		"a revoked token is still accepted")
	t.Logf("revocation refused by both replicas %v after its event", time.Since(start).Round(time.Millisecond))
	if get(e.srv.URL, other) != 200 || get(second.url, other) != 200 {
		t.Error("another token is refused")
	}
}

// bearerStatus is the status of GET /api/accounts on the edge at base
// with access token tok.
func bearerStatus(t *testing.T, base, tok string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/accounts", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func TestTokensOfRotatedClientKeysAreRefusedOnEveryReplicaAfterTheirGrace(t *testing.T) {
	t.Parallel()
	e := start(t)
	second := e.replica(t)
	suffix := uuid.NewString()[:8]
	oldKey, graced, current := "rapi_old-"+suffix, "rapi_graced-"+suffix, "rapi_new-"+suffix
	mint := func(client string) string {
		return e.tokens.mintWith(t, client, "r1", "user-"+suffix, "accounts:read", time.Now().Add(-time.Minute), 10*time.Minute)
	}
	oldToken, gracedToken, currentToken := mint(oldKey), mint(graced), mint(current)
	everywhere := func(tok string, want int) func() bool {
		return func() bool {
			return bearerStatus(t, e.srv.URL, tok) == want && bearerStatus(t, second.url, tok) == want
		}
	}
	for _, tok := range []string{oldToken, gracedToken, currentToken} {
		if !everywhere(tok, 200)() {
			t.Fatal("a token is not accepted to begin with")
		}
	}

	// Rotated twice: the first key without grace, the second with an hour.
	bus, err := connectAuth()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	reseller := "r1-" + suffix
	if err := bus.Publish(context.Background(), eventbus.On(subjects.APICredentials, &eventsv1.ApiCredentialsChanged{
		Meta: &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: reseller, Version: 3},
		Credentials: &eventsv1.ApiCredentials{ResellerId: reseller, ClientId: current, Retired: []*eventsv1.RetiredClient{
			{ClientId: graced, NotAfter: timestamppb.New(time.Now().Add(time.Hour))},
			{ClientId: oldKey, NotAfter: timestamppb.Now()},
		}},
	})); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	testkit.Eventually(t, 5*time.Second, everywhere(oldToken, 401), "a token of a key past its grace is still accepted")
	t.Logf("rotation refused by both replicas %v after its event", time.Since(start).Round(time.Millisecond))
	if !everywhere(gracedToken, 200)() || !everywhere(currentToken, 200)() {
		t.Error("a token of a key in its grace, or of the current key, is refused")
	}

	// A replica started now learns it from the stream.
	third := e.replica(t)
	if bearerStatus(t, third.url, oldToken) != 401 || bearerStatus(t, third.url, currentToken) != 200 {
		t.Error("a new replica does not refuse the retired key's token")
	}
}

func TestTokensOfAWithdrawnSigningKeyAreRefusedOnEveryReplica(t *testing.T) {
	t.Parallel()
	e := start(t)
	second := e.replica(t)
	token := e.tokens.mint(t, "r1", "accounts:read", 10*time.Minute)
	everywhere := func(want int) func() bool {
		return func() bool {
			return bearerStatus(t, e.srv.URL, token) == want && bearerStatus(t, second.url, token) == want
		}
	}
	if !everywhere(200)() {
		t.Fatal("the token is not accepted to begin with") // and now cached as verified on both
	}
	bus, err := connectAuth()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	kid := e.tokens.KeyID
	if err := bus.Publish(context.Background(), eventbus.On(subjects.SigningKeys, &eventsv1.SigningKeyChanged{
		Meta: &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: kid, Version: 2},
		Key:  &eventsv1.SigningKey{KeyId: kid, SignsFrom: timestamppb.New(time.Now().Add(-time.Hour)), WithdrawnAt: timestamppb.Now()},
	})); err != nil {
		t.Fatal(err)
	}
	// The JWKS stand-in still publishes the key: the event alone refuses it.
	testkit.Eventually(t, 5*time.Second, everywhere(401), "a token of a withdrawn key is still accepted")
	if third := e.replica(t); bearerStatus(t, third.url, e.tokens.mint(t, "r1", "accounts:read", time.Minute)) != 401 {
		t.Error("a replica started later accepts a withdrawn key's token")
	}
}
