package ports

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/services/auth/internal/domain"
)

func TestResellerFromEvent(t *testing.T) {
	e := &eventsv1.ResellerChanged{
		Meta:     &eventsv1.EventMeta{EventId: "e1", OccurredAt: timestamppb.Now(), AggregateId: "r1", Version: 2},
		Reseller: &eventsv1.Reseller{ResellerId: "r1", Name: "One"},
	}
	r, err := ResellerFromEvent(e)
	if err != nil || r.ID != "r1" || r.Name != "One" || r.Version != 2 {
		t.Fatalf("got %+v, %v", r, err)
	}
	e.Meta.AggregateId = "r2"
	if _, err := ResellerFromEvent(e); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("other aggregate: err = %v", err)
	}
}

func FuzzResellerEvent(f *testing.F) {
	good, _ := proto.Marshal(&eventsv1.ResellerChanged{
		Meta:     &eventsv1.EventMeta{EventId: "e1", OccurredAt: timestamppb.Now(), AggregateId: "r1", Version: 1},
		Reseller: &eventsv1.Reseller{ResellerId: "r1", Name: "One"},
	})
	f.Add(good)
	f.Add([]byte{0x12, 0x02, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		var e eventsv1.ResellerChanged
		if proto.Unmarshal(data, &e) != nil {
			return
		}
		r, err := ResellerFromEvent(&e)
		if err != nil {
			if !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("error not marked invalid: %v", err)
			}
			return
		}
		if _, err := domain.NewReseller(r.ID, r.Name, r.Version); err != nil {
			t.Fatalf("accepted an invalid reseller: %v", err)
		}
	})
}
