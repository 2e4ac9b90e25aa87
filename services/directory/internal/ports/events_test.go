package ports

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/readmodel/directory"
)

func accountEvent() *eventsv1.AccountChanged {
	return &eventsv1.AccountChanged{
		Meta: &eventsv1.EventMeta{EventId: "e1", OccurredAt: timestamppb.New(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)), AggregateId: "a1", Version: 4},
		Account: &eventsv1.Account{AccountId: "a1", ResellerId: "r1", Name: "Acme", Country: "GR",
			Status: eventsv1.AccountStatus_ACCOUNT_STATUS_SUSPENDED, CreatedAt: timestamppb.New(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))},
	}
}

func TestAccountFromEvent(t *testing.T) {
	a := directory.AccountFromEvent(accountEvent())
	if a.ID != "a1" || a.ResellerID != "r1" || a.Status != "suspended" || a.Version != 4 ||
		a.CreatedAt.Year() != 2025 || a.UpdatedAt.Month() != time.March {
		t.Errorf("account = %+v", a)
	}
	noCreated := accountEvent()
	noCreated.Account.CreatedAt = nil
	if a := directory.AccountFromEvent(noCreated); !a.CreatedAt.Equal(a.UpdatedAt) {
		t.Errorf("without created_at, CreatedAt = %v, want the event time %v", a.CreatedAt, a.UpdatedAt)
	}
	for status, want := range map[eventsv1.AccountStatus]string{
		eventsv1.AccountStatus_ACCOUNT_STATUS_ACTIVE: "active", eventsv1.AccountStatus_ACCOUNT_STATUS_CLOSED: "closed",
	} {
		e := accountEvent()
		e.Account.Status = status
		if got := directory.AccountFromEvent(e).Status; got != want {
			t.Errorf("status %v -> %q, want %q", status, got, want)
		}
	}
}

func TestResellerFromEvent(t *testing.T) {
	r := directory.ResellerFromEvent(&eventsv1.ResellerChanged{
		Meta:     &eventsv1.EventMeta{EventId: "e1", OccurredAt: timestamppb.Now(), AggregateId: "r2", Version: 3},
		Reseller: &eventsv1.Reseller{ResellerId: "r2", ParentId: "r1", Name: "Two", Currency: "EUR", Country: "CY", Email: "a@b.example"},
	})
	if r.ID != "r2" || r.ParentID != "r1" || r.Currency != "EUR" || r.Country != "CY" || r.Version != 3 || r.CreatedAt.IsZero() {
		t.Errorf("reseller = %+v", r)
	}
}

// Whatever passes the rules maps to a complete document.
func FuzzAccountEvent(f *testing.F) {
	good, _ := proto.Marshal(accountEvent())
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte("\x0a\x02\x08\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var e eventsv1.AccountChanged
		if proto.Unmarshal(data, &e) != nil || subjects.Accounts.Check(&e) != nil {
			return
		}
		a := directory.AccountFromEvent(&e)
		if !slices.Contains([]string{"active", "suspended", "closed"}, a.Status) ||
			a.CreatedAt.IsZero() || a.UpdatedAt.IsZero() || a.ID == "" || a.ResellerID == "" {
			t.Fatalf("incomplete account %+v from a valid event", a)
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
		if proto.Unmarshal(data, &e) != nil || subjects.Resellers.Check(&e) != nil {
			return
		}
		if r := directory.ResellerFromEvent(&e); r.ID == "" || r.Name == "" || r.CreatedAt.IsZero() || r.UpdatedAt.IsZero() {
			t.Fatalf("incomplete reseller %+v from a valid event", r)
		}
	})
}
