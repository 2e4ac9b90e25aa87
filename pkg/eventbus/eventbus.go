// Package eventbus is the platform's event bus: watermill over NATS
// JetStream with protobuf payloads.
//
// Events travel on topics (proto-events/subjects declares the platform's):
// a topic names an event type's subjects and its rules, so publishing and
// handling are typed by it and the bus itself knows no event type, only
// the common envelope. Publishing checks the event against its topic's
// rules and uses the event id as the JetStream message id, so the stream's
// duplicate window drops a republished event.
//
// Handle consumes with one durable JetStream consumer per handler, shared
// by every replica of the service (a queue group), with explicit acks sent
// only after the handler returned. A handler's error decides what happens
// to the message:
//
//   - nil: acked (counted as applied);
//   - ErrStale: acked (counted as stale: an older or replayed version);
//   - Permanent(err), an undecodable payload, an event that breaks its
//     rules, or a panic: published to the service's dead-letter subject
//     with the reason, as a message of its own, then acked;
//   - any other error: retried in process with back-off, then nacked so
//     JetStream redelivers it later, with a growing delay; after
//     MaxDeliveries deliveries it is dead-lettered with the last error as
//     the reason. Nothing is dropped and nothing holds its slot forever.
//
// Follow consumes every event of a subject in every replica (an ordered,
// ephemeral consumer from the start of the stream), for state each replica
// holds in memory.
package eventbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/pkg/logging"
	"github.com/resellerapi/platform/pkg/tracing"
)

// Message metadata keys (NATS headers) set on every published event.
const (
	CorrelationIDHeader = "correlation_id"
	EventTypeHeader     = "event_type"
	// SignatureHeader carries the publisher's signature (Config.Signer).
	SignatureHeader = "signature"
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

// Topic is the family of subjects events of type E travel on, with their
// rules (subjects.Topic is one).
type Topic[E Event] interface {
	// Pattern matches every subject of the topic.
	Pattern() string
	// Subject is the subject ev is published on.
	Subject(ev E) string
	// Check returns what is wrong with ev by the topic's rules.
	Check(ev E) error
}

// Publication is an event bound to its topic's subject and checked by its
// rules: what code holding events of several types passes to Publish.
type Publication struct {
	subject string
	ev      Event
	err     error
}

// On binds ev to its subject of topic t and checks it by t's rules.
func On[E Event](t Topic[E], ev E) Publication {
	return Publication{subject: t.Subject(ev), ev: ev, err: t.Check(ev)}
}

// Subject is where the event is published.
func (p Publication) Subject() string { return p.subject }

// Err is what is wrong with the event by its topic's rules, or nil.
func (p Publication) Err() error { return p.err }

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
	// Service names the dead-letter subject ("deadletter.<service>") and,
	// unless ConsumerGroup does, the durable consumers.
	Service string
	TLS     TLS
	// ConsumerGroup names the durable consumers the service's replicas
	// share ("<group>_<handler>"; default Service). A new group starts
	// from the beginning of the streams: with a new database, a rebuild of
	// the read models next to the ones in use.
	ConsumerGroup string
	Logger        *slog.Logger
	// Registerer receives the bus metrics; nil means they are not exported.
	Registerer prometheus.Registerer
	// MaxRetries is how often a failing handler is retried in process
	// before the message is nacked for redelivery (default 3).
	MaxRetries int
	// AckWait is how long JetStream waits for an ack before redelivering
	// (default 30s). While a handler works on a message, JetStream is told
	// every third of it that the message is in progress: a slow store
	// delays a message instead of having it delivered again, and the
	// messages of a replica that died come back after AckWait.
	AckWait time.Duration
	// HandlerTimeout bounds how long a handler may work on one message,
	// waiting included (default 2 minutes, at least AckWait); then its
	// context ends and the message is delivered again.
	HandlerTimeout time.Duration
	// MaxDeliveries is how often JetStream delivers a message whose handler
	// keeps failing before it is dead-lettered (default 10).
	MaxDeliveries int
	// RedeliveryDelay is the delay before the first redelivery of a failed
	// message; it doubles with every delivery, up to 5 minutes (default 1s).
	RedeliveryDelay time.Duration
	// StreamReplicas is how many servers of a JetStream cluster keep each
	// stream EnsureStreams creates or updates (3 on a 3-node cluster); 0
	// creates them with 1 and leaves an existing stream's as they are, so a
	// replica configured without it never scales a stream down.
	StreamReplicas int
	// DeadLetterSubject is where the service's dead letters go (default
	// "deadletter.<Service>").
	DeadLetterSubject string
	// Signer, when set, signs every event published (SignatureHeader), so
	// that its consumers can tell them from forgeries (VerifiedBy).
	Signer Signer
}

