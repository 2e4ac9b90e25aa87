package eventbus_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/testkit"
)

// workQueue returns a work queue of its own to the test: stream WQ<id>,
// subjects wq<id>.due.* (taken) and wq<id>.held.* (set aside).
func workQueue(t *testing.T, ackWait time.Duration) (*eventbus.WorkQueue, string) {
	t.Helper()
	bus, service := startBus(t, prometheus.NewRegistry(), func(*eventbus.Bus) {})
	q, err := bus.WorkQueue(t.Context(), eventbus.WorkQueueConfig{
		Stream: "WQ" + service, Subjects: []string{"wq" + service + ".>"}, Consumer: "work",
		Filter: []string{"wq" + service + ".due.>"}, AckWait: ackWait,
	})
	if err != nil {
		t.Fatal(err)
	}
	return q, "wq" + service
}

type worked struct {
	mu    sync.Mutex
	items map[string]int
}

func (w *worked) add(m jetstream.Msg) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.items[string(m.Data())]++
	return w.items[string(m.Data())]
}

func (w *worked) count(item string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.items[item]
}

func (w *worked) total() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.items)
}

// Items are handed out once and removed when acknowledged; one whose
// holder never answers goes to another replica after the ack wait; one
// put off comes back; a duplicate message id is dropped; set-aside items
// are counted per subject, moved back to work, and purged.
func TestAWorkQueueHandsOutEachItemUntilDone(t *testing.T) {
	t.Parallel()
	q, prefix := workQueue(t, time.Second)
	ctx := t.Context()
	for i := range 5 {
		if err := q.Publish(ctx, prefix+".due.a", fmt.Sprintf("id-%d", i), fmt.Appendf(nil, "item-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Publish(ctx, prefix+".due.a", "id-0", []byte("duplicate")); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"x", "y"} {
		if err := q.Publish(ctx, prefix+".held."+s, "", []byte("held-"+s)); err != nil {
			t.Fatal(err)
		}
	}
	counts, err := q.Counts(ctx, prefix+".>")
	if err != nil || counts[prefix+".due.a"] != 5 || counts[prefix+".held.x"] != 1 {
		t.Fatalf("counts %v, %v", counts, err)
	}

	// The first replica drops item-1 on the floor and puts item-2 off once.
	w := &worked{items: map[string]int{}}
	first, stopFirst := context.WithCancel(ctx)
	firstDone := make(chan struct{})
	go func() {
		defer close(firstDone)
		_ = q.Work(first, 4, func(m jetstream.Msg) {
			switch n := w.add(m); {
			case string(m.Data()) == "item-1":
			case string(m.Data()) == "item-2" && n == 1:
				_ = m.NakWithDelay(100 * time.Millisecond)
			default:
				_ = m.Ack()
			}
		})
	}()
	testkit.Eventually(t, 10*time.Second, func() bool { return w.total() == 5 && w.count("item-2") == 2 }, "every item handed out, item-2 twice")
	stopFirst()
	<-firstDone
	if w.count("duplicate") != 0 {
		t.Error("a duplicate message id was handed out")
	}

	// Another replica gets item-1 once its holder's ack wait ended.
	go func() {
		_ = q.Work(ctx, 4, func(m jetstream.Msg) { w.add(m); _ = m.Ack() })
	}()
	testkit.Eventually(t, 10*time.Second, func() bool { return w.count("item-1") == 2 }, "item-1 handed out again")
	if n, err := q.Move(ctx, prefix+".held.x", prefix+".due.b"); n != 1 || err != nil {
		t.Fatalf("moved %d: %v", n, err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool { return w.count("held-x") == 1 }, "the moved item handed out")
	if err := q.Purge(ctx, prefix+".held.y"); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, func() bool {
		counts, err := q.Counts(ctx, prefix+".>")
		return err == nil && len(counts) == 0
	}, "nothing left")
	if w.count("held-y") != 0 {
		t.Error("a purged item was handed out")
	}
}
