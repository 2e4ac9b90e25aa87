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

// record is a back-office record that becomes one event.
type record interface {
	id() string
	version() int64
	// event builds the record's event with meta on its topic; an error
	// says the record cannot become one (a value out of a list).
	event(meta *eventsv1.EventMeta) (eventbus.Publication, error)
}

// publish publishes one event per record, in order, stopping at the
// first failure (an event that breaks its rules is refused by the bus).
// It returns how many were published. The events share one correlation id.
func publish[R record](ctx context.Context, p *Publisher, kind string, records []R) (int, error) {
	ctx = batch(ctx)
	for i, r := range records {
		meta, err := p.meta(ctx, r.id(), r.version())
		if err != nil {
			return i, err
		}
		pub, err := r.event(meta)
		if err == nil {
			err = p.bus.Publish(ctx, pub)
		}
		if err != nil {
			return i, fmt.Errorf("%s %q: %w", kind, r.id(), err)
		}
	}
	return len(records), nil
}

// PublishResellers publishes one ResellerChanged event per record.
func (p *Publisher) PublishResellers(ctx context.Context, resellers []Reseller) (int, error) {
	return publish(ctx, p, "reseller", resellers)
}

// PublishAccounts publishes one AccountChanged event per record.
func (p *Publisher) PublishAccounts(ctx context.Context, accounts []Account) (int, error) {
	return publish(ctx, p, "account", accounts)
}

// PublishProducts publishes one ProductChanged event per record.
func (p *Publisher) PublishProducts(ctx context.Context, products []Product) (int, error) {
	return publish(ctx, p, "product", products)
}

// PublishPriceLists publishes one PriceListChanged event per record.
func (p *Publisher) PublishPriceLists(ctx context.Context, lists []PriceList) (int, error) {
	return publish(ctx, p, "price list", lists)
}
