package adapters

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// meta is the envelope of a new event of aggregate id at version.
func meta(id string, version int64) *eventsv1.EventMeta {
	return &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: id, Version: version}
}

// SigningKeyEvents publishes the signing keys' events.
type SigningKeyEvents struct{ Bus *eventbus.Bus }

// SigningKeyChanged announces k: version 1 when created, 2 when withdrawn.
func (e SigningKeyEvents) SigningKeyChanged(ctx context.Context, k domain.SigningKey) error {
	key := &eventsv1.SigningKey{KeyId: k.ID, SignsFrom: timestamppb.New(k.SignsFrom)}
	version := int64(1)
	if !k.WithdrawnAt.IsZero() {
		key.WithdrawnAt, version = timestamppb.New(k.WithdrawnAt), 2
	}
	return e.Bus.Publish(ctx, eventbus.On(subjects.SigningKeys, &eventsv1.SigningKeyChanged{Meta: meta(k.ID, version), Key: key}))
}
