// Command backofficectl is the distributor back-office's command line: it
// publishes resellers, accounts, products, price lists, invoices and
// payments as events to the platform, and shows and republishes the events
// a service refused (dead letters).
//
//	backofficectl publish reseller --file resellers.json
//	backofficectl publish account --file accounts.ndjson
//	backofficectl publish product --file products.json
//	backofficectl publish pricelist --file -        (standard input)
//	backofficectl seed-demo
//	backofficectl dead-letters list [--service invoicing]
//	backofficectl dead-letters republish 42 43 | --all [--service invoicing]
//
// A file holds one JSON object, a JSON array of objects, or one object per
// line: the event's state message in JSON plus its version, field names in
// snake_case or camelCase. Every record is validated
// before anything is published. NATS_URL selects the server
// (default nats://127.0.0.1:4222).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/services/backoffice"
)

const usage = `usage:
  backofficectl publish reseller|account|product|pricelist|invoice|payment --file FILE   (FILE "-" is standard input)
  backofficectl seed-demo
  backofficectl dead-letters list [--service SERVICE]
  backofficectl dead-letters republish SEQ... | --all [--service SERVICE]

FILE holds one JSON object, a JSON array of objects, or one object per line.
An object is the event's state message (proto-events) in JSON plus its
version: field names in snake_case or camelCase, enum values as words
(active, one_time), decimals (tax_rate_percent) as numbers or strings,
times in RFC 3339.
reseller fields:  reseller_id, parent_id, version, name, domain, currency, manager (or general{...}),
                  country, email, price_list_id, status (active|suspended|closed), edition (standard|free),
                  company{...}, contacts{...}, custom_attributes{...}, created_at
account fields:   account_id, reseller_id, version, name, email, phone, country, status, currency,
                  billing_address{...}, primary_contact{...}, created_at
product fields:   product_id, version, sku, name, description, category, vendor,
                  billing_type (recurring|one_time|usage), billing_period (monthly|annual|none),
                  unit, status (active|withdrawn), created_at
pricelist fields: price_list_id, version, name, currency, created_at,
                  items[]{product_id, billing_period, cost_minor, retail_minor, effective_from, effective_to}
                  (amounts are integers in the currency's minor unit: 1499 is EUR 14.99)
invoice fields:   invoice_id, reseller_id, version, number, currency, issue_date, due_date (YYYY-MM-DD),
                  lines[]{line_id, description, product_id, sku, account_id, quantity, unit_price_minor,
                  tax_rate_percent, service_period_start, service_period_end, amount_minor},
                  subtotal_minor, tax_minor, total_minor, status (issued|void), void_reason, created_at
payment fields:   payment_id, invoice_id, version, amount_minor, currency, paid_at, method

dead-letters list shows what the services refused (sequence, time, service,
handler, subject, event type, reason); republish publishes those events
again, unchanged, on their subjects once the cause is fixed (a corrected
related record, an upgraded service) and removes them from the list.
Environment: NATS_URL (default nats://127.0.0.1:4222; tls:// with
NATS_TLS_CA_FILE, NATS_TLS_CERT_FILE, NATS_TLS_KEY_FILE when needed)
`

// kind is one kind of record backofficectl publishes.
type kind struct {
	plural string
	// load parses and validates the records of in and returns how many
	// there are and how to publish them.
	load func(in io.Reader) (int, func(context.Context, *backoffice.Publisher) (int, error), error)
}

// loader builds a kind's load from a back-office kind.
func loader[M proto.Message](k backoffice.Kind[M]) func(io.Reader) (int, func(context.Context, *backoffice.Publisher) (int, error), error) {
	return func(in io.Reader) (int, func(context.Context, *backoffice.Publisher) (int, error), error) {
		records, err := k.Parse(in)
		if err != nil {
			return 0, nil, err
		}
		return len(records), func(ctx context.Context, p *backoffice.Publisher) (int, error) {
			return backoffice.Publish(ctx, p, k, records)
		}, nil
	}
}

