package directory_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/pkg/readmodel/directory"
)

// A document made from an event has the times the store keeps
// (milliseconds), so a webhook's data and the API's answer read back from
// the store are the same JSON.
func TestDocumentsFromEventsHaveTheStoresTimes(t *testing.T) {
	at := time.Date(2026, 12, 7, 2, 29, 42, 608669169, time.UTC)
	want := time.Date(2026, 12, 7, 2, 29, 42, 608000000, time.UTC)
	meta := &eventsv1.EventMeta{EventId: "e1", OccurredAt: timestamppb.New(at), AggregateId: "a1", Version: 1}
	a := directory.AccountFromEvent(&eventsv1.AccountChanged{Meta: meta, Account: &eventsv1.Account{AccountId: "a1", CreatedAt: timestamppb.New(at)}})
	r := directory.ResellerFromEvent(&eventsv1.ResellerChanged{Meta: meta, Reseller: &eventsv1.Reseller{ResellerId: "r1"}})
	for name, got := range map[string]time.Time{"account created": a.CreatedAt, "account updated": a.UpdatedAt,
		"reseller created": r.CreatedAt, "reseller updated": r.UpdatedAt} {
		if !got.Equal(want) {
			t.Errorf("%s at %s, want %s", name, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
		}
	}
}