// Signer signs the payload of an event published on subject
// (eventsig.Signer is one).
type Signer interface {
	Sign(subject string, payload []byte) (string, error)
}

// Verifier checks the signature of an event's payload on subject
// (eventsig.Verifier is one).
type Verifier interface {
	Verify(subject string, payload []byte, signature string) error
}

// TLS is how a bus connects to servers with TLS (tls:// URLs): the CA
// that signed their certificates, when the system does not trust it, and
// a client certificate and key, when the servers verify clients (PEM
// files; "" for none).
type TLS struct{ CAFile, CertFile, KeyFile string }

// Options are the nats.go options that apply t.
func (t TLS) Options() []nats.Option {
	var opts []nats.Option
	if t.CAFile != "" {
		opts = append(opts, nats.RootCAs(t.CAFile))
	}
	if t.CertFile != "" || t.KeyFile != "" {
		opts = append(opts, nats.ClientCert(t.CertFile, t.KeyFile))
	}
	return opts
}

// TLSFromEnv reads NATS_TLS_CA_FILE, NATS_TLS_CERT_FILE and
// NATS_TLS_KEY_FILE with getenv.
func TLSFromEnv(getenv func(string) string) TLS {
	return TLS{CAFile: getenv("NATS_TLS_CA_FILE"), CertFile: getenv("NATS_TLS_CERT_FILE"), KeyFile: getenv("NATS_TLS_KEY_FILE")}
}

// InboxPrefix is where replies to service's requests arrive (JetStream
// API answers, ordered consumers' deliveries): "_INBOX_<service>", so that
// a NATS user's permissions can let it read its own replies only.
func InboxPrefix(service string) string { return "_INBOX_" + service }

// Redact returns a NATS server list without the passwords in it, for
// logs and errors.
func Redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		if u, err := url.Parse(strings.TrimSpace(p)); err == nil && u.User != nil {
			u.User = url.User(u.User.Username())
			parts[i] = u.String()
		}
	}
	return strings.Join(parts, ",")
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
	lag       *prometheus.HistogramVec
	consumers *consumers

	guardsMu sync.Mutex
	guards   map[string]guard
}

