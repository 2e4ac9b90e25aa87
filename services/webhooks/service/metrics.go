package service

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/resellerapi/platform/services/webhooks/internal/adapters"
)

// backlogTop bounds the subscriptions the backlog gauge names, the
// largest backlogs first; the total counts all of them.
const backlogTop = 50

// backlog is a collector of the deliveries waiting per subscription,
// counted on the queue when scraped.
type backlog struct {
	queue      *adapters.Queue
	total, per *prometheus.Desc
}

func newBacklog(queue *adapters.Queue) *backlog {
	return &backlog{queue: queue,
		total: prometheus.NewDesc("webhooks_backlog", "Deliveries waiting to be sent (pending, held ones included).", nil, nil),
		per: prometheus.NewDesc("webhooks_backlog_by_subscription",
			"Deliveries waiting per subscription, for the 50 largest backlogs.", []string{"subscription"}, nil),
	}
}

func (b *backlog) Describe(ch chan<- *prometheus.Desc) { ch <- b.total; ch <- b.per }

func (b *backlog) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := b.queue.Backlog(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(b.total, err)
		return
	}
	type row struct {
		id string
		n  int64
	}
	rows := make([]row, 0, len(counts))
	var total int64
	for id, n := range counts {
		rows = append(rows, row{id, n})
		total += n
	}
	slices.SortFunc(rows, func(a, c row) int { return cmp.Or(cmp.Compare(c.n, a.n), cmp.Compare(a.id, c.id)) })
	ch <- prometheus.MustNewConstMetric(b.total, prometheus.GaugeValue, float64(total))
	for _, r := range rows[:min(len(rows), backlogTop)] {
		ch <- prometheus.MustNewConstMetric(b.per, prometheus.GaugeValue, float64(r.n), r.id)
	}
}