var kinds = map[string]kind{
	"reseller":  {"reseller", loader(backoffice.Resellers())},
	"account":   {"account", loader(backoffice.Accounts())},
	"product":   {"product", loader(backoffice.Products())},
	"pricelist": {"price list", loader(backoffice.PriceLists())},
	"invoice":   {"invoice", loader(backoffice.Invoices())},
	"payment":   {"payment", loader(backoffice.Payments())},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "backofficectl:", err)
		if errors.Is(err, errUsage) {
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("invalid arguments")

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	natsURL := os.Getenv("NATS_URL")
	if natsURL == "" {
		natsURL = "nats://127.0.0.1:4222"
	}
	switch args[0] {
	case "publish":
		return publish(ctx, natsURL, args[1:], stdin, stdout)
	case "seed-demo":
		return withPublisher(natsURL, func(p *backoffice.Publisher) error {
			n, err := backoffice.PublishDemo(ctx, p)
			fmt.Fprintf(stdout, "published %d demo events (resellers, accounts, products, price lists, invoices, payments)\n", n)
			return err
		})
	case "dead-letters":
		return deadLetters(ctx, natsURL, args[1:], stdout)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

func publish(ctx context.Context, natsURL string, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: publish needs reseller, account, product, pricelist, invoice or payment", errUsage)
	}
	k, ok := kinds[strings.TrimSuffix(args[0], "s")]
	if !ok {
		return fmt.Errorf("%w: publish %q: want reseller, account, product, pricelist, invoice or payment", errUsage, args[0])
	}
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("file", "", "input file, - for standard input")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *file == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: publish %s needs --file FILE and nothing else", errUsage, args[0])
	}
	in := stdin
	if *file != "-" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		in = f
	}
	total, publishAll, err := k.load(in)
	if err != nil {
		return fmt.Errorf("%s: nothing published:\n%w", *file, err)
	}
	return withPublisher(natsURL, func(p *backoffice.Publisher) error {
		n, err := publishAll(ctx, p)
		fmt.Fprintf(stdout, "published %d of %d %s events\n", n, total, k.plural)
		return err
	})
}

func withPublisher(natsURL string, f func(*backoffice.Publisher) error) error {
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: natsURL, Service: "backoffice", TLS: eventbus.TLSFromEnv(os.Getenv)})
	if err != nil {
		return err
	}
	defer func() { _ = bus.Close() }()
	if err := bus.EnsureStreams(infra.Streams()...); err != nil {
		return err
	}
	return f(backoffice.NewPublisher(bus))
}

// deadLetterArgs are the arguments of the dead-letters command.
type deadLetterArgs struct {
	cmd     string // list or republish
	service string
	all     bool
	seqs    []uint64
}

func parseDeadLetterArgs(args []string) (deadLetterArgs, error) {
	if len(args) == 0 || (args[0] != "list" && args[0] != "republish") {
		return deadLetterArgs{}, fmt.Errorf("%w: dead-letters needs list or republish", errUsage)
	}
	a := deadLetterArgs{cmd: args[0]}
	fs := flag.NewFlagSet("dead-letters", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&a.service, "service", "", "only this service's dead letters")
	fs.BoolVar(&a.all, "all", false, "republish every dead letter (of --service)")
	if err := fs.Parse(args[1:]); err != nil {
		return deadLetterArgs{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	for _, arg := range fs.Args() {
		n, err := strconv.ParseUint(arg, 10, 64)
		if err != nil || n == 0 {
			return deadLetterArgs{}, fmt.Errorf("%w: %q is not a dead letter's sequence number", errUsage, arg)
		}
		a.seqs = append(a.seqs, n)
	}
	switch {
	case a.cmd == "list" && (len(a.seqs) > 0 || a.all):
		return deadLetterArgs{}, fmt.Errorf("%w: dead-letters list takes only --service", errUsage)
	case a.cmd == "republish" && (len(a.seqs) > 0) == a.all:
		return deadLetterArgs{}, fmt.Errorf("%w: dead-letters republish needs sequence numbers or --all", errUsage)
	}
	return a, nil
}

func deadLetters(ctx context.Context, natsURL string, args []string, stdout io.Writer) error {
	a, err := parseDeadLetterArgs(args)
	if err != nil {
		return err
	}
	nc, err := nats.Connect(natsURL, append(eventbus.TLSFromEnv(os.Getenv).Options(), nats.Name("backofficectl"),
		nats.CustomInboxPrefix(eventbus.InboxPrefix("backoffice")))...)
	if err != nil {
		return fmt.Errorf("connect to nats %s: %w", natsURL, err)
	}
	defer nc.Close()
	dls, err := backoffice.NewDeadLetters(nc)
	if err != nil {
		return err
	}
	seqs := a.seqs
	if a.cmd == "list" || a.all {
		list, err := dls.List(ctx, a.service)
		if err != nil {
			return err
		}
		if a.cmd == "list" {
			return printDeadLetters(stdout, list)
		}
		for _, dl := range list {
			seqs = append(seqs, dl.Sequence)
		}
	}
	for _, seq := range seqs {
		dl, err := dls.Republish(ctx, seq)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "republished %d: %s on %s\n", seq, dl.EventType, dl.Subject)
	}
	fmt.Fprintf(stdout, "republished %d dead letters\n", len(seqs))
	return nil
}

func printDeadLetters(w io.Writer, list []backoffice.DeadLetter) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME\tSERVICE\tHANDLER\tSUBJECT\tEVENT TYPE\tREASON")
	for _, dl := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", dl.Sequence, dl.Time.Format(time.RFC3339), dl.Service, dl.Handler,
			dl.Subject, dl.EventType, strings.ReplaceAll(dl.Reason, "\n", "; "))
	}
	fmt.Fprintf(tw, "%d dead letters\n", len(list))
	return tw.Flush()
}
