package callerauth

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

func TestRevokedTokensAreForgottenOnceExpired(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	r := NewRevokedTokens()
	r.now = func() time.Time { return now }
	revoke := func(jti string, expires time.Time) {
		_ = r.Apply(context.Background(), &eventsv1.AccessTokenRevoked{TokenId: jti, ExpiresAt: timestamppb.New(expires)})
	}
	revoke("live", now.Add(10*time.Minute))
	revoke("dead", now.Add(-time.Second))
	if !r.Revoked("live") || r.Revoked("dead") || r.Revoked("") || r.Len() != 1 {
		t.Fatalf("live %v dead %v len %d", r.Revoked("live"), r.Revoked("dead"), r.Len())
	}
	now = now.Add(15 * time.Minute) // "live" expired; the next event purges it
	revoke("later", now.Add(10*time.Minute))
	if r.Revoked("live") || !r.Revoked("later") || r.Len() != 1 {
		t.Errorf("after expiry: live %v later %v len %d", r.Revoked("live"), r.Revoked("later"), r.Len())
	}
}
