package eventbus

import (
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
)

// Headers of a dead letter, besides those of the original message
// (event_type, correlation_id, ...). proto-events/README.md documents them.
const (
	ReasonHeader          = "reason_poisoned"
	SubjectHeader         = "topic_poisoned"
	HandlerHeader         = "handler_poisoned"
	OriginalEventIDHeader = "event_id_poisoned"
)

func (b *Bus) deadLetterSubject() string { return b.cfg.DeadLetterSubject }

// deadLetter is the outermost router middleware: a message whose handler
// failed permanently is published to the service's dead-letter subject,
// with the original payload and the reason, and then acked. The dead
// letter has an id of its own: were it the event's, the DEADLETTER
// stream's duplicate window would drop the second of two services'
// dead letters for the same event. If the dead letter cannot be stored the
// message is nacked, so it is tried again rather than lost.
func (b *Bus) deadLetter(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		out, err := h(msg)
		if err == nil || !IsPermanent(err) {
			return out, err
		}
		id, idErr := uuid.NewV7()
		if idErr != nil {
			return nil, fmt.Errorf("dead letter id: %w", idErr)
		}
		dl := message.NewMessage(id.String(), msg.Payload)
		for k, v := range msg.Metadata {
			if k != subjectKey && k != deliveriesKey && k != replyKey {
				dl.Metadata.Set(k, v)
			}
		}
		dl.Metadata.Set(ReasonHeader, err.Error())
		dl.Metadata.Set(SubjectHeader, msg.Metadata.Get(subjectKey))
		dl.Metadata.Set(HandlerHeader, message.HandlerNameFromCtx(msg.Context()))
		dl.Metadata.Set(OriginalEventIDHeader, msg.UUID)
		if pubErr := b.publisher.Publish(b.deadLetterSubject(), dl); pubErr != nil {
			return nil, fmt.Errorf("dead-letter %s (%w): %w", msg.UUID, err, pubErr)
		}
		return nil, nil
	}
}
