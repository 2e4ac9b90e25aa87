package backoffice

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/logging"
)

// EventPublisher is the part of the event bus the Publisher needs.
type EventPublisher interface {
	Publish(ctx context.Context, subject string, ev eventbus.Event) error
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

// PublishResellers validates and publishes one ResellerChanged event per
// record, in order, stopping at the first failure. It returns how many
// were published. The events share one correlation id.
func (p *Publisher) PublishResellers(ctx context.Context, resellers []Reseller) (int, error) {
	ctx = batch(ctx)
	for i, r := range resellers {
		if err := r.Validate(); err != nil {
			return i, fmt.Errorf("reseller %q: %w", r.ResellerID, err)
		}
		meta, err := p.meta(ctx, r.ResellerID, r.Version)
		if err != nil {
			return i, err
		}
		ev := &eventsv1.ResellerChanged{Meta: meta, Reseller: &eventsv1.Reseller{
			ResellerId: r.ResellerID, ParentId: r.ParentID, Name: r.Name, Domain: r.Domain,
			Currency: r.Currency, Country: r.Country, Email: r.Email, CreatedAt: timestamp(r.CreatedAt),
		}}
		if err := p.bus.Publish(ctx, subjects.ResellerChanged, ev); err != nil {
			return i, fmt.Errorf("reseller %q: %w", r.ResellerID, err)
		}
	}
	return len(resellers), nil
}

// PublishAccounts validates and publishes one AccountChanged event per
// record, in order, stopping at the first failure. It returns how many
// were published. The events share one correlation id.
func (p *Publisher) PublishAccounts(ctx context.Context, accounts []Account) (int, error) {
	ctx = batch(ctx)
	for i, a := range accounts {
		if err := a.Validate(); err != nil {
			return i, fmt.Errorf("account %q: %w", a.AccountID, err)
		}
		meta, err := p.meta(ctx, a.AccountID, a.Version)
		if err != nil {
			return i, err
		}
		ev := &eventsv1.AccountChanged{Meta: meta, Account: &eventsv1.Account{
			AccountId: a.AccountID, ResellerId: a.ResellerID, Name: a.Name, Email: a.Email,
			Phone: a.Phone, Country: a.Country, Status: accountStatus(a.Status), CreatedAt: timestamp(a.CreatedAt),
		}}
		if err := p.bus.Publish(ctx, subjects.AccountChanged, ev); err != nil {
			return i, fmt.Errorf("account %q: %w", a.AccountID, err)
		}
	}
	return len(accounts), nil
}

func accountStatus(s string) eventsv1.AccountStatus {
	switch s {
	case "suspended":
		return eventsv1.AccountStatus_ACCOUNT_STATUS_SUSPENDED
	case "closed":
		return eventsv1.AccountStatus_ACCOUNT_STATUS_CLOSED
	}
	return eventsv1.AccountStatus_ACCOUNT_STATUS_ACTIVE
}

func timestamp(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return timestamppb.New(*t)
}
