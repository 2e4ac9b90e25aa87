package eventbus

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/nats-io/nats.go"

	"github.com/resellerapi/platform/pkg/logging"
)

// Follower is a per-replica subscription started by Follow.
type Follower struct {
	name     string
	sub      *nats.Subscription
	caughtUp atomic.Bool
}

// ErrNotCaughtUp is returned by Follower.Ready until the follower has
// handled every event that was in the stream when it started.
var ErrNotCaughtUp = errors.New("not caught up with the stream yet")

// FollowOption changes how Follow treats events.
type FollowOption func(*followOptions)

type followOptions struct{ verifier Verifier }

// VerifiedBy makes Follow apply only the events whose signature v accepts
// (the publisher's Config.Signer): another is skipped and counted with
// outcome "unverified", so that whoever may publish on the topic's
// subjects without the publisher's key cannot change what the follower
// holds.
func VerifiedBy(v Verifier) FollowOption {
	return func(o *followOptions) { o.verifier = v }
}

// Follow feeds h every event of topic, in stream order, in this
// replica: unlike Handle's shared durable consumers, every replica receives
// every event. It starts from the beginning of the stream, so in-memory
// state is rebuilt on start; Ready reports when it has caught up. An event
// that cannot be decoded, breaks its rules or that h refuses is logged,
// counted (outcome "invalid") and skipped: the durable projection of the
// same events dead-letters it. h runs on one goroutine, one event at a time.
// The stream must exist (EnsureStreams).
func Follow[E Event](b *Bus, name string, topic Topic[E], h func(context.Context, E) error, opts ...FollowOption) (*Follower, error) {
	var o followOptions
	for _, opt := range opts {
		opt(&o)
	}
	f := &Follower{name: name}
	subject := topic.Pattern()
	handled := b.handled
	sub, err := b.js.Subscribe(subject, func(m *nats.Msg) {
		md, mdErr := m.Metadata()
		var ev E
		var err error
		if o.verifier != nil {
			if err = o.verifier.Verify(m.Subject, m.Data, m.Header.Get(SignatureHeader)); err != nil {
				err = unverifiedError{err}
			}
		}
		if err == nil {
			ev, err = decode(topic, m.Data, m.Header.Get(EventTypeHeader), m.Subject)
		}
		ctx := context.Background()
		if err == nil {
			ctx = logging.WithCorrelationID(ctx, ev.GetMeta().GetEventId())
			err = call(ctx, h, ev)
		}
		switch {
		case err == nil:
			handled.WithLabelValues(name, "applied").Inc()
		case errors.Is(err, ErrStale):
			handled.WithLabelValues(name, "stale").Inc()
		case errors.As(err, new(unverifiedError)):
			handled.WithLabelValues(name, "unverified").Inc()
			b.log.WarnContext(ctx, "followed event not from its publisher: skipped", "follower", name, "subject", m.Subject, "reason", err.Error())
		default:
			handled.WithLabelValues(name, "invalid").Inc()
			b.log.WarnContext(ctx, "followed event skipped", "follower", name, "subject", m.Subject, "reason", err.Error())
		}
		if mdErr == nil && md.NumPending == 0 {
			f.caughtUp.Store(true)
		}
	}, nats.OrderedConsumer(), nats.DeliverAll())
	if err != nil {
		return nil, fmt.Errorf("follow %s: %w", subject, err)
	}
	f.sub = sub
	info, err := sub.ConsumerInfo()
	if err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("follow %s: %w", subject, err)
	}
	if info.NumPending == 0 && info.Delivered.Consumer == 0 {
		f.caughtUp.Store(true) // nothing to catch up with
	}
	return f, nil
}

// Ready returns nil once the follower has caught up with the stream, for
// /readyz.
func (f *Follower) Ready(context.Context) error {
	if !f.caughtUp.Load() {
		return fmt.Errorf("%s: %w", f.name, ErrNotCaughtUp)
	}
	return nil
}

// Name is the name the follower was started with (its readiness check's).
func (f *Follower) Name() string { return f.name }

// Stop ends the subscription. One whose connection is draining or closed
// (the bus was closed first, as a service's Run does when it stops) ends
// with it, or has already.
func (f *Follower) Stop() error {
	err := f.sub.Unsubscribe()
	for _, gone := range []error{nats.ErrBadSubscription, nats.ErrConnectionClosed, nats.ErrConnectionDraining} {
		if errors.Is(err, gone) {
			return nil
		}
	}
	return err
}

// unverifiedError marks an event whose signature was refused.
type unverifiedError struct{ err error }

func (e unverifiedError) Error() string { return "signature: " + e.err.Error() }
func (e unverifiedError) Unwrap() error { return e.err }
