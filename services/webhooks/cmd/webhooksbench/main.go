// Command webhooksbench measures the webhooks service on this machine
// (embedded NATS and FerretDB, loopback only, bounded in count): the
// deliveries per second its dispatcher sends to a local receiver against
// a plain loop of HTTP POSTs of the same bodies at the same concurrency,
// and the time from publishing a back-office event to its delivery.
package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/callerauth"
	"github.com/resellerapi/platform/pkg/eckey"
	"github.com/resellerapi/platform/pkg/embedded"
	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/services/webhooks/internal/adapters"
	"github.com/resellerapi/platform/services/webhooks/internal/domain"
	"github.com/resellerapi/platform/services/webhooks/service"
)

func main() {
	n := flag.Int("deliveries", 500, "deliveries for the throughput rows")
	concurrency := flag.Int("concurrency", 4, "attempts in flight (the dispatcher's workers and the plain loop's)")
	events := flag.Int("events", 30, "events published one at a time for the latency row")
	flag.Parse()
	if *n < 1 || *n > 20_000 || *concurrency < 1 || *concurrency > 64 || *events < 1 || *events > 1000 {
		fmt.Fprintln(os.Stderr, "webhooksbench: -deliveries 1..20000, -concurrency 1..64, -events 1..1000")
		os.Exit(2)
	}
	if err := run(*n, *concurrency, *events); err != nil {
		fmt.Fprintln(os.Stderr, "webhooksbench:", err)
		os.Exit(1)
	}
}

// receiver counts deliveries and when each arrived, by webhook-id.
type receiver struct {
	count   atomic.Int64
	mu      sync.Mutex
	arrived map[string]time.Time
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	if id := r.Header.Get("webhook-id"); id != "" {
		rc.mu.Lock()
		if _, seen := rc.arrived[id]; !seen {
			rc.arrived[id] = time.Now()
		}
		rc.mu.Unlock()
	}
	rc.count.Add(1)
	w.WriteHeader(http.StatusNoContent)
}

