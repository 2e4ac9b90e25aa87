package ports

import (
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

func TestResellerFromEvent(t *testing.T) {
	r := ResellerFromEvent(&eventsv1.ResellerChanged{
		Meta:     &eventsv1.EventMeta{EventId: "e1", OccurredAt: timestamppb.Now(), AggregateId: "r1", Version: 2},
		Reseller: &eventsv1.Reseller{ResellerId: "r1", Name: "One"},
	})
	if r.ID != "r1" || r.Name != "One" || r.Version != 2 {
		t.Fatalf("got %+v", r)
	}
}
