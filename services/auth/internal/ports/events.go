package ports

import (
	"context"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/rules"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/services/auth/internal/app"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// RegisterEvents adds auth's event handlers to bus: auth learns which
// resellers exist, their names, statuses and editions, from the directory's events.
func RegisterEvents(bus *eventbus.Bus, application app.Application) error {
	return eventbus.Handle(bus, "resellers", subjects.Resellers, func(ctx context.Context, e *eventsv1.ResellerChanged) error {
		return eventbus.Outcome(application.Resellers.Save(ctx, ResellerFromEvent(e)))
	})
}

// ResellerFromEvent takes what auth needs from a reseller event that
// passed rules.ResellerChanged (the bus checks every event first).
func ResellerFromEvent(e *eventsv1.ResellerChanged) domain.Reseller {
	r := e.GetReseller()
	status, edition := domain.ResellerActive, domain.EditionStandard
	if r.GetStatus() != eventsv1.ResellerStatus_RESELLER_STATUS_UNSPECIFIED {
		status = rules.EnumWord(r.GetStatus().String(), "RESELLER_STATUS_")
	}
	if r.GetEdition() != eventsv1.ResellerEdition_RESELLER_EDITION_UNSPECIFIED {
		edition = rules.EnumWord(r.GetEdition().String(), "RESELLER_EDITION_")
	}
	return domain.Reseller{ID: r.GetResellerId(), Name: r.GetName(), Status: status, Edition: edition, Version: e.GetMeta().GetVersion()}
}
