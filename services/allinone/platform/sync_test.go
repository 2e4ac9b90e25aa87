package platform_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/services/backoffice"
)

// syncInvoices is how many invoices the nightly-sync test starts from:
// SYNC_INVOICES when set (`make test-sync` sets 5,000), else 500. The
// embedded store (FerretDB on SQLite) scans the collection for every page,
// so the walk's cost grows with the square of this: 500 take ~10 s here,
// 5,000 about 30 minutes (1,786 s on 2026-12-07), too long for `make test`.
func syncInvoices(t *testing.T) int {
	v := os.Getenv("SYNC_INVOICES")
	if v == "" {
		return 500
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 100 || n > 100_000 {
		t.Fatalf("SYNC_INVOICES=%q: want a count from 100 to 100000", v)
	}
	return n
}

// A reseller's nightly sync walks its invoices by updatedAt while the
// back-office changes invoices the walk has read and issues new ones: a
// cursor walk sees every invoice that existed when it started (and the new
// ones), and never fails; the same walk by pageIndex skips invoices, one
// for each change behind it.
func TestANightlySyncByCursorMissesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end suite")
	}
	s := startSystem(t, t.TempDir())
	defer s.stop()
	s.activate(t)
	s.createUser(t, "res-cloudnova", "cloudnova-sync", "Reseller-Api-2026")
	cloudnova := s.login(t, "res-cloudnova", "cloudnova-sync", "Reseller-Api-2026")

	bus, err := eventbus.Connect(eventbus.Config{NATSURL: s.p.NATSURLFor("backoffice"), Service: "backoffice"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	b := syncBackOffice{t: t, s: s, client: cloudnova, pub: backoffice.NewPublisher(bus), versions: map[string]int64{}}
	count := syncInvoices(t)
	var start []string
	for i := range count {
		start = append(start, fmt.Sprintf("inv-sync-%05d", i))
	}
	b.publish(start...)
	var list map[string]any
	testkit.Eventually(t, 5*time.Minute, func() bool {
		_, list = s.api(t, cloudnova, "/api/invoices?pageSize=1&updatedSince="+url.QueryEscape(b.since.Format(time.RFC3339Nano)))
		return list["pagination"].(map[string]any)["totalCount"] == float64(count)
	}, "the %d invoices were not all projected: %v", count, list["pagination"])

	byCursor, issued := b.walk(true)
	byIndex, _ := b.walk(false)
	var missed, skipped int
	for _, id := range start {
		if !byCursor[id] {
			missed++
		}
		if !byIndex[id] {
			skipped++
		}
	}
	if missed > 0 {
		t.Errorf("the cursor walk missed %d of the %d invoices that existed when it started", missed, len(start))
	}
	for _, id := range issued {
		if !byCursor[id] {
			t.Errorf("the cursor walk never saw %s, issued during it", id)
		}
	}
	if skipped == 0 {
		t.Error("the pageIndex walk skipped nothing: the test does not show what the cursor walk prevents")
	}
	t.Logf("%d invoices, %d changed and %d issued during each walk: the cursor walk saw %d distinct ids, the pageIndex walk skipped %d",
		len(start), b.changed, len(issued), len(byCursor), skipped)
}

// syncBackOffice publishes the sync test's invoices and walks them.
type syncBackOffice struct {
	t        *testing.T
	s        *system
	client   *http.Client
	pub      *backoffice.Publisher
	versions map[string]int64
	since    time.Time // before the last publish
	changed  int
	walks    int
}

// publish issues or changes each invoice (its next version) and waits
// for nothing.
func (b *syncBackOffice) publish(ids ...string) {
	b.t.Helper()
	b.since = time.Now().UTC()
	records := make([]backoffice.Record[*eventsv1.Invoice], len(ids))
	for i, id := range ids {
		b.versions[id]++
		records[i] = backoffice.At(b.versions[id], backoffice.Totals(&eventsv1.Invoice{InvoiceId: id, ResellerId: "res-cloudnova",
			Number: "SYNC-" + strings.TrimPrefix(id, "inv-sync-"), Currency: "EUR", IssueDate: "2026-11-01", DueDate: "2026-12-01",
			Status: eventsv1.InvoiceStatus_INVOICE_STATUS_ISSUED, Lines: []*eventsv1.InvoiceLine{{LineId: "1",
				Description: "Dropbox Business Standard, version " + strconv.FormatInt(b.versions[id], 10), AccountId: "acc-cn-004",
				Quantity: 1, UnitPriceMinor: 1250 + b.versions[id], TaxRatePercent: "24"}}}))
	}
	if _, err := backoffice.Publish(context.Background(), b.pub, backoffice.Invoices(), records); err != nil {
		b.t.Fatal(err)
	}
}

// walk reads every invoice of the reseller by updatedAt, 100 a page, by
// cursor or by pageIndex. After each page the back-office changes five of
// the invoices just read (they move to the end of the list) and issues two,
// and the walk goes on once the changes are visible. It returns the ids
// seen and those issued during the walk.
func (b *syncBackOffice) walk(byCursor bool) (seen map[string]bool, issued []string) {
	b.t.Helper()
	b.walks++
	seen = map[string]bool{}
	const list = "/api/invoices?sort=updatedAt&pageSize=100"
	next := list
	for page := 1; next != ""; page++ {
		if page > 200 {
			b.t.Fatal("the walk does not end")
		}
		resp, body := b.s.api(b.t, b.client, next)
		if resp.StatusCode != 200 {
			b.t.Fatalf("page %d (%s): %d %v", page, next, resp.StatusCode, body)
		}
		var read []string
		for _, d := range body["data"].([]any) {
			id := d.(map[string]any)["id"].(string)
			seen[id] = true
			if strings.HasPrefix(id, "inv-sync-") {
				read = append(read, id)
			}
		}
		next = ""
		if byCursor {
			if tok, _ := body["nextPageToken"].(string); tok != "" {
				next = list + "&pageToken=" + url.QueryEscape(tok)
			}
		} else if p := body["pagination"].(map[string]any); float64(page) < p["totalPages"].(float64) {
			next = list + "&pageIndex=" + strconv.Itoa(page+1)
		}
		if next == "" {
			break
		}
		changes := read[:min(5, len(read))]
		fresh := []string{fmt.Sprintf("inv-sync-new-%d-%03d-a", b.walks, page), fmt.Sprintf("inv-sync-new-%d-%03d-b", b.walks, page)}
		published := append(append([]string{}, changes...), fresh...)
		b.publish(published...)
		b.changed += len(changes)
		issued = append(issued, fresh...)
		b.visible(published)
	}
	return seen, issued
}

// visible waits until the API serves the last published version of each
// invoice (its line says which): one read by id each, which the store
// answers without sorting the collection.
func (b *syncBackOffice) visible(ids []string) {
	b.t.Helper()
	for _, id := range ids {
		want := "version " + strconv.FormatInt(b.versions[id], 10)
		testkit.Eventually(b.t, 30*time.Second, func() bool {
			resp, inv := b.s.api(b.t, b.client, "/api/invoices/"+id)
			if resp.StatusCode != http.StatusOK {
				return false
			}
			got, _ := inv["lines"].([]any)[0].(map[string]any)["description"].(string)
			return strings.HasSuffix(got, want)
		}, "invoice %s: the API never served %s", id, want)
	}
}
