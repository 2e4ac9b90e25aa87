// Command bench measures the platform against the same work done straight
// through the MongoDB driver, in one run, and prints the ratios: the edge's
// account and product list and get endpoints against the raw find+count
// and find, and the directory's projection of events against raw
// version-guarded writes.
// It names the store, the collection size and the concurrency; it runs
// on loopback only and stops by itself. `make bench` runs it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"golang.org/x/oauth2"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
	"github.com/resellerapi/platform/services/allinone/platform"
	"github.com/resellerapi/platform/services/backoffice"
)

type settings struct {
	accounts, resellers, requests, events int
	products, lists                       int
	invoices                              int
	walk                                  int
	invoicingOnly                         bool
	concurrency                           []int
}

func main() {
	var o settings
	flag.IntVar(&o.accounts, "accounts", 2000, "accounts in the read model")
	flag.IntVar(&o.resellers, "resellers", 10, "resellers the accounts are spread over")
	flag.IntVar(&o.requests, "requests", 100, "requests per measurement")
	flag.IntVar(&o.events, "events", 200, "events for the projection measurement")
	flag.IntVar(&o.products, "products", 500, "products each price list prices (offers per list)")
	flag.IntVar(&o.lists, "lists", 4, "price lists")
	flag.IntVar(&o.invoices, "invoices", 500, "invoices for the invoicing projection measurement")
	flag.IntVar(&o.walk, "walk", 10000, "the caller's accounts for the walk row (at most 10,000, pageIndex's depth)")
	flag.BoolVar(&o.invoicingOnly, "invoicing-only", false, "measure only the invoicing rows")
	flag.Parse()
	o.concurrency = []int{1, 4}
	if o.walk < 100 || o.walk > 10_000 {
		fmt.Fprintln(os.Stderr, "bench: -walk must be from 100 to 10000 (pageIndex reaches 10,000 items deep)")
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(o settings) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour) // the walk of 10,000 alone takes ~15 min on the SQLite handler
	defer cancel()
	dir, err := os.MkdirTemp("", "bench-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()

	pgURL := os.Getenv("FERRETDB_POSTGRESQL_URL")
	store := "FerretDB 1.24.2, SQLite handler, over a Unix socket"
	if pgURL != "" {
		store = "FerretDB 1.24.2, PostgreSQL handler, over a Unix socket"
	}
	p, err := platform.Start(ctx, platform.Config{DataDir: dir, HTTPAddr: "127.0.0.1:0", NATSAddr: "127.0.0.1:0",
		FerretDBPostgreSQLURL: pgURL, BcryptCost: benchBcryptCost,
		TokenRequestsPerSecond: 1e6, TokenBurst: 1e6}) // the token rows measure the endpoint, not its rate limit
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx) }()
	defer func() { stop(); <-done; p.Close() }()

	client, err := mongodb.Connect(ctx, p.MongoURI)
	if err != nil {
		return err
	}
	defer func() { _ = client.Disconnect(context.Background()) }()
	accounts := client.Database("directory").Collection(directory.AccountsCollection)
	if err := fill(ctx, accounts, o); err != nil {
		return err
	}
	offers := client.Database(catalog.CatalogDatabase).Collection(catalog.OffersCollection)
	if err := fillOffers(ctx, offers, o); err != nil {
		return err
	}
	api, err := login(ctx, p)
	if err != nil {
		return err
	}

	fmt.Printf("store: %s; accounts collection: %d documents over %d resellers; offers collection: %d products on each of %d price lists (%d documents); %d requests per row; loopback, 2 cores shared by client and server\n\n",
		store, o.accounts, o.resellers, o.products, o.lists, o.products*o.lists, o.requests)

	if !o.invoicingOnly {
		if err := edgeRows(ctx, o, p, api, client, accounts, offers); err != nil {
			return err
		}
		if err := tokenRows(ctx, o, p); err != nil {
			return err
		}
	}

	// Invoicing: a month-end burst, batched, against raw bulk writes.
	oursRate, upserts, inserts, err := invoiceThroughput(ctx, p, client.Database(invoicing.InvoicingDatabase), o.invoices, invoicingBatch)
	if err != nil {
		return err
	}
	fmt.Printf("\ninvoicing: %d invoices (3 lines each) published at once from 4 publishers into an empty collection; batches of up to %d\n", o.invoices, invoicingBatch)
	fmt.Printf("%-44s %11s %11s %8s\n", "measurement (throughput: higher is better)", "ours ev/s", "raw ev/s", "ratio")
	fmt.Printf("%-44s %11.0f %11.0f %7.2fx\n", "project invoices vs bulk guarded upserts", oursRate, upserts, oursRate/upserts)
	fmt.Printf("%-44s %11.0f %11.0f %7.2fx\n", "project invoices vs bulk inserts", oursRate, inserts, oursRate/inserts)
	invoices := client.Database(invoicing.InvoicingDatabase).Collection(invoicing.InvoicesCollection)
	if err := invoiceReads(ctx, o, api, p.URL, invoices, accounts); err != nil {
		return err
	}
	visible := 2 * o.invoices
	p50, p99, samples, err := invoiceVisibility(ctx, p, api, visible, oursRate/2)
	if err != nil {
		return err
	}
	fmt.Printf("publish to visible at GET /api/invoices/{id}: %d invoices published at %.0f/s (half the rate above), %d timed one at a time (polled every 20 ms): p50 %.1f ms, p99 %.1f ms\n",
		visible, oursRate/2, samples, ms(p50), ms(p99))
	if !o.invoicingOnly {
		if err := walkRow(ctx, api, p.URL, accounts, o.walk); err != nil {
			return err
		}
	}
	fmt.Println("\nours = through the platform (HTTP + token verification + edge, or NATS + a projector); raw = the same store work straight through the driver.")
	fmt.Printf("store round trips per request: a list page 2 (find, count; invoices 3 with the account names), a get 1 (an invoice 2); access checks 0 (reseller tree and token keys in memory); JSON:API subtree: %d resellers two levels deep\n", downstreamResellers+1)
	return nil
}

