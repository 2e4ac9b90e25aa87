package eventbus

import (
	"context"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
)

// lagBuckets are the projection lag buckets, in seconds: from a few
// milliseconds (caught up) to minutes (a backlog, or an outage).
var lagBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900}

// newLag is the histogram of the time from an event's occurred_at to its
// handler having applied it.
func newLag(service string) *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:        "event_projection_lag_seconds",
		Help:        "From the time an event happened (its occurred_at) to its handler having applied it (its write done).",
		ConstLabels: prometheus.Labels{"service": service},
		Buckets:     lagBuckets,
	}, []string{"handler"})
}

// consumers is a collector of the durable consumers' backlog, read from
// JetStream when scraped.
type consumers struct {
	b       *Bus
	pending *prometheus.Desc
	acks    *prometheus.Desc

	mu    sync.Mutex
	known map[string]string // durable -> stream
}

func newConsumers(b *Bus) *consumers {
	labels := prometheus.Labels{"service": b.cfg.Service}
	return &consumers{b: b, known: map[string]string{},
		pending: prometheus.NewDesc("eventbus_consumer_pending_messages",
			"Messages of the stream the durable consumer has not delivered yet (its backlog).", []string{"consumer"}, labels),
		acks: prometheus.NewDesc("eventbus_consumer_ack_pending_messages",
			"Messages delivered to the consumer's replicas and not acknowledged yet.", []string{"consumer"}, labels)}
}

func (c *consumers) add(durable, stream string) {
	c.mu.Lock()
	c.known[durable] = stream
	c.mu.Unlock()
}

// Describe is prometheus.Collector's.
func (c *consumers) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.acks
}

// Collect asks JetStream for every consumer's state (bounded in time: a
// scrape never hangs on an unreachable server).
func (c *consumers) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	known := make(map[string]string, len(c.known))
	for d, s := range c.known {
		known[d] = s
	}
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for durable, stream := range known {
		info, err := c.b.js.ConsumerInfo(stream, durable, nats.Context(ctx))
		if err != nil {
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(info.NumPending), durable)
		ch <- prometheus.MustNewConstMetric(c.acks, prometheus.GaugeValue, float64(info.NumAckPending), durable)
	}
}