// guard is how a stream takes publications: its name, and whether it
// takes only newer versions of an aggregate (Stream.NewestVersionOnly).
type guard struct {
	stream string
	newest bool
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
	if cfg.HandlerTimeout <= 0 {
		cfg.HandlerTimeout = 2 * time.Minute
	}
	cfg.HandlerTimeout = max(cfg.HandlerTimeout, cfg.AckWait)
	if cfg.MaxDeliveries <= 0 {
		cfg.MaxDeliveries = 10
	}
	if cfg.RedeliveryDelay <= 0 {
		cfg.RedeliveryDelay = time.Second
	}
	if cfg.DeadLetterSubject == "" {
		cfg.DeadLetterSubject = "deadletter." + cfg.Service
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	wmLog := watermill.NewSlogLoggerWithLevelMapping(log.With("component", "eventbus"),
		map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})

	opts := append([]nats.Option{nats.Name(cfg.Service), nats.CustomInboxPrefix(InboxPrefix(cfg.Service))}, cfg.TLS.Options()...)
	conn, err := nats.Connect(cfg.NATSURL, append(opts,
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
	)...)
	if err != nil {
		return nil, fmt.Errorf("connect to nats %s: %w", Redact(cfg.NATSURL), err)
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
			Help:        "Handler attempts by outcome: applied, stale, failed (retried or redelivered later), dead_lettered; of followers also invalid and unverified (a signature refused).",
			ConstLabels: prometheus.Labels{"service": cfg.Service},
		}, []string{"handler", "outcome"}),
		lag: newLag(cfg.Service), guards: map[string]guard{},
	}
	b.consumers = newConsumers(b)
	if cfg.Registerer != nil {
		for _, c := range []prometheus.Collector{b.handled, b.lag, b.consumers} {
			if err := cfg.Registerer.Register(c); err != nil {
				conn.Close()
				return nil, fmt.Errorf("register eventbus metrics: %w", err)
			}
		}
	}

	// Permanent errors go to the dead-letter subject; the others are
	// retried. The first middleware added is the outermost.
	router.AddMiddleware(
		b.deadLetter,
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

// Metadata the consumer adds to a received message: its subject, how
// often JetStream delivered it, and its ack subject (for progress).
const (
	subjectKey    = "_subject"
	deliveriesKey = "_deliveries"
	replyKey      = "_reply"
)

// unmarshaler is watermill-nats' unmarshaler, except that a header sent
// several times keeps its first value instead of failing (the subscriber
// neither acks nor naks a message it cannot unmarshal, so such a message
// would be redelivered forever, holding an ack-pending slot, instead of
// reaching the handler and the dead-letter subject if bad), and that the
// message's subject and delivery count are kept in its metadata.
type unmarshaler struct{}

func (unmarshaler) Unmarshal(m *nats.Msg) (*message.Message, error) {
	for k, v := range m.Header {
		if len(v) > 1 {
			m.Header[k] = v[:1]
		}
	}
	msg, err := (&wmnats.NATSMarshaler{}).Unmarshal(m)
	if err != nil {
		return nil, err
	}
	msg.Metadata.Set(subjectKey, m.Subject)
	msg.Metadata.Set(replyKey, m.Reply)
	if md, err := m.Metadata(); err == nil {
		msg.Metadata.Set(deliveriesKey, strconv.FormatUint(md.NumDelivered, 10))
	}
	return msg, nil
}

// backoff is the delay before redelivering a nacked message: base, doubled
// with every delivery, at most 5 minutes.
type backoff struct{ base time.Duration }

func (d backoff) WaitTime(delivered uint64) time.Duration {
	const maxDelay = 5 * time.Minute
	delay := d.base
	for i := uint64(1); i < delivered && delay < maxDelay; i++ {
		delay *= 2
	}
	return min(delay, maxDelay)
}

// subjectCalculator maps a watermill topic to itself as the NATS subject
// and uses the queue group prefix (the durable name) as the queue group.
func subjectCalculator(queueGroup, topic string) *wmnats.SubjectDetail {
	return &wmnats.SubjectDetail{Primary: topic, QueueGroup: queueGroup}
}

// Stream is a JetStream stream and the subjects it captures (the same
// fields as subjects.Stream, which converts to it).
type Stream struct {
	Name     string
	Subjects []string
	// MaxAge bounds how long messages are kept (zero: until removed).
	MaxAge time.Duration
	// LatestPerSubject keeps only the last message of every subject.
	LatestPerSubject bool
	// NewestVersionOnly drops a publication of a version older than, or as
	// old as, the one the stream holds for its aggregate. It is kept in the
	// stream's metadata, so every publisher honours it.
	NewestVersionOnly bool
}

// newestVersionOnlyKey is the stream metadata entry of NewestVersionOnly.
const newestVersionOnlyKey = "resellerapi.newest_version_only"

// EnsureStreams creates the given streams, or updates those whose
// configuration differs, so every replica may call it at start-up: once
// the streams are as they should be, it only reads their configuration
// (on a cluster, every change is agreed by the servers, and many replicas
// starting at once would queue changes that change nothing). A JetStream
// API timeout (a cluster electing its leader) is retried for up to 30 s.
func (b *Bus) EnsureStreams(streams ...Stream) error {
	for _, s := range streams {
		cfg := &nats.StreamConfig{
			Name:       s.Name,
			Subjects:   s.Subjects,
			Storage:    nats.FileStorage,
			Retention:  nats.LimitsPolicy,
			MaxAge:     s.MaxAge,
			Duplicates: 2 * time.Minute,
			Replicas:   max(b.cfg.StreamReplicas, 1),
		}
		if s.LatestPerSubject {
			cfg.MaxMsgsPerSubject = 1
		}
		if s.NewestVersionOnly {
			cfg.Metadata = map[string]string{newestVersionOnlyKey: "true"}
		}
		err := retryTimeouts(30*time.Second, func() error { return b.ensureStream(cfg) })
		if err != nil {
			return fmt.Errorf("ensure stream %s: %w", s.Name, err)
		}
	}
	return nil
}

func (b *Bus) ensureStream(cfg *nats.StreamConfig) error {
	info, err := b.js.StreamInfo(cfg.Name)
	if errors.Is(err, nats.ErrStreamNotFound) {
		_, err = b.js.AddStream(cfg)
		if !errors.Is(err, nats.ErrStreamNameAlreadyInUse) {
			return err
		}
		info, err = b.js.StreamInfo(cfg.Name) // another replica created it meanwhile
	}
	if err != nil {
		return err
	}
	if b.cfg.StreamReplicas == 0 {
		cfg.Replicas = info.Config.Replicas // never scaled down by a replica that does not say
	}
	have := info.Config
	// The server adds metadata of its own (_nats.*): only ours is compared,
	// and the server's is kept.
	if slices.Equal(have.Subjects, cfg.Subjects) && have.Retention == cfg.Retention && have.MaxAge == cfg.MaxAge && have.MaxMsgsPerSubject == cfg.MaxMsgsPerSubject &&
		have.Duplicates == cfg.Duplicates && have.Replicas == cfg.Replicas && have.Metadata[newestVersionOnlyKey] == cfg.Metadata[newestVersionOnlyKey] {
		return nil
	}
	md := maps.Clone(have.Metadata)
	if md == nil {
		md = map[string]string{}
	}
	delete(md, newestVersionOnlyKey)
	maps.Copy(md, cfg.Metadata)
	cfg.Metadata = md
	_, err = b.js.UpdateStream(cfg)
	return err
}

// retryTimeouts calls f until it returns anything but a timeout, for up
// to limit.
func retryTimeouts(limit time.Duration, f func() error) error {
	return retryWhile(limit, isTimeout, f)
}

func isTimeout(err error) bool {
	return errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded)
}

