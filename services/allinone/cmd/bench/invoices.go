package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
	"github.com/resellerapi/platform/services/allinone/platform"
	"github.com/resellerapi/platform/services/backoffice"
)

// benchInvoice is invoice i of reseller res-0: three lines, 24% VAT.
func benchInvoice(prefix string, i int) backoffice.Record[*eventsv1.Invoice] {
	lines := make([]*eventsv1.InvoiceLine, 3)
	for l := range lines {
		lines[l] = &eventsv1.InvoiceLine{LineId: fmt.Sprint(l + 1), Description: "Microsoft 365 Business Standard",
			ProductId: "prd-00001", AccountId: fmt.Sprintf("acc-0-%05d", (i+l)%100), Quantity: int64(1 + l), UnitPriceMinor: 1000 + int64(i%100),
			TaxRatePercent: "24", ServicePeriodStart: "2026-10-01", ServicePeriodEnd: "2026-10-31"}
	}
	return backoffice.At(1, backoffice.Totals(&eventsv1.Invoice{InvoiceId: fmt.Sprintf("%s-%06d", prefix, i), ResellerId: "res-0",
		Number: fmt.Sprintf("B-%06d", i), Currency: "EUR", IssueDate: "2026-11-01", DueDate: "2026-12-01", Lines: lines}))
}

// invoiceThroughput publishes n invoices at once and measures how fast the
// invoicing service projects them (published to stored). Then it writes
// the same documents straight through the driver into new collections of
// the same database, in bulk writes of batch documents: version-guarded
// upserts, as a projector without settlement would, and plain inserts,
// the store's fastest write. It returns the three rates in events per
// second.
func invoiceThroughput(ctx context.Context, p *platform.Platform, db *mongo.Database, n, batch int) (ours, upserts, inserts float64, err error) {
	invoices := db.Collection(invoicing.InvoicesCollection)
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: p.NATSURLFor("backoffice"), Service: "backoffice"})
	if err != nil {
		return 0, 0, 0, err
	}
	defer func() { _ = bus.Close() }()
	records := make([]backoffice.Record[*eventsv1.Invoice], n)
	for i := range records {
		records[i] = benchInvoice("inv-burst", i)
	}
	pub := backoffice.NewPublisher(bus)
	start := time.Now()
	// Published from 4 goroutines, as a back-office's month-end run would.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for w := range 4 {
		wg.Go(func() {
			var mine []backoffice.Record[*eventsv1.Invoice]
			for i := w; i < n; i += 4 {
				mine = append(mine, records[i])
			}
			_, errs[w] = backoffice.Publish(ctx, pub, backoffice.Invoices(), mine)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, 0, 0, err
	}
	burst := bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^inv-burst-"}}}}
	if err := waitCount(ctx, invoices, burst, n, start); err != nil {
		return 0, 0, 0, err
	}
	ours = float64(n) / time.Since(start).Seconds()

	docs := make([]invoicing.Invoice, n)
	for i := range docs {
		docs[i] = document(benchInvoice("inv-burst", i))
	}
	bulk := func(name string, model func(invoicing.Invoice) mongo.WriteModel) (float64, error) {
		coll := db.Collection(name)
		defer func() { _ = coll.Drop(context.Background()) }()
		start := time.Now()
		for from := 0; from < n; from += batch {
			models := make([]mongo.WriteModel, 0, batch)
			for _, d := range docs[from:min(from+batch, n)] {
				models = append(models, model(d))
			}
			if _, err := coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(true)); err != nil {
				return 0, err
			}
		}
		return float64(n) / time.Since(start).Seconds(), nil
	}
	if upserts, err = bulk("bench_guarded_upserts", func(d invoicing.Invoice) mongo.WriteModel {
		return mongo.NewReplaceOneModel().SetUpsert(true).
			SetFilter(bson.D{{Key: "_id", Value: d.ID}, {Key: "version", Value: bson.D{{Key: "$lt", Value: d.Version}}}}).
			SetReplacement(d)
	}); err != nil {
		return 0, 0, 0, err
	}
	if inserts, err = bulk("bench_inserts", func(d invoicing.Invoice) mongo.WriteModel {
		return mongo.NewInsertOneModel().SetDocument(d)
	}); err != nil {
		return 0, 0, 0, err
	}
	return ours, upserts, inserts, nil
}

// document is the read model of a new, unpaid invoice, as the invoicing
// service stores it.
func document(rec backoffice.Record[*eventsv1.Invoice]) invoicing.Invoice {
	inv := rec.State
	now := time.Now().UTC().Truncate(time.Millisecond)
	d := invoicing.Invoice{ID: inv.InvoiceId, ResellerID: inv.ResellerId, Number: inv.Number, Currency: inv.Currency,
		IssueDate: inv.IssueDate, DueDate: inv.DueDate, SubtotalMinor: inv.SubtotalMinor, TaxMinor: inv.TaxMinor, TotalMinor: inv.TotalMinor,
		Status: invoicing.InvoiceIssued, AmountDueMinor: inv.TotalMinor, Payments: []invoicing.InvoicePayment{},
		CreatedAt: now, UpdatedAt: now, InvoiceUpdatedAt: now, Version: rec.Version, Rev: "raw"}
	for _, l := range inv.Lines {
		d.Lines = append(d.Lines, invoicing.InvoiceLine{LineID: l.LineId, Description: l.Description, ProductID: l.ProductId,
			AccountID: l.AccountId, Quantity: l.Quantity, UnitPriceMinor: l.UnitPriceMinor, TaxRatePercent: l.TaxRatePercent,
			ServicePeriodStart: l.ServicePeriodStart, ServicePeriodEnd: l.ServicePeriodEnd, AmountMinor: l.AmountMinor})
		if !slices.Contains(d.AccountIDs, l.AccountId) {
			d.AccountIDs = append(d.AccountIDs, l.AccountId)
		}
	}
	return d
}

