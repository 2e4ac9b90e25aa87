package ports

import (
	"context"
	"fmt"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/services/auth/internal/app"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// RegisterEvents adds auth's event handlers to bus: auth learns which
// resellers exist, and their names, from the directory's events.
func RegisterEvents(bus *eventbus.Bus, application app.Application) error {
	return eventbus.Handle(bus, "resellers", subjects.ResellerChanged, func(ctx context.Context, e *eventsv1.ResellerChanged) error {
		r, err := ResellerFromEvent(e)
		if err != nil {
			return eventbus.Permanent(err)
		}
		return eventbus.Outcome(application.Commands.ApplyReseller.Handle(ctx, r))
	})
}

// ResellerFromEvent takes what auth needs from a reseller event.
func ResellerFromEvent(e *eventsv1.ResellerChanged) (domain.Reseller, error) {
	r := e.GetReseller()
	if r == nil || e.GetMeta().GetAggregateId() != r.GetResellerId() {
		return domain.Reseller{}, fmt.Errorf("%w: event carries no reseller, or one other than meta.aggregate_id", domain.ErrInvalid)
	}
	return domain.NewReseller(r.GetResellerId(), r.GetName(), e.GetMeta().GetVersion())
}