// retryWhile calls f until it returns nil or an error transient does not
// accept, for up to limit, waiting longer after each try.
func retryWhile(limit time.Duration, transient func(error) bool, f func() error) error {
	deadline := time.Now().Add(limit)
	for wait := 200 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		err := f()
		if err == nil || !transient(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait)
	}
}

// Publish publishes the event of p (see On) and returns once JetStream
// stored it; an event that breaks its topic's rules is refused. The event
// id is the message id; the correlation id comes from the event's
// envelope, or from ctx when the envelope has none.
func (b *Bus) Publish(ctx context.Context, p Publication) error {
	subject, ev := p.subject, p.ev
	if ev == nil {
		return errors.New("publish: no event (make the publication with On)")
	}
	if p.err != nil {
		return fmt.Errorf("publish %s: %w", subject, p.err)
	}
	meta := ev.GetMeta()
	payload, err := proto.Marshal(ev)
	if err != nil {
		return fmt.Errorf("marshal %s: %w", subject, err)
	}
	ctx, span := tracing.Tracer().Start(ctx, "publish "+subjectPattern(subject), trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attribute.String("messaging.system", "nats"), attribute.String("messaging.destination.name", subject),
			attribute.String("messaging.message.id", meta.GetEventId())))
	defer span.End()
	msg := message.NewMessage(meta.GetEventId(), payload)
	msg.SetContext(ctx)
	tracing.Inject(ctx, msg.Metadata)
	correlationID := meta.GetCorrelationId()
	if correlationID == "" {
		correlationID = logging.CorrelationID(ctx)
	}
	if correlationID != "" {
		msg.Metadata.Set(CorrelationIDHeader, correlationID)
	}
	msg.Metadata.Set(EventTypeHeader, string(ev.ProtoReflect().Descriptor().FullName()))
	if b.cfg.Signer != nil {
		sig, err := b.cfg.Signer.Sign(subject, payload)
		if err != nil {
			return fmt.Errorf("publish %s: %w", subject, err)
		}
		msg.Metadata.Set(SignatureHeader, sig)
	}
	if err := b.publishNewest(ctx, subject, msg, ev); err != nil {
		span.SetStatus(codes.Error, err.Error())
		return fmt.Errorf("publish %s: %w", subject, err)
	}
	return nil
}

