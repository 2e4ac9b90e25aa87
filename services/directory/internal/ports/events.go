// Package ports translates the directory's inputs, the back-office's
// events, into application calls.
package ports

import (
	"context"
	"errors"
	"fmt"
	"time"

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

// Register adds the directory's handlers to bus.
func Register(bus *eventbus.Bus, application app.Application) error {
	h := EventHandlers{app: application}
	return errors.Join(
		eventbus.Handle(bus, "accounts", subjects.AccountChanged, h.AccountChanged),
		eventbus.Handle(bus, "resellers", subjects.ResellerChanged, h.ResellerChanged),
	)
}

// AccountChanged projects an account event.
func (h EventHandlers) AccountChanged(ctx context.Context, e *eventsv1.AccountChanged) error {
	a, err := AccountFromEvent(e)
	if err != nil {
		return eventbus.Permanent(err)
	}
	return eventbus.Outcome(h.app.Commands.ApplyAccount.Handle(ctx, a))
}

// ResellerChanged projects a reseller event.
func (h EventHandlers) ResellerChanged(ctx context.Context, e *eventsv1.ResellerChanged) error {
	r, err := ResellerFromEvent(e)
	if err != nil {
		return eventbus.Permanent(err)
	}
	return eventbus.Outcome(h.app.Commands.ApplyReseller.Handle(ctx, r))
}

// AccountFromEvent turns an event into a validated account.
func AccountFromEvent(e *eventsv1.AccountChanged) (domain.Account, error) {
	a := e.GetAccount()
	if a == nil {
		return domain.Account{}, fmt.Errorf("%w: event carries no account", domain.ErrInvalid)
	}
	if err := sameAggregate(e.GetMeta(), a.GetAccountId()); err != nil {
		return domain.Account{}, err
	}
	status, err := accountStatus(a.GetStatus())
	if err != nil {
		return domain.Account{}, err
	}
	updated := e.GetMeta().GetOccurredAt()
	return domain.NewAccount(domain.Account{
		ID: a.GetAccountId(), ResellerID: a.GetResellerId(), Name: a.GetName(), Email: a.GetEmail(),
		Phone: a.GetPhone(), Country: a.GetCountry(), Status: status,
		CreatedAt: createdAt(a.GetCreatedAt(), updated), UpdatedAt: asTime(updated),
		Version: e.GetMeta().GetVersion(),
	})
}

// ResellerFromEvent turns an event into a validated reseller.
func ResellerFromEvent(e *eventsv1.ResellerChanged) (domain.Reseller, error) {
	r := e.GetReseller()
	if r == nil {
		return domain.Reseller{}, fmt.Errorf("%w: event carries no reseller", domain.ErrInvalid)
	}
	if err := sameAggregate(e.GetMeta(), r.GetResellerId()); err != nil {
		return domain.Reseller{}, err
	}
	updated := e.GetMeta().GetOccurredAt()
	return domain.NewReseller(domain.Reseller{
		ID: r.GetResellerId(), ParentID: r.GetParentId(), Name: r.GetName(), Domain: r.GetDomain(),
		Currency: r.GetCurrency(), Country: r.GetCountry(), Email: r.GetEmail(),
		CreatedAt: createdAt(r.GetCreatedAt(), updated), UpdatedAt: asTime(updated),
		Version: e.GetMeta().GetVersion(),
	})
}

func sameAggregate(meta *eventsv1.EventMeta, id string) error {
	if meta.GetAggregateId() != id {
		return fmt.Errorf("%w: meta.aggregate_id %q differs from the id %q in the event", domain.ErrInvalid, meta.GetAggregateId(), id)
	}
	return nil
}

func accountStatus(s eventsv1.AccountStatus) (domain.AccountStatus, error) {
	switch s {
	case eventsv1.AccountStatus_ACCOUNT_STATUS_ACTIVE:
		return domain.AccountActive, nil
	case eventsv1.AccountStatus_ACCOUNT_STATUS_SUSPENDED:
		return domain.AccountSuspended, nil
	case eventsv1.AccountStatus_ACCOUNT_STATUS_CLOSED:
		return domain.AccountClosed, nil
	}
	return "", fmt.Errorf("%w: account status %v is not active, suspended or closed", domain.ErrInvalid, s)
}

// asTime converts a valid timestamp; an invalid or missing one becomes the
// zero time, which the domain refuses.
func asTime(ts *timestamppb.Timestamp) time.Time {
	if ts == nil || ts.CheckValid() != nil {
		return time.Time{}
	}
	return ts.AsTime()
}

// createdAt is the back-office's creation time, or the event's time when
// the back-office did not send one.
func createdAt(created, occurred *timestamppb.Timestamp) time.Time {
	if created != nil {
		return asTime(created)
	}
	return asTime(occurred)
}