func run(n, concurrency, events int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "webhooksbench-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	password := rand.Text()
	ns, err := embedded.StartNATS(embedded.NATSConfig{Addr: "127.0.0.1:0", Dir: filepath.Join(dir, "nats"),
		Users: []embedded.NATSUser{{Name: "bench", Password: password}}})
	if err != nil {
		return err
	}
	defer ns.Shutdown()
	fdb, err := embedded.StartFerretDB(embedded.FerretDBConfig{Addr: "127.0.0.1:0", Dir: filepath.Join(dir, "ferretdb"),
		PostgreSQLURL: os.Getenv("FERRETDB_POSTGRESQL_URL")})
	if err != nil {
		return err
	}
	defer fdb.Shutdown()
	natsURL := ns.URLFor("bench", password)

	rc := &receiver{arrived: map[string]time.Time{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	body := []byte(`{"type":"invoice.issued","timestamp":"2026-12-06T12:00:00.000Z","data":{"id":"inv-1","number":"INV-1","status":"issued","currency":"EUR","total":"12.40"}}`)

	// The plain loop: the same bodies POSTed, concurrency at a time.
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				resp, err := http.Post(srv.URL, "application/json", bytes.NewReader(body))
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
			}
		})
	}
	wg.Wait()
	raw := float64(n) / time.Since(start).Seconds()

	// No API caller here: an auth event key only because the service
	// follows auth's events for its API.
	authEvents, err := eckey.New()
	if err != nil {
		return err
	}
	svc, err := service.New(ctx, service.Config{
		Config:     infra.Config{NATSURL: natsURL, MongoURI: fdb.URI(), Database: "webhooks"},
		SecretsKey: []byte(rand.Text() + rand.Text())[:32], AllowPrivateTargets: true, Workers: concurrency, PerEndpoint: concurrency,
		Callers: callerauth.Config{Issuer: "http://127.0.0.1", JWKSURL: "http://127.0.0.1/jwks", AuthEventKeys: []*ecdsa.PublicKey{&authEvents.PublicKey}},
	}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- svc.Run(runCtx) }()
	defer func() { stop(); <-done; _ = svc.Close() }()
	secret, err := adapters.NewSecret()
	if err != nil {
		return err
	}
	sub := domain.Subscription{ID: "sub-bench", ResellerID: "res-bench", URL: srv.URL, Events: []domain.EventType{domain.AllEvents},
		Status: domain.Active, Secrets: []domain.Secret{{Value: secret}}, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := svc.Store.CreateSubscription(ctx, sub); err != nil {
		return err
	}

	// The dispatcher: n deliveries stored and set aside while the
	// subscription is paused, then released at once: from the release to
	// the last answer counted by the receiver.
	if err := svc.Store.SetStatus(ctx, sub.ID, domain.Paused, "", time.Now()); err != nil {
		return err
	}
	queued := make([]domain.Delivery, n)
	for i := range queued {
		queued[i] = domain.Delivery{ID: domain.DeliveryID(fmt.Sprint("evt-", i), domain.InvoiceIssued, sub.ID), SubscriptionID: sub.ID, ResellerID: sub.ResellerID,
			EventID: fmt.Sprint("evt-", i), Type: domain.InvoiceIssued, Body: body, Held: true, NextAt: time.Now(), CreatedAt: time.Now()}
		if err := svc.Queue.Put(ctx, queued[i]); err != nil {
			return err
		}
	}
	if _, err := svc.Store.Enqueue(ctx, queued); err != nil {
		return err
	}
	before := rc.count.Load()
	start = time.Now()
	if err := svc.Store.SetStatus(ctx, sub.ID, domain.Active, "", time.Now()); err != nil {
		return err
	}
	if _, err := svc.Queue.Release(ctx, sub.ID); err != nil {
		return err
	}
	for rc.count.Load()-before < int64(n) {
		if ctx.Err() != nil {
			return fmt.Errorf("%d of %d delivered before the deadline", rc.count.Load()-before, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	ours := float64(n) / time.Since(start).Seconds()

	// Publish to delivery: account events one at a time, each timed from
	// its publish to its arrival.
	nc, err := nats.Connect(natsURL)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		return err
	}
	var lat []time.Duration
	for i := range events {
		id := fmt.Sprintf("acc-bench-%d", i)
		ev := &eventsv1.AccountChanged{
			Meta:    &eventsv1.EventMeta{EventId: uuid.NewString(), OccurredAt: timestamppb.Now(), AggregateId: id, Version: 1},
			Account: &eventsv1.Account{AccountId: id, ResellerId: sub.ResellerID, Name: "Bench customer", Status: eventsv1.AccountStatus_ACCOUNT_STATUS_ACTIVE},
		}
		data, err := proto.Marshal(ev)
		if err != nil {
			return err
		}
		delivery := domain.DeliveryID(ev.Meta.EventId, domain.AccountCreated, sub.ID)
		sent := time.Now()
		if _, err := js.Publish(subjects.Accounts.Of(id), data); err != nil {
			return err
		}
		for {
			rc.mu.Lock()
			at, ok := rc.arrived[delivery]
			rc.mu.Unlock()
			if ok {
				lat = append(lat, at.Sub(sent))
				break
			}
			if ctx.Err() != nil {
				return fmt.Errorf("event %d not delivered before the deadline", i)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }

	fmt.Printf("webhooks: FerretDB 1.24.2 (%s handler), one endpoint on loopback answering 204, %d deliveries, concurrency %d, 2 cores shared by sender and receiver\n",
		handler(), n, concurrency)
	fmt.Printf("measurement (throughput: higher is better)      ours/s     raw/s    ratio\n")
	fmt.Printf("%-45s %8.0f  %8.0f   %5.2fx\n", "signed deliveries vs plain POSTs of the bodies", ours, raw, ours/raw)
	fmt.Printf("publish to delivery (an account event to account.created at the endpoint), %d events one at a time: p50 %.1f ms, p99 %.1f ms\n",
		len(lat), pct(0.5), pct(0.99))
	fmt.Println("ours = take from the JetStream work queue, sign (Standard Webhooks), POST, record the attempt in the store, ack; raw = the POST alone.")
	return nil
}

func handler() string {
	if os.Getenv("FERRETDB_POSTGRESQL_URL") != "" {
		return "PostgreSQL"
	}
	return "SQLite"
}
