package backoffice

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
)

// deadLetterStream holds every service's dead letters (proto-events/README.md).
const deadLetterStream = "DEADLETTER"

// DeadLetter is an event a service refused, with why.
type DeadLetter struct {
	// Sequence identifies it in the DEADLETTER stream.
	Sequence uint64
	// Service refused it; Handler is the handler (consumer) that did.
	Service, Handler string
	// Subject is where the event was published, so its aggregate.
	Subject   string
	Reason    string
	EventType string
	// EventID is the refused event's id (the message id it was sent with).
	EventID       string
	CorrelationID string
	Time          time.Time
	Payload       []byte
}

// DeadLetters reads the platform's dead letters and publishes them again.
type DeadLetters struct {
	js nats.JetStreamContext
}

// NewDeadLetters returns a reader of the dead letters over nc.
func NewDeadLetters(nc *nats.Conn) (*DeadLetters, error) {
	js, err := nc.JetStream()
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return &DeadLetters{js: js}, nil
}

// List returns the dead letters of service ("" for every service), oldest
// first.
func (d *DeadLetters) List(ctx context.Context, service string) ([]DeadLetter, error) {
	filter := "deadletter.>"
	if service != "" {
		filter = subjects.DeadLetter(service)
	}
	info, err := d.js.StreamInfo(deadLetterStream, &nats.StreamInfoRequest{SubjectsFilter: filter}, nats.Context(ctx))
	if errors.Is(err, nats.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	var want uint64
	for _, n := range info.State.Subjects {
		want += n
	}
	if want == 0 {
		return nil, nil
	}
	sub, err := d.js.SubscribeSync(filter, nats.OrderedConsumer(), nats.DeliverAll(), nats.BindStream(deadLetterStream))
	if err != nil {
		return nil, fmt.Errorf("read dead letters: %w", err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	var out []DeadLetter
	for uint64(len(out)) < want {
		msg, err := sub.NextMsgWithContext(ctx)
		if err != nil {
			return out, fmt.Errorf("read dead letters: %w", err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return out, fmt.Errorf("dead letter metadata: %w", err)
		}
		out = append(out, deadLetter(meta.Sequence.Stream, msg.Subject, msg.Header, meta.Timestamp, msg.Data))
		if meta.NumPending == 0 {
			break
		}
	}
	return out, nil
}

func deadLetter(seq uint64, subject string, h nats.Header, at time.Time, data []byte) DeadLetter {
	return DeadLetter{
		Sequence: seq, Service: strings.TrimPrefix(subject, "deadletter."), Handler: h.Get(eventbus.HandlerHeader),
		Subject: h.Get(eventbus.SubjectHeader), Reason: h.Get(eventbus.ReasonHeader), EventType: h.Get(eventbus.EventTypeHeader),
		EventID: h.Get(eventbus.OriginalEventIDHeader), CorrelationID: h.Get(eventbus.CorrelationIDHeader),
		Time: at.UTC(), Payload: data,
	}
}

// Republish publishes dead letter seq's event again, unchanged, on its
// original subject (after whatever made it fail was fixed: a service
// upgraded, a related record corrected), and then removes the dead letter.
// The event keeps its id and correlation id; the message gets an id of its
// own, so the stream's duplicate window does not drop it. Should the
// service refuse it again, it comes back as a new dead letter.
func (d *DeadLetters) Republish(ctx context.Context, seq uint64) (DeadLetter, error) {
	raw, err := d.js.GetMsg(deadLetterStream, seq, nats.Context(ctx))
	if err != nil {
		return DeadLetter{}, fmt.Errorf("dead letter %d: %w", seq, err)
	}
	dl := deadLetter(raw.Sequence, raw.Subject, raw.Header, raw.Time, raw.Data)
	if dl.Subject == "" || strings.HasPrefix(dl.Subject, "deadletter.") {
		return dl, fmt.Errorf("dead letter %d names no subject to publish it on", seq)
	}
	msg := nats.NewMsg(dl.Subject)
	msg.Data = dl.Payload
	for _, key := range []string{eventbus.EventTypeHeader, eventbus.CorrelationIDHeader} {
		if v := raw.Header.Get(key); v != "" {
			msg.Header.Set(key, v)
		}
	}
	msg.Header.Set(nats.MsgIdHdr, "republished-"+uuid.NewString())
	if _, err := d.js.PublishMsg(msg, nats.Context(ctx)); err != nil {
		return dl, fmt.Errorf("republish dead letter %d on %s: %w", seq, dl.Subject, err)
	}
	if err := d.js.DeleteMsg(deadLetterStream, seq, nats.Context(ctx)); err != nil {
		return dl, fmt.Errorf("dead letter %d republished, but not removed: %w", seq, err)
	}
	return dl, nil
}
