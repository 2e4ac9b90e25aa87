// Command backofficectl is the distributor back-office's command line: it
// publishes resellers and accounts as events to the platform.
//
//	backofficectl publish reseller --file resellers.json
//	backofficectl publish account --file accounts.ndjson
//	backofficectl publish account --file -          (standard input)
//	backofficectl seed-demo
//
// A file holds one JSON object, a JSON array of objects, or one object per
// line; field names in snake_case or camelCase. Every record is validated
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
	"syscall"

	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/services/backoffice"
)

const usage = `usage:
  backofficectl publish reseller|account --file FILE   (FILE "-" is standard input)
  backofficectl seed-demo

FILE holds one JSON object, a JSON array of objects, or one object per line.
reseller fields: reseller_id, parent_id, version, name, domain, currency, country, email, created_at
account fields:  account_id, reseller_id, version, name, email, phone, country, status, created_at
Environment: NATS_URL (default nats://127.0.0.1:4222)
`

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
			d := backoffice.Demo()
			nr, err := p.PublishResellers(ctx, d.Resellers)
			if err != nil {
				return err
			}
			na, err := p.PublishAccounts(ctx, d.Accounts)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "published %d reseller and %d account events\n", nr, na)
			return nil
		})
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

func publish(ctx context.Context, natsURL string, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: publish needs reseller or account", errUsage)
	}
	kind := args[0]
	switch kind {
	case "reseller", "resellers", "account", "accounts":
	default:
		return fmt.Errorf("%w: publish %q: want reseller or account", errUsage, kind)
	}
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("file", "", "input file, - for standard input")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *file == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: publish %s needs --file FILE and nothing else", errUsage, kind)
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

	switch kind {
	case "reseller", "resellers":
		records, err := backoffice.ParseResellers(in)
		if err != nil {
			return fmt.Errorf("%s: nothing published:\n%w", *file, err)
		}
		return withPublisher(natsURL, func(p *backoffice.Publisher) error {
			n, err := p.PublishResellers(ctx, records)
			fmt.Fprintf(stdout, "published %d of %d reseller events\n", n, len(records))
			return err
		})
	default:
		records, err := backoffice.ParseAccounts(in)
		if err != nil {
			return fmt.Errorf("%s: nothing published:\n%w", *file, err)
		}
		return withPublisher(natsURL, func(p *backoffice.Publisher) error {
			n, err := p.PublishAccounts(ctx, records)
			fmt.Fprintf(stdout, "published %d of %d account events\n", n, len(records))
			return err
		})
	}
}

func withPublisher(natsURL string, f func(*backoffice.Publisher) error) error {
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: natsURL, Service: "backoffice"})
	if err != nil {
		return err
	}
	defer func() { _ = bus.Close() }()
	if err := bus.EnsureStreams(subjects.Streams()...); err != nil {
		return err
	}
	return f(backoffice.NewPublisher(bus))
}
