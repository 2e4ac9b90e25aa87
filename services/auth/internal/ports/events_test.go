package ports

import (
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/services/auth/internal/domain"
)

func TestResellerFromEvent(t *testing.T) {
	meta := &eventsv1.EventMeta{EventId: "e1", OccurredAt: timestamppb.Now(), AggregateId: "r1", Version: 2}
	r := ResellerFromEvent(&eventsv1.ResellerChanged{Meta: meta, Reseller: &eventsv1.Reseller{ResellerId: "r1", Name: "One"}})
	want := domain.Reseller{ID: "r1", Name: "One", Status: "active", Edition: "standard", Version: 2}
	if r != want {
		t.Fatalf("got %+v, want %+v (absent status and edition mean active and standard)", r, want)
	}
	r = ResellerFromEvent(&eventsv1.ResellerChanged{Meta: meta, Reseller: &eventsv1.Reseller{ResellerId: "r1", Name: "One",
		Status: eventsv1.ResellerStatus_RESELLER_STATUS_SUSPENDED, Edition: eventsv1.ResellerEdition_RESELLER_EDITION_FREE}})
	if r.Status != domain.ResellerSuspended || r.Edition != domain.EditionFree {
		t.Fatalf("got %+v, want suspended on the free edition", r)
	}
	if r.APIRefusal() == "" || (domain.Reseller{Status: "active", Edition: "standard"}).APIRefusal() != "" {
		t.Fatal("APIRefusal: a suspended reseller is refused, an active standard one is not")
	}
}
