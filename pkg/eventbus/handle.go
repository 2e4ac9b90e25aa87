package eventbus

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/resellerapi/platform/pkg/logging"
	"github.com/resellerapi/platform/pkg/tracing"
)

// Handle adds a handler named name for every event of topic (all its
// aggregates). Its durable consumer is "<service>_<name>"; every replica
// of the service that adds the same handler shares it. The payload is
// decoded and checked against the topic's rules before h is called;
// failures of either are dead-lettered.
func Handle[E Event](b *Bus, name string, topic Topic[E], h func(context.Context, E) error, opts ...HandlerOption) error {
	subject := topic.Pattern()
	o := handlerOptions{concurrency: 1}
	for _, opt := range opts {
		opt(&o)
	}
	group := cmp.Or(b.cfg.ConsumerGroup, b.cfg.Service)
	durable := group + "_" + name
	if strings.ContainsAny(durable, ".*> ") {
		return fmt.Errorf("handler name %q makes an invalid durable name", name)
	}
	// One subject token per group, so a NATS user's permissions can let a
	// service receive only its own consumers' messages ("deliver.<group>.>").
	if err := retryTimeouts(30*time.Second, func() error { return b.ensureConsumer(durable, "deliver."+group+"."+name, subject) }); err != nil {
		return err
	}
	sub, err := wmnats.NewSubscriberWithNatsConn(b.conn, wmnats.SubscriberSubscriptionConfig{
		Unmarshaler:       unmarshaler{},
		QueueGroupPrefix:  durable,
		SubjectCalculator: subjectCalculator,
		AckWaitTimeout:    b.cfg.HandlerTimeout,
		CloseTimeout:      30 * time.Second,
		SubscribersCount:  o.concurrency,
		NakDelay:          backoff{base: b.cfg.RedeliveryDelay},
		JetStream: wmnats.JetStreamConfig{
			DurablePrefix: durable,
			// The consumer exists (ensureConsumer): subscribing attaches
			// to it, so no replica deletes it when it stops.
			SubscribeOptions: []nats.SubOpt{nats.ManualAck()},
		},
	}, b.wmLog)
	if err != nil {
		return fmt.Errorf("subscriber for %s: %w", name, err)
	}

	handled, lag := b.handled, b.lag.WithLabelValues(name)
	maxDeliveries := b.cfg.MaxDeliveries
	b.router.AddConsumerHandler(name, subject, closedByClose{sub}, func(msg *message.Message) (err error) {
		defer b.inProgress(msg.Metadata.Get(replyKey))()
		// The span continues the publisher's trace (its context travels in
		// the message headers) and is the parent of the handler's writes.
		ctx, span := tracing.Tracer().Start(tracing.Extract(msg.Context(), msg.Metadata), name+" "+subjectPattern(msg.Metadata.Get(subjectKey)),
			trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(attribute.String("messaging.system", "nats"),
				attribute.String("messaging.destination.name", msg.Metadata.Get(subjectKey)), attribute.String("messaging.message.id", msg.UUID),
				attribute.String("messaging.consumer.group.name", durable)))
		defer func() {
			if err != nil && !errors.Is(err, ErrStale) {
				span.SetStatus(codes.Error, err.Error())
			}
			span.End()
		}()
		ev, err := decode(topic, msg.Payload, msg.Metadata.Get(EventTypeHeader), msg.Metadata.Get(subjectKey))
		if err == nil {
			correlationID := msg.Metadata.Get(CorrelationIDHeader)
			if correlationID == "" {
				correlationID = ev.GetMeta().GetEventId()
			}
			ctx = logging.WithCorrelationID(ctx, correlationID)
			err = call(ctx, h, ev)
		}
		deliveries, _ := strconv.Atoi(msg.Metadata.Get(deliveriesKey))
		if err != nil && !errors.Is(err, ErrStale) && !IsPermanent(err) && deliveries >= maxDeliveries {
			err = Permanent(fmt.Errorf("gave up after %d deliveries: %w", deliveries, err))
		}
		event := func() []any {
			return []any{"handler", name, "event_id", msg.UUID, "subject", msg.Metadata.Get(subjectKey),
				"aggregate_id", ev.GetMeta().GetAggregateId(), "version", ev.GetMeta().GetVersion(), "deliveries", deliveries}
		}
		switch {
		case err == nil:
			handled.WithLabelValues(name, "applied").Inc()
			if at := ev.GetMeta().GetOccurredAt(); at != nil {
				lag.Observe(time.Since(at.AsTime()).Seconds())
			}
			return nil
		case errors.Is(err, ErrStale):
			handled.WithLabelValues(name, "stale").Inc()
			b.log.DebugContext(ctx, "stale event ignored", event()...)
			return nil
		case IsPermanent(err):
			handled.WithLabelValues(name, "dead_lettered").Inc()
			b.log.WarnContext(ctx, "event dead-lettered", append(event(), "reason", err.Error(),
				"dead_letter_subject", b.deadLetterSubject())...)
			return err
		default:
			handled.WithLabelValues(name, "failed").Inc()
			b.log.WarnContext(ctx, "event handler failed, will retry", append(event(), "error", err.Error())...)
			return err
		}
	})
	return nil
}

