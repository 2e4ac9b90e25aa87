package ports

import (
	"errors"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/services/directory/internal/domain"
)

func accountEvent() *eventsv1.AccountChanged {
	return &eventsv1.AccountChanged{
		Meta: &eventsv1.EventMeta{EventId: "e1", OccurredAt: timestamppb.New(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)), AggregateId: "a1", Version: 4},
		Account: &eventsv1.Account{AccountId: "a1", ResellerId: "r1", Name: "Acme", Country: "GR",
			Status: eventsv1.AccountStatus_ACCOUNT_STATUS_SUSPENDED, CreatedAt: timestamppb.New(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))},
	}
}

func TestAccountFromEvent(t *testing.T) {
	a, err := AccountFromEvent(accountEvent())
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "a1" || a.Status != domain.AccountSuspended || a.Version != 4 || a.CreatedAt.Year() != 2025 || a.UpdatedAt.Month() != time.March {
		t.Errorf("account = %+v", a)
	}

	noCreated := accountEvent()
	noCreated.Account.CreatedAt = nil
	if a, _ := AccountFromEvent(noCreated); !a.CreatedAt.Equal(a.UpdatedAt) {
		t.Errorf("without created_at, CreatedAt = %v, want the event time %v", a.CreatedAt, a.UpdatedAt)
	}

	for name, mutate := range map[string]func(*eventsv1.AccountChanged){
		"no account":         func(e *eventsv1.AccountChanged) { e.Account = nil },
		"other aggregate":    func(e *eventsv1.AccountChanged) { e.Meta.AggregateId = "a2" },
		"unspecified status": func(e *eventsv1.AccountChanged) { e.Account.Status = 0 },
		"invalid timestamp":  func(e *eventsv1.AccountChanged) { e.Meta.OccurredAt = &timestamppb.Timestamp{Seconds: -1 << 62} },
		"invalid country":    func(e *eventsv1.AccountChanged) { e.Account.Country = "Greece" },
	} {
		e := accountEvent()
		mutate(e)
		if _, err := AccountFromEvent(e); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func FuzzAccountEvent(f *testing.F) {
	good, _ := proto.Marshal(accountEvent())
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte("\x0a\x02\x08\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var e eventsv1.AccountChanged
		if proto.Unmarshal(data, &e) != nil {
			return
		}
		a, err := AccountFromEvent(&e)
		if err != nil {
			if !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("error not marked invalid: %v", err)
			}
			return
		}
		if _, err := domain.NewAccount(a); err != nil {
			t.Fatalf("accepted an invalid account: %v", err)
		}
	})
}

func FuzzResellerEvent(f *testing.F) {
	good, _ := proto.Marshal(&eventsv1.ResellerChanged{
		Meta:     &eventsv1.EventMeta{EventId: "e1", OccurredAt: timestamppb.Now(), AggregateId: "r2", Version: 1},
		Reseller: &eventsv1.Reseller{ResellerId: "r2", ParentId: "r1", Name: "Two", Currency: "EUR"},
	})
	f.Add(good)
	f.Add([]byte{0x12, 0x00})
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
		if _, err := domain.NewReseller(r); err != nil {
			t.Fatalf("accepted an invalid reseller: %v", err)
		}
	})
}