// edgeRows measures the accounts, products and reseller endpoints and the
// directory's projection against the raw driver.
func edgeRows(ctx context.Context, o settings, p *platform.Platform, api *http.Client, client *mongo.Client, accounts, offers *mongo.Collection) error {
	fmt.Printf("%-44s %11s %11s %11s %8s\n", "measurement", "concurrency", "ours ms/op", "raw ms/op", "ratio")
	listFilter := bson.D{{Key: "reseller_id", Value: "res-0"}}
	listOpts := options.Find().SetSort(bson.D{{Key: "name", Value: 1}, {Key: "_id", Value: 1}}).SetSkip(20).SetLimit(10)
	for _, c := range o.concurrency {
		ours, err := measure(o.requests, c, func() error { return getOK(api, p.URL+"/api/accounts?pageIndex=3&pageSize=10") })
		if err != nil {
			return err
		}
		raw, err := measure(o.requests, c, func() error {
			cur, err := accounts.Find(ctx, listFilter, listOpts)
			if err != nil {
				return err
			}
			var docs []directory.Account
			if err := cur.All(ctx, &docs); err != nil {
				return err
			}
			_, err = accounts.CountDocuments(ctx, listFilter)
			return err
		})
		if err != nil {
			return err
		}
		row("GET /api/accounts page 3 vs find+count", c, ours, raw)
	}
	for _, c := range o.concurrency {
		ours, err := measure(o.requests, c, func() error { return getOK(api, p.URL+"/api/accounts/acc-0-00005") })
		if err != nil {
			return err
		}
		raw, err := measure(o.requests, c, func() error {
			_, err := mongodb.FindOne[directory.Account](ctx, accounts, bson.D{{Key: "_id", Value: "acc-0-00005"}, {Key: "reseller_id", Value: "res-0"}})
			return err
		})
		if err != nil {
			return err
		}
		row("GET /api/accounts/{id} vs findOne", c, ours, raw)
	}

	// Products: the caller's list (res-0 buys at pl-0) is resolved in
	// memory; the store work is the same scoped, "priced now" query.
	resellable := func() bson.D {
		now := time.Now().UTC()
		return bson.D{{Key: "price_list_id", Value: "pl-0"}, {Key: "status", Value: "active"},
			{Key: "product_version", Value: bson.D{{Key: "$gt", Value: 0}}},
			{Key: "available_from", Value: bson.D{{Key: "$lte", Value: now}}}, {Key: "available_to", Value: bson.D{{Key: "$gt", Value: now}}}}
	}
	for _, c := range o.concurrency {
		ours, err := measure(o.requests, c, func() error { return getOK(api, p.URL+"/api/products?pageIndex=3&pageSize=10") })
		if err != nil {
			return err
		}
		raw, err := measure(o.requests, c, func() error {
			filter := resellable()
			cur, err := offers.Find(ctx, filter, listOpts)
			if err != nil {
				return err
			}
			var docs []catalog.Offer
			if err := cur.All(ctx, &docs); err != nil {
				return err
			}
			_, err = offers.CountDocuments(ctx, filter)
			return err
		})
		if err != nil {
			return err
		}
		row("GET /api/products page 3 vs find+count", c, ours, raw)
	}
	for _, c := range o.concurrency {
		ours, err := measure(o.requests, c, func() error { return getOK(api, p.URL+"/api/products/prd-00007") })
		if err != nil {
			return err
		}
		raw, err := measure(o.requests, c, func() error {
			_, err := mongodb.FindOne[catalog.Offer](ctx, offers, append(bson.D{{Key: "_id", Value: catalog.OfferID("pl-0", "prd-00007")}}, resellable()...))
			return err
		})
		if err != nil {
			return err
		}
		row("GET /api/products/{id} vs findOne", c, ours, raw)
	}

	// Reseller profiles over JSON:API: access checks run on the tree in
	// memory (0 store round trips); a get is 1 round trip, a list 2.
	resellersColl := client.Database("directory").Collection(directory.ResellersCollection)
	var subtree []string
	for i := range downstreamResellers {
		subtree = append(subtree, fmt.Sprintf("res-0-%02d", i))
	}
	subtree = append(subtree, "res-0")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		n, err := resellersColl.CountDocuments(ctx, bson.D{})
		if err != nil {
			return err
		}
		if n >= int64(len(subtree)) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("resellers not projected: %d of %d", n, len(subtree))
		}
	}
	inSubtree := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: subtree}}}}
	byName := options.Find().SetSort(bson.D{{Key: "name", Value: 1}, {Key: "_id", Value: 1}}).SetSkip(20).SetLimit(10)
	for _, c := range o.concurrency {
		ours, err := measure(o.requests, c, func() error { return getOK(api, p.URL+"/api/v3/resellers?page[number]=3&page[size]=10") })
		if err != nil {
			return err
		}
		raw, err := measure(o.requests, c, func() error {
			cur, err := resellersColl.Find(ctx, inSubtree, byName)
			if err != nil {
				return err
			}
			var docs []directory.Reseller
			if err := cur.All(ctx, &docs); err != nil {
				return err
			}
			_, err = resellersColl.CountDocuments(ctx, inSubtree)
			return err
		})
		if err != nil {
			return err
		}
		row("GET /api/v3/resellers page 3 vs find+count", c, ours, raw)
	}
	for _, c := range o.concurrency {
		ours, err := measure(o.requests, c, func() error { return getOK(api, p.URL+"/api/v3/resellers/res-0-15") })
		if err != nil {
			return err
		}
		raw, err := measure(o.requests, c, func() error {
			_, err := mongodb.FindOne[directory.Reseller](ctx, resellersColl, bson.D{{Key: "_id", Value: "res-0-15"}})
			return err
		})
		if err != nil {
			return err
		}
		row("GET /api/v3/resellers/{id} vs findOne", c, ours, raw)
	}

	ours, raw, err := projection(ctx, p, accounts, o.events)
	if err != nil {
		return err
	}
	row(fmt.Sprintf("project %d events vs guarded replaces", o.events), 1, ours, raw)
	return nil
}

