// Package ports translates the directory's inputs, the back-office's
// events, into application calls.
package ports

import (
	"context"
	"errors"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/services/directory/internal/app"
	"github.com/resellerapi/platform/services/directory/internal/domain"
)

// EventHandlers feeds the back-office's events to the application.
type EventHandlers struct {
	app app.Application
}

// Register adds the directory's handlers to bus. The bus hands them only
// events that pass their rules (proto-events/rules) and dead-letters the
// others with the reason.
func Register(bus *eventbus.Bus, application app.Application) error {
	h := EventHandlers{app: application}
	return errors.Join(
		eventbus.Handle(bus, "accounts", subjects.AccountsChanged, h.AccountChanged),
		eventbus.Handle(bus, "resellers", subjects.ResellersChanged, h.ResellerChanged),
	)
}

// AccountChanged projects an account event.
func (h EventHandlers) AccountChanged(ctx context.Context, e *eventsv1.AccountChanged) error {
	return eventbus.Outcome(h.app.Commands.ApplyAccount.Handle(ctx, AccountFromEvent(e)))
}

// ResellerChanged projects a reseller event.
func (h EventHandlers) ResellerChanged(ctx context.Context, e *eventsv1.ResellerChanged) error {
	return eventbus.Outcome(h.app.Commands.ApplyReseller.Handle(ctx, ResellerFromEvent(e)))
}

// AccountFromEvent maps an event that passed rules.AccountChanged.
func AccountFromEvent(e *eventsv1.AccountChanged) domain.Account {
	a := e.GetAccount()
	updated := e.GetMeta().GetOccurredAt()
	return domain.Account{
		ID: a.GetAccountId(), ResellerID: a.GetResellerId(), Name: a.GetName(), Email: a.GetEmail(),
		Phone: a.GetPhone(), Country: a.GetCountry(),
		Status:    domain.AccountStatus(strings.ToLower(strings.TrimPrefix(a.GetStatus().String(), "ACCOUNT_STATUS_"))),
		CreatedAt: createdAt(a.GetCreatedAt(), updated).AsTime(), UpdatedAt: updated.AsTime(),
		Version: e.GetMeta().GetVersion(),
	}
}

// ResellerFromEvent maps an event that passed rules.ResellerChanged.
func ResellerFromEvent(e *eventsv1.ResellerChanged) domain.Reseller {
	r := e.GetReseller()
	updated := e.GetMeta().GetOccurredAt()
	return domain.Reseller{
		ID: r.GetResellerId(), ParentID: r.GetParentId(), Name: r.GetName(), Domain: r.GetDomain(),
		Currency: r.GetCurrency(), Country: r.GetCountry(), Email: r.GetEmail(), PriceListID: r.GetPriceListId(),
		CreatedAt: createdAt(r.GetCreatedAt(), updated).AsTime(), UpdatedAt: updated.AsTime(),
		Version: e.GetMeta().GetVersion(),
	}
}

// createdAt is the back-office's creation time, or the event's time when
// the back-office did not send one.
func createdAt(created, occurred *timestamppb.Timestamp) *timestamppb.Timestamp {
	if created != nil {
		return created
	}
	return occurred
}
