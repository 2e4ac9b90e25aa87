// Command faults is the fault suite (`make test-faults`): it runs the
// platform as separate processes (deployments/cluster, on loopback only)
// and, while events and reads flow, kills a consumer replica (SIGKILL) in
// the middle of a burst of 10,000 events, kills and restarts one of the
// three NATS servers, makes the store unavailable for 10 seconds and kills
// an edge replica under a steady read load, and kills a webhooks replica
// while it delivers a burst of 10,000 webhooks. Then it checks every invoice
// in the read model against what was published, that only the
// deliberately invalid events were dead-lettered and that the API answers;
// that every webhook queued arrived; it prints published, projected, lost
// and duplicated counts and how long recovery took, and exits 1 on any
// loss. It stops by itself (at most a
// few minutes).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/deployments/cluster"
	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
)

const reseller = "res-faults"

func main() {
	dir := flag.String("dir", ".data/faults", "binaries, data and logs (emptied first)")
	burst := flag.Int("burst", 10000, "events of the burst a consumer replica is killed in")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if err := os.RemoveAll(*dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ok, err := run(ctx, log, *dir, *burst)
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

// suite holds what the phases share.
type suite struct {
	c         *cluster.Cluster
	bus       *eventbus.Bus
	published sync.Map // invoice id -> *eventsv1.InvoiceChanged
	retries   atomic.Int64
}

func run(ctx context.Context, log *slog.Logger, dir string, burst int) (bool, error) {
	start := time.Now()
	c, err := cluster.Start(ctx, cluster.Options{Root: ".", Dir: dir, PublicAddr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0", BcryptCost: 10, Log: log})
	if err != nil {
		return false, err
	}
	defer c.Stop()
	fmt.Printf("platform up in %v: %d processes (logs in %s)\n", time.Since(start).Round(time.Millisecond), len(c.Processes()), c.Logs)
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: c.BackofficeNATSURL, Service: "backoffice"})
	if err != nil {
		return false, err
	}
	defer func() { _ = bus.Close() }()
	s := &suite{c: c, bus: bus}
	if err := s.publishReseller(ctx); err != nil {
		return false, err
	}
	token, err := s.token(ctx)
	if err != nil {
		return false, err
	}
	store, err := mongo.Connect(options.Client().ApplyURI(c.MongoURI))
	if err != nil {
		return false, err
	}
	defer func() { _ = store.Disconnect(context.Background()) }()
	invoices := store.Database(invoicing.InvoicingDatabase).Collection(invoicing.InvoicesCollection)

	type phase struct {
		name      string
		events    int
		fault     func() error
		recovered time.Duration
	}
	phases := []*phase{
		{name: "kill -9 a consumer replica (invoicing-0) mid-burst", events: burst, fault: func() error {
			p := c.Process("invoicing-0")
			p.Kill()
			time.Sleep(2 * time.Second)
			return p.Restart()
		}},
		{name: "kill -9 and restart one NATS server (nats-1)", events: burst / 5, fault: func() error {
			p := c.Process("nats-1")
			p.Kill()
			time.Sleep(5 * time.Second)
			return p.Restart()
		}},
		{name: "the store unavailable for 10 s (FerretDB killed, restarted)", events: burst / 10, fault: func() error {
			p := c.Process("ferretdb")
			p.Kill()
			time.Sleep(10 * time.Second)
			return p.Restart()
		}},
	}
	for i, ph := range phases {
		fmt.Printf("phase %d: %s, %d events\n", i+1, ph.name, ph.events)
		t0 := time.Now()
		faulted := make(chan error, 1)
		var once sync.Once
		err := s.publish(ctx, i, ph.events, func(n int) {
			if n == ph.events/3 {
				once.Do(func() { go func() { faulted <- ph.fault() }() })
			}
		})
		if err != nil {
			return false, err
		}
		if err := <-faulted; err != nil {
			return false, fmt.Errorf("phase %d fault: %w", i+1, err)
		}
		published := time.Now()
		if err := s.waitProjected(ctx, invoices); err != nil {
			return false, fmt.Errorf("phase %d: %w", i+1, err)
		}
		ph.recovered = time.Since(published)
		fmt.Printf("  published (and the fault over) in %v; all projected %v later\n", published.Sub(t0).Round(time.Millisecond), ph.recovered.Round(time.Millisecond))
	}

	// Phase 4: an edge replica killed under a steady read load.
	fmt.Println("phase 4: kill -9 an edge replica (edge-0) under a steady read load")
	reads, failures := s.readLoad(ctx, token, 15*time.Second, func() {
		p := c.Process("edge-0")
		p.Kill()
		time.Sleep(5 * time.Second)
		if err := p.Restart(); err != nil {
			log.Error("edge-0 not restarted", "error", err.Error())
		}
	})
	fmt.Printf("  %d reads through the public URL, %d failed\n", reads, failures)

	// Phase 5: a webhooks replica killed while it delivers a burst.
	fmt.Printf("phase 5: kill -9 a webhooks replica (webhooks-0) mid-burst, %d webhooks\n", burst)
	t0 := time.Now()
	hooks, err := s.webhooksRound(ctx, token, burst, func() error {
		p := c.Process("webhooks-0")
		p.Kill()
		time.Sleep(2 * time.Second)
		return p.Restart()
	})
	if err != nil {
		return false, fmt.Errorf("phase 5: %w", err)
	}
	fmt.Printf("  queued (and the fault over) in %v; all delivered %v later\n", (time.Since(t0) - hooks.recovered).Round(time.Millisecond),
		hooks.recovered.Round(time.Millisecond))

	// The verdict.
	invalid, err := s.publishInvalid(ctx)
	if err != nil {
		return false, err
	}
	total, projected, wrong, err := s.compare(ctx, invoices)
	if err != nil {
		return false, err
	}
	dead, err := deadLetters(c.BackofficeNATSURL, invalid)
	if err != nil {
		return false, err
	}
	apiCount, err := s.apiCount(ctx, token)
	if err != nil {
		return false, err
	}
	lost := total - projected
	fmt.Printf("\npublished %d invoices (%d publish retries), projected %d, lost %d, duplicated or wrong %d\n",
		total, s.retries.Load(), projected, lost, wrong)
	fmt.Printf("dead letters: %d of the %d deliberately invalid events, %d others\n", dead.expected, len(invalid), dead.other)
	fmt.Printf("the API lists %d invoices of %s; reads failed during the edge kill: %d of %d\n", apiCount, reseller, failures, reads)
	fmt.Printf("webhooks: %d queued (%d requests retried), %d arrivals, missing %d, sent again %d (same webhook-id), %d extra (queued by a request that failed)\n",
		hooks.queued, hooks.retries, hooks.arrived, hooks.missing, hooks.repeated, hooks.extra)
	ok := lost == 0 && wrong == 0 && dead.expected == len(invalid) && dead.other == 0 && apiCount == total && failures == 0 && hooks.missing == 0
	if ok {
		fmt.Println("PASS: nothing lost, nothing duplicated")
	} else {
		fmt.Println("FAIL")
	}
	return ok, nil
}

// publishReseller makes the reseller the invoices belong to known.
func (s *suite) publishReseller(ctx context.Context) error {
	ev := &eventsv1.ResellerChanged{Meta: meta(reseller, 1), Reseller: &eventsv1.Reseller{ResellerId: reseller, Name: "Faults Ltd",
		Currency: "EUR", Country: "GR", Email: "ops@faults.example"}}
	return s.bus.Publish(ctx, eventbus.On(subjects.Resellers, ev))
}

func meta(id string, version int64) *eventsv1.EventMeta {
	return &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: id, Version: version}
}

func invoice(id string, amount int64) *eventsv1.InvoiceChanged {
	tax := (amount*24 + 50) / 100
	inv := &eventsv1.Invoice{InvoiceId: id, ResellerId: reseller, Number: "F-" + id, Currency: "EUR", IssueDate: "2026-11-01",
		DueDate: "2026-12-01", Status: eventsv1.InvoiceStatus_INVOICE_STATUS_ISSUED, SubtotalMinor: amount, TaxMinor: tax, TotalMinor: amount + tax,
		Lines: []*eventsv1.InvoiceLine{{LineId: "l1", Description: "Service", AccountId: "acc-1", Quantity: 1, UnitPriceMinor: amount,
			TaxRatePercent: "24", AmountMinor: amount}}}
	return &eventsv1.InvoiceChanged{Meta: meta(id, 1), Invoice: inv}
}

// publish publishes n invoices from 8 publishers, each retried (same
// event id: JetStream's duplicate window drops a second copy) until
// JetStream stores it; progress is called with the count so far.
func (s *suite) publish(ctx context.Context, phase, n int, progress func(int)) error {
	var next, done atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				id := fmt.Sprintf("inv-%d-%05d", phase, i)
				ev := invoice(id, 1000+i)
				for attempt := 0; ; attempt++ {
					err := s.bus.Publish(ctx, eventbus.On(subjects.Invoices, ev))
					if err == nil {
						break
					}
					if attempt == 60 || ctx.Err() != nil {
						errs <- fmt.Errorf("publish %s: %w", id, err)
						return
					}
					s.retries.Add(1)
					time.Sleep(500 * time.Millisecond)
				}
				s.published.Store(id, ev)
				progress(int(done.Add(1)))
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

func (s *suite) count() int {
	n := 0
	s.published.Range(func(any, any) bool { n++; return true })
	return n
}

// waitProjected waits until the read model holds every published invoice
// (at most 5 minutes).
func (s *suite) waitProjected(ctx context.Context, invoices *mongo.Collection) error {
	want := int64(s.count())
	deadline := time.Now().Add(5 * time.Minute)
	for {
		n, err := invoices.CountDocuments(ctx, bson.D{{Key: "reseller_id", Value: reseller}})
		if err == nil && n >= want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d invoices projected after 5 minutes (last error: %v); the consumers:\n%s", n, want, err, s.consumerReport())
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// compare checks every stored invoice against the published one.
func (s *suite) compare(ctx context.Context, invoices *mongo.Collection) (total, projected, wrong int, err error) {
	cur, err := invoices.Find(ctx, bson.D{{Key: "reseller_id", Value: reseller}})
	if err != nil {
		return 0, 0, 0, err
	}
	var docs []invoicing.Invoice
	if err := cur.All(ctx, &docs); err != nil {
		return 0, 0, 0, err
	}
	seen := map[string]bool{}
	for _, d := range docs {
		v, ok := s.published.Load(d.ID)
		if !ok || seen[d.ID] {
			wrong++
			continue
		}
		seen[d.ID] = true
		inv := v.(*eventsv1.InvoiceChanged).GetInvoice()
		if d.Number != inv.GetNumber() || d.TotalMinor != inv.GetTotalMinor() || d.Version != 1 || d.AmountDueMinor != inv.GetTotalMinor() || len(d.Lines) != 1 {
			wrong++
			continue
		}
		projected++
	}
	return s.count(), projected, wrong, nil
}

// publishInvalid publishes events that break their rules straight to
// JetStream (as a buggy back-office would): each must be dead-lettered.
func (s *suite) publishInvalid(ctx context.Context) ([]string, error) {
	nc, err := nats.Connect(s.c.BackofficeNATSURL, nats.CustomInboxPrefix(eventbus.InboxPrefix("backoffice")))
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		return nil, err
	}
	var ids []string
	for i := range 5 {
		id := fmt.Sprintf("inv-invalid-%d", i)
		ev := invoice(id, 1000)
		ev.Invoice.TotalMinor++ // the totals no longer add up
		data, _ := proto.Marshal(ev)
		msg := nats.NewMsg(subjects.Invoices.Of(id))
		msg.Data = data
		msg.Header.Set(eventbus.EventTypeHeader, string(ev.ProtoReflect().Descriptor().FullName()))
		if _, err := js.PublishMsg(msg, nats.Context(ctx)); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

type deadCount struct{ expected, other int }

// deadLetters counts the invoicing dead letters (waiting up to 30 s for
// the expected ones).
func deadLetters(natsURL string, expected []string) (deadCount, error) {
	nc, err := nats.Connect(natsURL, nats.CustomInboxPrefix(eventbus.InboxPrefix("backoffice")))
	if err != nil {
		return deadCount{}, err
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		return deadCount{}, err
	}
	want := map[string]bool{}
	for _, id := range expected {
		want[subjects.Invoices.Of(id)] = true
	}
	var count deadCount
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		count = deadCount{}
		for seq := uint64(1); ; seq++ {
			m, err := js.GetMsg("DEADLETTER", seq)
			if errors.Is(err, nats.ErrMsgNotFound) {
				info, ierr := js.StreamInfo("DEADLETTER")
				if ierr == nil && seq < info.State.LastSeq {
					continue
				}
				break
			}
			if err != nil {
				return deadCount{}, err
			}
			if want[m.Header.Get(eventbus.SubjectHeader)] {
				count.expected++
			} else if strings.HasPrefix(m.Subject, "deadletter.invoicing") {
				count.other++
			}
		}
		if count.expected >= len(expected) {
			break
		}
		time.Sleep(time.Second)
	}
	return count, nil
}

// token activates the Reseller API and logs a user of the reseller in.
func (s *suite) token(ctx context.Context) (string, error) {
	admin := func(method, path string, body string) (int, map[string]any, error) {
		req, _ := http.NewRequestWithContext(ctx, method, s.c.AdminURL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+s.c.AdminToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer func() { _ = resp.Body.Close() }()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out, nil
	}
	if status, _, err := admin("POST", "/admin/v1/reseller-api/credentials", ""); err != nil || status != 201 {
		return "", fmt.Errorf("activate: %d %v", status, err)
	}
	var creds map[string]any
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		status, out, err := admin("GET", "/admin/v1/resellers/"+reseller+"/api-credentials", "")
		if err == nil && status == 200 {
			creds = out
			break
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("auth never learnt %s: %d %v", reseller, status, err)
		}
	}
	user := `{"username":"faults-reader","email":"ops@faults.example","password":"Faults-Read-2026","confirmPassword":"Faults-Read-2026"}`
	if status, _, err := admin("POST", "/admin/v1/resellers/"+reseller+"/api-users", user); err != nil || status != 201 {
		return "", fmt.Errorf("create user: %d %v", status, err)
	}
	form := url.Values{"grant_type": {"password"}, "username": {"faults-reader"}, "password": {"Faults-Read-2026"}}
	req, _ := http.NewRequestWithContext(ctx, "POST", s.c.URL+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(creds["clientKey"].(string), creds["clientSecret"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("token: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken, nil
}

// readLoad reads the reseller's accounts steadily (4 readers, a read
// every 20 ms each) for d, running fault a second in; it returns the
// reads made and those that failed.
func (s *suite) readLoad(ctx context.Context, token string, d time.Duration, fault func()) (reads, failures int64) {
	var r, f atomic.Int64
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), "GET", s.c.URL+"/api/accounts?pageSize=1", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				r.Add(1)
				if err != nil || resp.StatusCode != 200 {
					f.Add(1)
				}
				if err == nil {
					_ = resp.Body.Close()
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	time.Sleep(time.Second)
	fault()
	wg.Wait()
	return r.Load(), f.Load()
}

// apiCount is the invoice count the public API reports.
func (s *suite) apiCount(ctx context.Context, token string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", s.c.URL+"/api/invoices?pageSize=1", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	var page struct {
		Pagination struct {
			TotalCount int `json:"totalCount"`
		} `json:"pagination"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return 0, err
	}
	return page.Pagination.TotalCount, nil
}
