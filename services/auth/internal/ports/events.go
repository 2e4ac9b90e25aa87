package ports

import (
	"context"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/services/auth/internal/app"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// RegisterEvents adds auth's event handlers to bus: auth learns which
// resellers exist, and their names, from the directory's events.
func RegisterEvents(bus *eventbus.Bus, application app.Application) error {
	return eventbus.Handle(bus, "resellers", subjects.ResellersChanged, func(ctx context.Context, e *eventsv1.ResellerChanged) error {
		return eventbus.Outcome(application.Commands.ApplyReseller.Handle(ctx, ResellerFromEvent(e)))
	})
}

// ResellerFromEvent takes what auth needs from a reseller event that
// passed rules.ResellerChanged (the bus checks every event first).
func ResellerFromEvent(e *eventsv1.ResellerChanged) domain.Reseller {
	r := e.GetReseller()
	return domain.Reseller{ID: r.GetResellerId(), Name: r.GetName(), Version: e.GetMeta().GetVersion()}
}
