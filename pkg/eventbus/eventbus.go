// Package eventbus is the platform's event bus: watermill over NATS
// JetStream with protobuf payloads.
//
// Publishing uses the event id as the JetStream message id, so the stream's
// duplicate window drops a republished event. Consuming uses one durable
// JetStream consumer per handler, shared by every replica of the service
// (a queue group), with explicit acks sent only after the handler returned.
// A handler's error decides what happens to the message:
//
//   - nil: acked (counted as applied);
//   - ErrStale: acked (counted as stale: an older or replayed version);
//   - Permanent(err), an undecodable payload, an invalid envelope or a
//     panic: published to the service's dead-letter subject with the reason
//     in the "reason_poisoned" header, then acked;
//   - any other error: retried in process with back-off, then nacked so
//     JetStream redelivers it later. Nothing is dropped.
package eventbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/logging"
)

// Message metadata keys (NATS headers) set on every published event.
const (
	CorrelationIDHeader = "correlation_id"
	EventTypeHeader     = "event_type"
)

// ErrStale is returned by a handler for an event that is older than (or
// the same version as) what is already stored: the message is acked.
var ErrStale = errors.New("stale event")

// Outcome turns a projection's result into a handler's return value: the
// error if any, ErrStale when nothing was applied (an older or repeated
// version), nil otherwise.
func Outcome(applied bool, err error) error {
	switch {
	case err != nil:
		return err
	case !applied:
		return ErrStale
	}
	return nil
}

// Event is a protobuf event carrying the common envelope.
type Event interface {
	proto.Message
	GetMeta() *eventsv1.EventMeta
}

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that retrying cannot fix (invalid content): the
// message goes to the dead-letter subject with err as the reason.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err, or an error it wraps, was marked by
// Permanent or is a recovered panic.
func IsPermanent(err error) bool {
	var p permanentError
	var panicked middleware.RecoveredPanicError
	return errors.As(err, &p) || errors.As(err, &panicked)
}

// Config configures a Bus.
type Config struct {
	// NATSURL is the server to connect to, e.g. nats://127.0.0.1:4222.
	NATSURL string
	// Service names the durable consumers ("<service>_<handler>") and the
	// dead-letter subject ("deadletter.<service>").
	Service string
	Logger  *slog.Logger
	// Registerer receives the bus metrics; nil means they are not exported.
	Registerer prometheus.Registerer
	// MaxRetries is how often a failing handler is retried in process
	// before the message is nacked for redelivery (default 3).
	MaxRetries int
	// AckWait is how long JetStream waits for an ack before redelivering
	// (default 30s).
	AckWait time.Duration
}

// Bus publishes events and runs the handlers of one service.
type Bus struct {
	cfg       Config
	log       *slog.Logger
	wmLog     watermill.LoggerAdapter
	conn      *nats.Conn
	js        nats.JetStreamContext
	publisher *wmnats.Publisher
	router    *message.Router
	handled   *prometheus.CounterVec
}

// Connect connects to NATS and prepares the bus; add handlers with Handle,
// then call Run.
func Connect(cfg Config) (*Bus, error) {
	if cfg.Service == "" {
		return nil, errors.New("eventbus: Service is required")
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 3
	}
	if cfg.AckWait <= 0 {
		cfg.AckWait = 30 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	wmLog := watermill.NewSlogLoggerWithLevelMapping(log.With("component", "eventbus"),
		map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})

	conn, err := nats.Connect(cfg.NATSURL,
		nats.Name(cfg.Service),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
	)
	if err != nil {
		return nil, fmt.Errorf("connect to nats %s: %w", cfg.NATSURL, err)
	}
	js, err := conn.JetStream()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("jetstream context: %w", err)
	}
	publisher, err := wmnats.NewPublisherWithNatsConn(conn, wmnats.PublisherPublishConfig{
		Marshaler:         &wmnats.NATSMarshaler{},
		SubjectCalculator: subjectCalculator,
		JetStream:         wmnats.JetStreamConfig{TrackMsgId: true},
	}, wmLog)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("new publisher: %w", err)
	}
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 30 * time.Second}, wmLog)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("new router: %w", err)
	}

	b := &Bus{
		cfg: cfg, log: log, wmLog: wmLog, conn: conn, js: js,
		publisher: publisher, router: router,
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        "events_handled_total",
			Help:        "Handler attempts by outcome: applied, stale, failed (retried or redelivered later), dead_lettered.",
			ConstLabels: prometheus.Labels{"service": cfg.Service},
		}, []string{"handler", "outcome"}),
	}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(b.handled); err != nil {
			conn.Close()
			return nil, fmt.Errorf("register eventbus metrics: %w", err)
		}
	}

	// Permanent errors go to the dead-letter subject; the others are retried.
	poison, err := middleware.PoisonQueueWithFilter(publisher, subjects.DeadLetter(cfg.Service), IsPermanent)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("dead-letter middleware: %w", err)
	}
	// The first middleware added is the outermost.
	router.AddMiddleware(
		poison,
		middleware.Retry{
			MaxRetries:          cfg.MaxRetries,
			InitialInterval:     100 * time.Millisecond,
			MaxInterval:         2 * time.Second,
			Multiplier:          2,
			RandomizationFactor: 0.2,
			ShouldRetry:         func(p middleware.RetryParams) bool { return !IsPermanent(p.Err) },
			ResetContextOnRetry: true,
			Logger:              wmLog,
		}.Middleware,
		middleware.Recoverer,
	)
	return b, nil
}