// waitCount waits, at most 10 minutes from start, until n documents of
// coll match filter (a projection has caught up).
func waitCount(ctx context.Context, coll *mongo.Collection, filter bson.D, n int, start time.Time) error {
	for {
		count, err := coll.CountDocuments(ctx, filter)
		if err != nil {
			return err
		}
		if count >= int64(n) {
			return nil
		}
		if time.Since(start) > 10*time.Minute {
			return fmt.Errorf("%d of %d projected after 10 minutes", count, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// invoiceVisibility publishes n invoices at rate per second while a
// prober takes the latest invoice published, polls GET /api/invoices/{id}
// every 20 ms until it answers 200, records the time since its publish,
// and takes the next latest (one probe at a time: on the SQLite handler
// every GET scans the collection, and more probers slow the projection
// they measure); it returns the p50 and p99 and how many were timed.
func invoiceVisibility(ctx context.Context, p *platform.Platform, api *http.Client, n int, rate float64) (p50, p99 time.Duration, samples int, err error) {
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: p.NATSURLFor("backoffice"), Service: "backoffice"})
	if err != nil {
		return 0, 0, 0, err
	}
	defer func() { _ = bus.Close() }()
	pub := backoffice.NewPublisher(bus)
	type published struct {
		id string
		at time.Time
	}
	var (
		mu     sync.Mutex
		latest published
		done   = make(chan struct{})
	)
	const probers = 1
	probed := make(chan []time.Duration, probers)
	var taken string // the last invoice a prober took
	for range probers {
		go func() {
			var latencies []time.Duration
			defer func() { probed <- latencies }()
			for {
				mu.Lock()
				next := latest
				fresh := next.id != "" && next.id != taken
				if fresh {
					taken = next.id
				}
				mu.Unlock()
				if !fresh {
					select {
					case <-done:
						return
					case <-time.After(time.Millisecond):
						continue
					}
				}
				for deadline := next.at.Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
					if getOK(api, p.URL+"/api/invoices/"+next.id) == nil {
						latencies = append(latencies, time.Since(next.at))
						break
					}
				}
			}
		}()
	}
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		inv := benchInvoice("inv-seen", i)
		at := time.Now()
		if _, err := backoffice.Publish(ctx, pub, backoffice.Invoices(), []backoffice.Record[*eventsv1.Invoice]{inv}); err != nil {
			close(done)
			return 0, 0, 0, err
		}
		mu.Lock()
		latest = published{id: inv.State.InvoiceId, at: at}
		mu.Unlock()
	}
	close(done)
	var latencies []time.Duration
	for range probers {
		latencies = append(latencies, <-probed...)
	}
	if len(latencies) == 0 {
		return 0, 0, 0, errors.New("no invoice became visible")
	}
	slices.Sort(latencies)
	return latencies[len(latencies)/2], latencies[(len(latencies)*99)/100], len(latencies), nil
}

// invoiceReads measures the invoice endpoints against the same store work
// straight through the driver: a page is a find (without lines and
// payments), a count and one find of the page's account names; an invoice
// is a find and one find of its account names.
func invoiceReads(ctx context.Context, o settings, api *http.Client, base string, invoices, accounts *mongo.Collection) error {
	names := func(ids []string) error {
		_, err := mongodb.FindAll[directory.Account](ctx, accounts, bson.D{{Key: "reseller_id", Value: "res-0"},
			{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, options.Find().SetProjection(bson.D{{Key: "name", Value: 1}}))
		return err
	}
	fmt.Printf("%-44s %11s %11s %11s %8s\n", "measurement (latency: lower is better)", "concurrency", "ours ms/op", "raw ms/op", "ratio")
	scope := bson.D{{Key: "reseller_id", Value: "res-0"}}
	page := options.Find().SetSort(bson.D{{Key: "issue_date", Value: -1}, {Key: "_id", Value: -1}}).SetSkip(20).SetLimit(10).
		SetProjection(bson.D{{Key: "lines", Value: 0}, {Key: "payments", Value: 0}})
	for _, c := range o.concurrency {
		ours, err := measure(o.requests, c, func() error { return getOK(api, base+"/api/invoices?pageIndex=3&pageSize=10") })
		if err != nil {
			return err
		}
		raw, err := measure(o.requests, c, func() error {
			docs, err := mongodb.FindAll[invoicing.Invoice](ctx, invoices, scope, page)
			if err != nil {
				return err
			}
			if _, err := invoices.CountDocuments(ctx, scope); err != nil {
				return err
			}
			var ids []string
			for _, d := range docs {
				ids = append(ids, d.AccountIDs...)
			}
			return names(ids)
		})
		if err != nil {
			return err
		}
		row("GET /api/invoices page 3 vs find+count+names", c, ours, raw)
	}
	for _, c := range o.concurrency {
		ours, err := measure(o.requests, c, func() error { return getOK(api, base+"/api/invoices/inv-burst-000007") })
		if err != nil {
			return err
		}
		raw, err := measure(o.requests, c, func() error {
			d, err := mongodb.FindOne[invoicing.Invoice](ctx, invoices, bson.D{{Key: "_id", Value: "inv-burst-000007"}, {Key: "reseller_id", Value: "res-0"}})
			if err != nil {
				return err
			}
			return names(d.AccountIDs)
		})
		if err != nil {
			return err
		}
		row("GET /api/invoices/{id} vs findOne+names", c, ours, raw)
	}
	return nil
}
