package backoffice_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

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
	ns, err := embedded.StartNATS(embedded.NATSConfig{Addr: "127.0.0.1:0", Dir: dir})
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
	// A record is the event's own message (proto-events) at a version.
	// Totals fills in the amounts exactly as the invoicing rules check them.
	inv := backoffice.Totals(&eventsv1.Invoice{
		InvoiceId: "inv-1001", ResellerId: "res-cloudnova", Number: "CN-1001", Currency: "EUR",
		IssueDate: "2026-12-01", DueDate: "2026-12-31",
		Lines: []*eventsv1.InvoiceLine{{LineId: "1", Description: "Microsoft 365 Business Standard", AccountId: "acc-cn-001",
			Quantity: 10, UnitPriceMinor: 1000, TaxRatePercent: "24"}},
	})
	fmt.Printf("%s: subtotal %d, tax %d, total %d\n", inv.Number, inv.SubtotalMinor, inv.TaxMinor, inv.TotalMinor)
	invoices := backoffice.Invoices()
	if _, err := backoffice.Publish(ctx, pub, invoices, []backoffice.Record[*eventsv1.Invoice]{backoffice.At(1, inv)}); err != nil {
		log.Fatal(err)
	}
	// A payment is its own record, naming its invoice.
	paidAt := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	if _, err := backoffice.Publish(ctx, pub, backoffice.Payments(), []backoffice.Record[*eventsv1.Payment]{backoffice.At(1,
		&eventsv1.Payment{PaymentId: "pay-1", InvoiceId: "inv-1001", AmountMinor: 5000, Currency: "EUR", PaidAt: timestamppb.New(paidAt), Method: "card"}),
	}); err != nil {
		log.Fatal(err)
	}
	// A correction is the whole invoice again, one version up.
	inv.Lines[0].Quantity = 12
	inv = backoffice.Totals(inv)
	if _, err := backoffice.Publish(ctx, pub, invoices, []backoffice.Record[*eventsv1.Invoice]{backoffice.At(2, inv)}); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s v2: total %d\n", inv.Number, inv.TotalMinor)

	// What breaks the rules is refused before anything is published.
	inv.TotalMinor = 1
	_, err = backoffice.Publish(ctx, pub, invoices, []backoffice.Record[*eventsv1.Invoice]{backoffice.At(3, inv)})
	fmt.Println(err != nil)
	// Output:
	// CN-1001: subtotal 10000, tax 2400, total 12400
	// CN-1001 v2: total 14880
	// true
}