// firstHeaderValue is watermill-nats' unmarshaler, except that a header
// sent several times keeps its first value instead of failing: the
// subscriber neither acks nor naks a message it cannot unmarshal, so such
// a message would be redelivered forever, holding an ack-pending slot,
// instead of reaching the handler (and the dead-letter subject if bad).
type firstHeaderValue struct{}

func (firstHeaderValue) Unmarshal(m *nats.Msg) (*message.Message, error) {
	for k, v := range m.Header {
		if len(v) > 1 {
			m.Header[k] = v[:1]
		}
	}
	return (&wmnats.NATSMarshaler{}).Unmarshal(m)
}

// subjectCalculator maps a watermill topic to itself as the NATS subject
// and uses the queue group prefix (the durable name) as the queue group.
func subjectCalculator(queueGroup, topic string) *wmnats.SubjectDetail {
	return &wmnats.SubjectDetail{Primary: topic, QueueGroup: queueGroup}
}

// EnsureStreams creates the given streams, or updates their subjects,
// so every replica may call it at start-up.
func (b *Bus) EnsureStreams(streams ...subjects.Stream) error {
	for _, s := range streams {
		cfg := &nats.StreamConfig{
			Name:       s.Name,
			Subjects:   s.Subjects,
			Storage:    nats.FileStorage,
			Retention:  nats.LimitsPolicy,
			MaxAge:     s.MaxAge,
			Duplicates: 2 * time.Minute,
		}
		_, err := b.js.AddStream(cfg)
		if errors.Is(err, nats.ErrStreamNameAlreadyInUse) {
			_, err = b.js.UpdateStream(cfg)
		}
		if err != nil {
			return fmt.Errorf("ensure stream %s: %w", s.Name, err)
		}
	}
	return nil
}

// Publish publishes ev on subject and returns once JetStream stored it.
// The event id is the message id; the correlation id comes from the
// event's envelope, or from ctx when the envelope has none.
func (b *Bus) Publish(ctx context.Context, subject string, ev Event) error {
	meta := ev.GetMeta()
	if err := validateMeta(meta); err != nil {
		return fmt.Errorf("publish %s: %w", subject, err)
	}
	payload, err := proto.Marshal(ev)
	if err != nil {
		return fmt.Errorf("marshal %s: %w", subject, err)
	}
	msg := message.NewMessage(meta.GetEventId(), payload)
	msg.SetContext(ctx)
	correlationID := meta.GetCorrelationId()
	if correlationID == "" {
		correlationID = logging.CorrelationID(ctx)
	}
	if correlationID != "" {
		msg.Metadata.Set(CorrelationIDHeader, correlationID)
	}
	msg.Metadata.Set(EventTypeHeader, string(ev.ProtoReflect().Descriptor().FullName()))
	if err := b.publisher.Publish(subject, msg); err != nil {
		return fmt.Errorf("publish %s: %w", subject, err)
	}
	return nil
}

func validateMeta(meta *eventsv1.EventMeta) error {
	switch {
	case meta == nil:
		return errors.New("event has no meta")
	case meta.GetEventId() == "":
		return errors.New("event has no meta.event_id")
	case meta.GetAggregateId() == "":
		return errors.New("event has no meta.aggregate_id")
	case meta.GetVersion() < 1:
		return fmt.Errorf("event meta.version is %d, want >= 1", meta.GetVersion())
	case meta.GetOccurredAt() == nil:
		return errors.New("event has no meta.occurred_at")
	}
	return nil
}