// inProgress tells JetStream every third of the ack wait that the message
// whose ack subject is reply is still being worked on, until the returned
// stop is called. A message waiting for a slow batch write is then not
// delivered again meanwhile (each delivery would wait as long, and count
// towards MaxDeliveries).
func (b *Bus) inProgress(reply string) (stop func()) {
	if reply == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(b.cfg.AckWait / 3)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				_ = b.conn.Publish(reply, []byte("+WPI")) // lost with the connection: then redelivered, as it should be
			}
		}
	}()
	return func() { close(done) }
}

// HandlerOption changes how a handler consumes.
type HandlerOption func(*handlerOptions)

type handlerOptions struct{ concurrency int }

// Concurrency lets up to n messages of the handler be in flight at once in
// this replica (default 1: one at a time). A handler that batches its
// writes needs several, so that one batch can gather them; order between
// them is not kept, which version-guarded projections do not need.
func Concurrency(n int) HandlerOption {
	return func(o *handlerOptions) { o.concurrency = max(n, 1) }
}

// ensureConsumer creates the durable consumer shared by the replicas, or
// updates it to this version's configuration. A consumer nats.go creates
// on subscribing is deleted when that subscriber stops, which would strand
// the other replicas and replay the whole stream to the next one; one
// created here outlives every replica.
func (b *Bus) ensureConsumer(durable, deliver, subject string) error {
	stream, err := b.js.StreamNameBySubject(subject)
	if err != nil {
		return fmt.Errorf("stream of %s: %w", subject, err)
	}
	b.consumers.add(durable, stream)
	cfg := &nats.ConsumerConfig{
		Durable:        durable,
		DeliverSubject: deliver,
		DeliverGroup:   durable,
		DeliverPolicy:  nats.DeliverAllPolicy,
		AckPolicy:      nats.AckExplicitPolicy,
		AckWait:        b.cfg.AckWait,
		MaxAckPending:  256,
		FilterSubject:  subject,
	}
	if info, err := b.js.ConsumerInfo(stream, durable); err == nil {
		cfg.DeliverSubject = info.Config.DeliverSubject
		_, err = b.js.UpdateConsumer(stream, cfg)
		if err != nil {
			return fmt.Errorf("update consumer %s: %w", durable, err)
		}
		return nil
	} else if !errors.Is(err, nats.ErrConsumerNotFound) {
		return fmt.Errorf("consumer %s: %w", durable, err)
	}
	if _, err := b.js.AddConsumer(stream, cfg); err != nil {
		return fmt.Errorf("create consumer %s: %w", durable, err)
	}
	return nil
}

// decode decodes payload as an E and checks it against topic's rules;
// every failure is permanent. typeHeader is the message's event_type
// header.
func decode[E Event](topic Topic[E], payload []byte, typeHeader, subject string) (E, error) {
	var zero E
	eventType := zero.ProtoReflect().Descriptor().FullName()
	ev := zero.ProtoReflect().Type().New().Interface().(E)
	if err := proto.Unmarshal(payload, ev); err != nil {
		return zero, Permanent(fmt.Errorf("decode %s: %w", eventType, err))
	}
	if typeHeader != "" && typeHeader != string(eventType) {
		return zero, Permanent(fmt.Errorf("event type %q on %s, want %s", typeHeader, subject, eventType))
	}
	if err := topic.Check(ev); err != nil {
		return zero, Permanent(err)
	}
	return ev, nil
}

// call runs h, turning a panic into a permanent error: the same event
// would panic again on every retry.
func call[E Event](ctx context.Context, h func(context.Context, E) error, ev E) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = Permanent(fmt.Errorf("handler panicked: %v", r))
		}
	}()
	return h(ctx, ev)
}

// closedByClose is a subscriber whose messages stop by its Close, also
// when the router's context ends. watermill-nats closes its output
// channel when either happens, while a NATS callback may still be about
// to send on it: after Close began, such a callback waits for it and
// then drops its message (JetStream redelivers it), but a callback that
// only sees the context ended may pick the send on the closed channel and
// panic.
type closedByClose struct{ message.Subscriber }

func (s closedByClose) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	out, err := s.Subscriber.Subscribe(context.WithoutCancel(ctx), topic)
	if err == nil {
		context.AfterFunc(ctx, func() { _ = s.Close() })
	}
	return out, err
}