// publishNewest stores msg, in a stream that takes only the newest
// versions unless it already holds a version of the aggregate at least as
// new: a stream that keeps the latest message of every subject must keep
// the newest version, which an older event published late (a slow retry,
// a second publisher) would otherwise replace before its consumers have
// seen the newer one. The check and the publish are one compare-and-set
// (the expected last sequence of the subject); a publisher that lost the
// race reads again. auth's own streams are written by one writer per
// aggregate, whose versions start again with a new database: they are
// published as they come.
func (b *Bus) publishNewest(ctx context.Context, subject string, msg *message.Message, ev Event) error {
	g, err := b.guardOf(subject)
	if err != nil {
		return err
	}
	stream := g.stream
	if !g.newest {
		return b.publisher.Publish(subject, msg)
	}
	nm, err := (&wmnats.NATSMarshaler{}).Marshal(subject, msg)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		var expect uint64
		// Each request is bounded: a reply lost while a server goes away
		// must fail (and be retried by the caller), not wait for ctx.
		reqCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		last, err := b.js.GetLastMsg(stream, subject, nats.Context(reqCtx))
		cancel()
		switch {
		case errors.Is(err, nats.ErrMsgNotFound):
		case err != nil:
			return fmt.Errorf("read the latest %s: %w", subject, err)
		default:
			stored := ev.ProtoReflect().New().Interface().(Event)
			if proto.Unmarshal(last.Data, stored) == nil && stored.GetMeta().GetVersion() >= ev.GetMeta().GetVersion() {
				b.log.DebugContext(ctx, "event not published: the stream holds a version as new", "subject", subject,
					"version", ev.GetMeta().GetVersion(), "stored_version", stored.GetMeta().GetVersion())
				return nil
			}
			expect = last.Sequence
		}
		reqCtx, cancel = context.WithTimeout(ctx, 5*time.Second)
		_, err = b.js.PublishMsg(nm, nats.MsgId(msg.UUID), nats.ExpectLastSequencePerSubject(expect), nats.Context(reqCtx))
		cancel()
		var apiErr *nats.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == nats.JSErrCodeStreamWrongLastSequence && attempt < 10 {
			continue // another publisher stored a message of the subject meanwhile
		}
		return err
	}
}

// guardOf is how the stream of subject takes publications, read from the
// stream once per subject pattern (its metadata, set by EnsureStreams).
func (b *Bus) guardOf(subject string) (guard, error) {
	pattern := subjectPattern(subject)
	b.guardsMu.Lock()
	g, ok := b.guards[pattern]
	b.guardsMu.Unlock()
	if ok {
		return g, nil
	}
	var info *nats.StreamInfo
	err := retryTimeouts(5*time.Second, func() error {
		name, err := b.js.StreamNameBySubject(subject)
		if err != nil {
			return err
		}
		info, err = b.js.StreamInfo(name)
		return err
	})
	if errors.Is(err, nats.ErrNoMatchingStream) || errors.Is(err, nats.ErrStreamNotFound) {
		return guard{}, fmt.Errorf("no stream captures %s (EnsureStreams)", subject)
	}
	if err != nil {
		return guard{}, fmt.Errorf("stream of %s: %w", subject, err)
	}
	g = guard{stream: info.Config.Name, newest: info.Config.Metadata[newestVersionOnlyKey] == "true"}
	b.guardsMu.Lock()
	b.guards[pattern] = g
	b.guardsMu.Unlock()
	return g, nil
}

// subjectPattern is subject without its aggregate id, a span name of
// bounded cardinality ("directory.account.changed.*").
func subjectPattern(subject string) string {
	if i := strings.LastIndexByte(subject, '.'); i > 0 {
		return subject[:i] + ".*"
	}
	return subject
}

// Run runs the handlers until ctx is cancelled or Close is called, and
// returns once the messages in flight are handled. A ctx cancelled while
// the handlers subscribe stops them once they all have: closing a
// handler drains the connection, which the others still subscribing
// would fail on.
func (b *Bus) Run(ctx context.Context) error {
	returned := make(chan struct{})
	defer close(returned)
	stop := context.AfterFunc(ctx, func() {
		select {
		case <-b.router.Running():
			_ = b.router.Close()
		case <-returned:
		}
	})
	defer stop()
	return b.router.Run(context.WithoutCancel(ctx))
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