func row(name string, concurrency int, ours, raw time.Duration) {
	fmt.Printf("%-44s %11d %11.2f %11.2f %7.2fx\n", name, concurrency, ms(ours), ms(raw), float64(ours)/float64(raw))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// measure runs f n times over c workers, after a warm-up of c calls,
// and returns the mean latency.
func measure(n, c int, f func() error) (time.Duration, error) {
	for range c {
		if err := f(); err != nil {
			return 0, err
		}
	}
	var (
		mu    sync.Mutex
		total time.Duration
		first error
		wg    sync.WaitGroup
	)
	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				start := time.Now()
				err := f()
				mu.Lock()
				total += time.Since(start)
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return total / time.Duration(n), first
}

func fill(ctx context.Context, coll *mongo.Collection, o settings) error {
	now := time.Now().UTC()
	batch := make([]any, 0, 500)
	for i := range o.accounts {
		r := i % o.resellers
		batch = append(batch, directory.Account{ID: fmt.Sprintf("acc-%d-%05d", r, i/o.resellers), ResellerID: fmt.Sprintf("res-%d", r),
			Name: fmt.Sprintf("Customer %05d", i), Email: "it@example.test", Status: "active", Country: "GR",
			CreatedAt: now, UpdatedAt: now, Version: 1})
		if len(batch) == cap(batch) || i == o.accounts-1 {
			if _, err := coll.InsertMany(ctx, batch); err != nil {
				return fmt.Errorf("fill: %w", err)
			}
			batch = batch[:0]
		}
	}
	return nil
}

// fillOffers writes o.lists price lists of o.products offers each, as the
// catalog service would project them.
func fillOffers(ctx context.Context, coll *mongo.Collection, o settings) error {
	now := time.Now().UTC()
	batch := make([]any, 0, 500)
	for l := range o.lists {
		for i := range o.products {
			list, product := fmt.Sprintf("pl-%d", l), fmt.Sprintf("prd-%05d", i)
			batch = append(batch, catalog.Offer{ID: catalog.OfferID(list, product), PriceListID: list, ProductID: product,
				Currency: "EUR", Prices: []catalog.OfferPrice{{BillingPeriod: "monthly", CostMinor: int64(100 + i), RetailMinor: int64(125 + i)}},
				BillingPeriods: []string{"monthly"}, AvailableTo: catalog.AvailableForever, ListVersion: 1,
				SKU: "SKU-" + product, Name: fmt.Sprintf("Product %05d", i), Category: "Productivity", Vendor: "Vendor",
				BillingType: "recurring", Unit: "user", Status: "active", ProductVersion: 1, UpdatedAt: now})
			if len(batch) == cap(batch) {
				if _, err := coll.InsertMany(ctx, batch); err != nil {
					return fmt.Errorf("fill offers: %w", err)
				}
				batch = batch[:0]
			}
		}
	}
	if len(batch) > 0 {
		if _, err := coll.InsertMany(ctx, batch); err != nil {
			return fmt.Errorf("fill offers: %w", err)
		}
	}
	return nil
}

// login activates the credentials, creates a user of res-0 and returns an
// HTTP client that sends its token.
func login(ctx context.Context, p *platform.Platform) (*http.Client, error) {
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: p.NATSURLFor("backoffice"), Service: "backoffice"})
	if err != nil {
		return nil, err
	}
	defer func() { _ = bus.Close() }()
	// res-0 and a subtree of downstreamResellers below it (two levels).
	resellers := []backoffice.Record[*eventsv1.Reseller]{backoffice.At(1, &eventsv1.Reseller{ResellerId: "res-0", Name: "Bench Reseller", PriceListId: "pl-0"})}
	for i := range downstreamResellers {
		parent := "res-0"
		if i >= 10 {
			parent = fmt.Sprintf("res-0-%02d", i%10)
		}
		resellers = append(resellers, backoffice.At(1, &eventsv1.Reseller{ResellerId: fmt.Sprintf("res-0-%02d", i), ParentId: parent,
			Name: fmt.Sprintf("Downstream %02d", i), Manager: "Bench Manager"}))
	}
	if _, err := backoffice.Publish(ctx, backoffice.NewPublisher(bus), backoffice.Resellers(), resellers); err != nil {
		return nil, err
	}
	admin := func(method, path, body string) (int, error) {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequestWithContext(ctx, method, p.URL+path, rd)
		req.Header.Set("Authorization", "Bearer "+p.AdminToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		_ = resp.Body.Close()
		return resp.StatusCode, nil
	}
	if status, err := admin("POST", "/admin/v1/reseller-api/credentials", ""); err != nil || status != http.StatusCreated {
		return nil, fmt.Errorf("activate credentials: %d %v", status, err)
	}
	user := `{"username":"bench-user","email":"bench@example.test","password":"Bench-Pass-2026","confirmPassword":"Bench-Pass-2026"}`
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		status, err := admin("POST", "/admin/v1/resellers/res-0/api-users", user)
		if err != nil {
			return nil, err
		}
		if status == http.StatusCreated {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("create user: %d", status)
		}
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", p.URL+"/admin/v1/resellers/res-0/api-credentials", nil)
	req.Header.Set("Authorization", "Bearer "+p.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	var creds struct{ ClientKey, ClientSecret string }
	err = json.NewDecoder(resp.Body).Decode(&creds)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	oc := oauth2.Config{ClientID: creds.ClientKey, ClientSecret: creds.ClientSecret, Endpoint: oauth2.Endpoint{TokenURL: p.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}}
	grant := passwordGrant{ctx: ctx, config: oc, username: "bench-user", password: "Bench-Pass-2026"}
	tok, err := grant.Token()
	if err != nil {
		return nil, err
	}
	// A run outlasts a token (15 minutes): a new one is fetched when it expires.
	return &http.Client{Transport: &oauth2.Transport{Source: oauth2.ReuseTokenSource(tok, grant),
		Base: &http.Transport{MaxIdleConnsPerHost: 16}}}, nil
}

// passwordGrant is a token source that logs in again with the password
// grant.
type passwordGrant struct {
	ctx                context.Context
	config             oauth2.Config
	username, password string
}

func (g passwordGrant) Token() (*oauth2.Token, error) {
	return g.config.PasswordCredentialsToken(g.ctx, g.username, g.password)
}

// benchBcryptCost is the password hash cost of the bench's platform: the
// lowest auth accepts in production.
const benchBcryptCost = 10

// invoicingBatch is the all-in-one invoicing service's batch size (its
// default).
const invoicingBatch = 256

// downstreamResellers is the size of res-0's subtree (below it).
const downstreamResellers = 50

func getOK(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", url, resp.StatusCode)
	}
	return nil
}

