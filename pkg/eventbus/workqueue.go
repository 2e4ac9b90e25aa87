package eventbus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// WorkQueueConfig describes a work queue: a JetStream stream with
// work-queue retention (an item stays until it is acknowledged) and the
// durable pull consumer that a service's replicas share.
type WorkQueueConfig struct {
	// Stream names the stream (no dots) and Subjects are its subjects.
	Stream   string
	Subjects []string
	// Consumer names the durable consumer; Filter are the subjects it
	// takes work from (default Subjects). Items on the stream's other
	// subjects wait there until moved (WorkQueue.Move).
	Consumer string
	Filter   []string
	// AckWait is how long a replica may hold an item before it goes to
	// another (default 30 s): more than the longest piece of work.
	AckWait time.Duration
}

// WorkQueue is a work queue over the bus's connection. Items are handed
// out to one replica at a time, redelivered when their holder dies, and
// may be put off (Msg.NakWithDelay): nothing but JetStream is involved in
// taking work, so taking it costs the same however many items wait.
type WorkQueue struct {
	js       jetstream.JetStream
	stream   jetstream.Stream
	consumer jetstream.Consumer
}

// WorkQueue creates the stream and the consumer of cfg, or updates them
// when their configuration differs (the stream's replicas as
// EnsureStreams does), and returns the queue.
func (b *Bus) WorkQueue(ctx context.Context, cfg WorkQueueConfig) (*WorkQueue, error) {
	if cfg.AckWait <= 0 {
		cfg.AckWait = 30 * time.Second
	}
	if len(cfg.Filter) == 0 {
		cfg.Filter = cfg.Subjects
	}
	js, err := jetstream.New(b.conn)
	if err != nil {
		return nil, fmt.Errorf("work queue %s: %w", cfg.Stream, err)
	}
	// The stream is made as EnsureStreams makes the others (replicas,
	// retries while a cluster elects its leader), with work-queue
	// retention; then it is opened with the jetstream API the pull
	// consumer needs.
	streamCfg := &nats.StreamConfig{
		Name: cfg.Stream, Subjects: cfg.Subjects, Storage: nats.FileStorage, Retention: nats.WorkQueuePolicy,
		Duplicates: 2 * time.Minute, Replicas: max(b.cfg.StreamReplicas, 1),
	}
	if err := retryTimeouts(30*time.Second, func() error { return b.ensureStream(streamCfg) }); err != nil {
		return nil, fmt.Errorf("ensure work queue stream %s: %w", cfg.Stream, err)
	}
	stream, err := openStream(ctx, js, cfg.Stream)
	if err != nil {
		return nil, fmt.Errorf("open work queue stream %s: %w", cfg.Stream, err)
	}
	consumer, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable: cfg.Consumer, FilterSubjects: cfg.Filter, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: cfg.AckWait, MaxDeliver: -1,
		// Items put off (retries hours away) stay pending: no bound, so
		// that they never stop the others from being handed out.
		MaxAckPending: -1,
	})
	if err != nil {
		return nil, fmt.Errorf("ensure work queue consumer %s: %w", cfg.Consumer, err)
	}
	return &WorkQueue{js: js, stream: stream, consumer: consumer}, nil
}

// openStream opens a stream that exists. On a cluster, a stream another
// replica has just created may not be found for a moment (seen as a 404
// right after an idempotent create): that and timeouts are retried for up
// to 30 s.
func openStream(ctx context.Context, js jetstream.JetStream, name string) (stream jetstream.Stream, err error) {
	err = retryWhile(30*time.Second, func(err error) bool { return isTimeout(err) || errors.Is(err, jetstream.ErrStreamNotFound) }, func() error {
		stream, err = js.Stream(ctx, name)
		return err
	})
	return stream, err
}

// Publish adds an item on subject. A non-empty msgID is JetStream's
// message id: the same id published again within the duplicate window
// (two minutes) is dropped.
func (q *WorkQueue) Publish(ctx context.Context, subject, msgID string, data []byte) error {
	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	var opts []jetstream.PublishOpt
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	if _, err := q.js.PublishMsg(ctx, msg, opts...); err != nil {
		return fmt.Errorf("publish work on %s: %w", subject, err)
	}
	return nil
}

// Work calls handle with each item handed to this replica, up to buffer
// of them at once (each in its own goroutine), until ctx ends; then it
// waits for the calls in flight. handle acknowledges, puts off or
// terminates its item.
func (q *WorkQueue) Work(ctx context.Context, buffer int, handle func(jetstream.Msg)) error {
	it, err := q.consumer.Messages(jetstream.PullMaxMessages(buffer))
	if err != nil {
		return fmt.Errorf("take work: %w", err)
	}
	stopped := context.AfterFunc(ctx, it.Stop)
	defer stopped()
	slots := make(chan struct{}, buffer)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		msg, err := it.Next()
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) || ctx.Err() != nil {
			return nil
		}
		if err != nil {
			// Heartbeats missed while the server was away: the iterator
			// goes on once it is back.
			continue
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil // not acked: handed out again
		}
		wg.Go(func() {
			defer func() { <-slots }()
			handle(msg)
		})
	}
}

// Counts returns how many items wait on each subject matching filter.
func (q *WorkQueue) Counts(ctx context.Context, filter string) (map[string]uint64, error) {
	info, err := q.stream.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return nil, fmt.Errorf("count work on %s: %w", filter, err)
	}
	if info.State.Subjects == nil {
		return map[string]uint64{}, nil
	}
	return info.State.Subjects, nil
}

// Purge removes every item on subject.
func (q *WorkQueue) Purge(ctx context.Context, subject string) error {
	if err := q.stream.Purge(ctx, jetstream.WithPurgeSubject(subject)); err != nil {
		return fmt.Errorf("purge work on %s: %w", subject, err)
	}
	return nil
}

// Move republishes every item on subject from (a subject the consumer
// does not take from) to subject to, oldest first, and says how many. An
// item is removed after it is republished, so one moved twice at once is
// at worst handed out twice.
func (q *WorkQueue) Move(ctx context.Context, from, to string) (int, error) {
	moved := 0
	for seq := uint64(1); ; {
		m, err := q.stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(from))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return moved, nil
		}
		if err != nil {
			return moved, fmt.Errorf("move work from %s: %w", from, err)
		}
		if err := q.Publish(ctx, to, "", m.Data); err != nil {
			return moved, err
		}
		if err := q.stream.DeleteMsg(ctx, m.Sequence); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			return moved, fmt.Errorf("move work from %s: %w", from, err)
		}
		moved++
		seq = m.Sequence + 1
	}
}