// Handle adds a handler named name for the events of type E published on
// subject. Its durable consumer is "<service>_<name>"; every replica of the
// service that adds the same handler shares it. The payload is decoded and
// its envelope validated before h is called; failures of either are
// dead-lettered.
func Handle[E Event](b *Bus, name, subject string, h func(context.Context, E) error) error {
	durable := b.cfg.Service + "_" + name
	if strings.ContainsAny(durable, ".*> ") {
		return fmt.Errorf("handler name %q makes an invalid durable name", name)
	}
	sub, err := wmnats.NewSubscriberWithNatsConn(b.conn, wmnats.SubscriberSubscriptionConfig{
		Unmarshaler:       firstHeaderValue{},
		QueueGroupPrefix:  durable,
		SubjectCalculator: subjectCalculator,
		AckWaitTimeout:    b.cfg.AckWait,
		CloseTimeout:      30 * time.Second,
		JetStream: wmnats.JetStreamConfig{
			DurablePrefix: durable,
			SubscribeOptions: []nats.SubOpt{
				nats.ManualAck(),
				nats.AckExplicit(),
				nats.DeliverAll(),
				nats.AckWait(b.cfg.AckWait),
				nats.MaxAckPending(256),
			},
		},
	}, b.wmLog)
	if err != nil {
		return fmt.Errorf("subscriber for %s: %w", name, err)
	}

	handled := b.handled
	b.router.AddConsumerHandler(name, subject, sub, func(msg *message.Message) error {
		ctx := msg.Context()
		ev, err := decode[E](msg, subject)
		if err == nil {
			correlationID := msg.Metadata.Get(CorrelationIDHeader)
			if correlationID == "" {
				correlationID = ev.GetMeta().GetEventId()
			}
			ctx = logging.WithCorrelationID(ctx, correlationID)
			err = call(ctx, h, ev)
		}
		event := func() []any {
			return []any{"handler", name, "event_id", msg.UUID,
				"aggregate_id", ev.GetMeta().GetAggregateId(), "version", ev.GetMeta().GetVersion()}
		}
		switch {
		case err == nil:
			handled.WithLabelValues(name, "applied").Inc()
			return nil
		case errors.Is(err, ErrStale):
			handled.WithLabelValues(name, "stale").Inc()
			b.log.DebugContext(ctx, "stale event ignored", event()...)
			return nil
		case IsPermanent(err):
			handled.WithLabelValues(name, "dead_lettered").Inc()
			b.log.WarnContext(ctx, "event dead-lettered", append(event(), "reason", err.Error(),
				"subject", subjects.DeadLetter(b.cfg.Service))...)
			return err
		default:
			handled.WithLabelValues(name, "failed").Inc()
			b.log.WarnContext(ctx, "event handler failed, will retry", append(event(), "error", err.Error())...)
			return err
		}
	})
	return nil
}

// decode decodes msg's payload as an E and checks its envelope; every
// failure is permanent.
func decode[E Event](msg *message.Message, subject string) (E, error) {
	var zero E
	eventType := zero.ProtoReflect().Descriptor().FullName()
	ev := zero.ProtoReflect().Type().New().Interface().(E)
	if err := proto.Unmarshal(msg.Payload, ev); err != nil {
		return zero, Permanent(fmt.Errorf("decode %s: %w", eventType, err))
	}
	if got := msg.Metadata.Get(EventTypeHeader); got != "" && got != string(eventType) {
		return zero, Permanent(fmt.Errorf("event type %q on %s, want %s", got, subject, eventType))
	}
	if err := validateMeta(ev.GetMeta()); err != nil {
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

// Run runs the handlers until ctx is cancelled or Close is called, and
// returns once the messages in flight are handled.
func (b *Bus) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { _ = b.router.Close() })
	defer stop()
	return b.router.Run(ctx)
}

// Running is closed once every handler is subscribed.
func (b *Bus) Running() chan struct{} { return b.router.Running() }

// Ready reports whether the NATS connection is up, for /readyz.
func (b *Bus) Ready(context.Context) error {
	if !b.conn.IsConnected() {
		return fmt.Errorf("nats: %s", b.conn.Status())
	}
	return nil
}

// Close stops the handlers, waiting for those in flight, and closes the
// connection.
func (b *Bus) Close() error {
	err := b.router.Close()
	if drainErr := b.conn.Drain(); drainErr != nil && !errors.Is(drainErr, nats.ErrConnectionClosed) {
		err = errors.Join(err, drainErr)
	}
	return err
}
