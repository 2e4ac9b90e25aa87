package backoffice_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/resellerapi/platform/pkg/embedded"
	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/services/backoffice"
)

// A back-office system integrates by publishing each change of a record as
// a new version of it: the whole record, every time, with a version one
// higher than the last. Here an invoice is issued, paid in part, and
// corrected; the invoicing service projects all three whatever order they
// arrive in.
func Example() {
	// In production NATS_URL names the platform's NATS; here an embedded
	// server stands in.
	dir, _ := os.MkdirTemp("", "backoffice-example")
	defer func() { _ = os.RemoveAll(dir) }()
	ns, err := embedded.StartNATS("127.0.0.1:0", dir)
	if err != nil {
		log.Fatal(err)
	}
	defer ns.Shutdown()

	bus, err := eventbus.Connect(eventbus.Config{NATSURL: ns.URL(), Service: "erp-connector"})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	if err := bus.EnsureStreams(infra.Streams()...); err != nil {
		log.Fatal(err)
	}
	pub := backoffice.NewPublisher(bus)
	ctx := context.Background()

	// Totals fills in the amounts exactly as the invoicing rules check them.
	inv := backoffice.Totals(backoffice.Invoice{
		InvoiceID: "inv-1001", ResellerID: "res-cloudnova", Version: 1, Number: "CN-1001", Currency: "EUR",
		IssueDate: "2026-12-01", DueDate: "2026-12-31",
		Lines: []backoffice.InvoiceLine{{LineID: "1", Description: "Microsoft 365 Business Standard", AccountID: "acc-cn-001",
			Quantity: 10, UnitPriceMinor: 1000, TaxRatePercent: "24"}},
	})
	fmt.Printf("%s: subtotal %d, tax %d, total %d\n", inv.Number, inv.SubtotalMinor, inv.TaxMinor, inv.TotalMinor)
	if _, err := pub.PublishInvoices(ctx, []backoffice.Invoice{inv}); err != nil {
		log.Fatal(err)
	}
	// A payment is its own record, naming its invoice.
	paidAt := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	if _, err := pub.PublishPayments(ctx, []backoffice.Payment{
		{PaymentID: "pay-1", InvoiceID: "inv-1001", Version: 1, AmountMinor: 5000, Currency: "EUR", PaidAt: &paidAt, Method: "card"},
	}); err != nil {
		log.Fatal(err)
	}
	// A correction is the whole invoice again, one version up.
	inv.Version, inv.Lines[0].Quantity = 2, 12
	inv = backoffice.Totals(inv)
	if _, err := pub.PublishInvoices(ctx, []backoffice.Invoice{inv}); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s v%d: total %d\n", inv.Number, inv.Version, inv.TotalMinor)

	// What breaks the rules is refused before anything is published.
	inv.Version, inv.TotalMinor = 3, 1
	_, err = pub.PublishInvoices(ctx, []backoffice.Invoice{inv})
	fmt.Println(err != nil)
	// Output:
	// CN-1001: subtotal 10000, tax 2400, total 12400
	// CN-1001 v2: total 14880
	// true
}
