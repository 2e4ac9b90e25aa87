package backoffice

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/logging"
)

// EventPublisher is the part of the event bus the Publisher needs.
type EventPublisher interface {
	Publish(ctx context.Context, p eventbus.Publication) error
}

// Publisher publishes back-office records as events.
type Publisher struct {
	bus EventPublisher
	now func() time.Time
}

// NewPublisher returns a Publisher over bus.
func NewPublisher(bus EventPublisher) *Publisher {
	return &Publisher{bus: bus, now: time.Now}
}

func (p *Publisher) meta(ctx context.Context, aggregateID string, version int64) (*eventsv1.EventMeta, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("event id: %w", err)
	}
	return &eventsv1.EventMeta{
		EventId:       id.String(),
		OccurredAt:    timestamppb.New(p.now()),
		AggregateId:   aggregateID,
		Version:       version,
		CorrelationId: logging.CorrelationID(ctx),
	}, nil
}

// batch returns ctx with a correlation id for one batch of records: the
// caller's if it has one, else a new one, so that every event of a batch
// (and every log line about them, in every consumer) can be found by it.
func batch(ctx context.Context) context.Context {
	if logging.CorrelationID(ctx) != "" {
		return ctx
	}
	return logging.WithCorrelationID(ctx, "batch-"+uuid.NewString())
}
