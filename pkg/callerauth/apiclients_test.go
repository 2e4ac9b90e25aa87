package callerauth

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

func TestAPIClientsApplyInAnyOrder(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	s := NewAPIClients()
	s.now = func() time.Time { return now }
	rotated := func(retired map[string]time.Time) {
		c := &eventsv1.ApiCredentials{ResellerId: "r1", ClientId: "rapi_current"}
		for id, at := range retired {
			c.Retired = append(c.Retired, &eventsv1.RetiredClient{ClientId: id, NotAfter: timestamppb.New(at)})
		}
		_ = s.ApplyCredentials(context.Background(), &eventsv1.ApiCredentialsChanged{Credentials: c})
	}
	// The newer event (a's grace cut short) arrives before the older one.
	rotated(map[string]time.Time{"rapi_a": now.Add(-time.Minute), "rapi_b": now.Add(time.Hour)})
	rotated(map[string]time.Time{"rapi_a": now.Add(time.Hour)})
	issued := now.Add(-10 * time.Minute)
	if s.Refusal("rapi_a", issued) == "" {
		t.Error("a key whose grace was cut short is accepted")
	}
	if s.Refusal("rapi_b", issued) != "" || s.Refusal("rapi_current", issued) != "" {
		t.Error("a key in its grace, or the current key, is refused")
	}

	// Deactivations: the latest cut-off wins, whatever the order; an
	// activation changes nothing.
	deactivated := func(at time.Time) {
		_ = s.ApplyActivation(context.Background(), &eventsv1.ApiActivationChanged{Activation: &eventsv1.ApiActivation{TokensNotBefore: timestamppb.New(at)}})
	}
	deactivated(now.Add(-5 * time.Minute))
	deactivated(now.Add(-20 * time.Minute))
	_ = s.ApplyActivation(context.Background(), &eventsv1.ApiActivationChanged{Activation: &eventsv1.ApiActivation{Active: true}})
	if s.Refusal("rapi_current", issued) == "" {
		t.Error("a token issued before the latest deactivation is accepted")
	}
	if s.Refusal("rapi_current", now.Add(-4*time.Minute)) != "" {
		t.Error("a token issued after the latest deactivation is refused")
	}

	// Once every token of a retired key has expired, it is forgotten.
	now = now.Add(2 * time.Hour)
	rotated(nil)
	if s.Len() != 0 {
		t.Errorf("%d retired keys held after their tokens expired", s.Len())
	}
}

func TestTheLatestActivationCarriesTheLastDeactivation(t *testing.T) {
	// The AUTH stream keeps only the latest event of the activation: a
	// replica that starts after a re-activation learns the cut-off from it.
	cutoff := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	s := NewAPIClients()
	_ = s.ApplyActivation(context.Background(), &eventsv1.ApiActivationChanged{
		Activation: &eventsv1.ApiActivation{Active: true, TokensNotBefore: timestamppb.New(cutoff)}})
	if s.Refusal("rapi_x", cutoff.Add(-time.Minute)) == "" {
		t.Error("a token issued before the last deactivation is accepted")
	}
	if s.Refusal("rapi_x", cutoff.Add(time.Minute)) != "" {
		t.Error("a token issued after the re-activation is refused")
	}
}
