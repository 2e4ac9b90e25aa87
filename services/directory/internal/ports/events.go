// Package ports translates the directory's inputs, the back-office's
// events, into application calls.
package ports

import (
	"context"
	"errors"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/services/directory/internal/app"
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
		eventbus.Handle(bus, "accounts", subjects.Accounts, h.AccountChanged),
		eventbus.Handle(bus, "resellers", subjects.Resellers, h.ResellerChanged),
	)
}

// AccountChanged projects an account event.
func (h EventHandlers) AccountChanged(ctx context.Context, e *eventsv1.AccountChanged) error {
	return eventbus.Outcome(h.app.Commands.ApplyAccount.Handle(ctx, directory.AccountFromEvent(e)))
}

// ResellerChanged projects a reseller event.
func (h EventHandlers) ResellerChanged(ctx context.Context, e *eventsv1.ResellerChanged) error {
	return eventbus.Outcome(h.app.Commands.ApplyReseller.Handle(ctx, directory.ResellerFromEvent(e)))
}