// projection publishes n account events and waits until the directory
// has projected them all, then does the same writes straight through the
// driver; it returns the mean time per event of each.
func projection(ctx context.Context, p *platform.Platform, accounts *mongo.Collection, n int) (ours, raw time.Duration, err error) {
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: p.NATSURLFor("backoffice"), Service: "backoffice"})
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = bus.Close() }()
	records := make([]backoffice.Record[*eventsv1.Account], n)
	for i := range records {
		records[i] = backoffice.At(1, &eventsv1.Account{AccountId: fmt.Sprintf("proj-%05d", i), ResellerId: "res-proj", Name: "Projected",
			Status: eventsv1.AccountStatus_ACCOUNT_STATUS_ACTIVE})
	}
	filter := bson.D{{Key: "reseller_id", Value: "res-proj"}}
	start := time.Now()
	if _, err := backoffice.Publish(ctx, backoffice.NewPublisher(bus), backoffice.Accounts(), records); err != nil {
		return 0, 0, err
	}
	if err := waitCount(ctx, accounts, filter, n, start); err != nil {
		return 0, 0, err
	}
	ours = time.Since(start) / time.Duration(n)

	// The same writes into the same collection, under other ids.
	now := time.Now().UTC()
	start = time.Now()
	for i := range n {
		id := fmt.Sprintf("raw-%05d", i)
		if _, err := mongodb.ReplaceIfNewer(ctx, accounts, id, 1, directory.Account{ID: id, ResellerID: "res-raw", Name: "Raw",
			Status: "active", CreatedAt: now, UpdatedAt: now, Version: 1}); err != nil {
			return 0, 0, err
		}
	}
	raw = time.Since(start) / time.Duration(n)
	return ours, raw, nil
}
