// Command resellerctl is the Reseller API on the command line, for a
// reseller's developer: sign in once, then list, export and fetch.
//
//	resellerctl login --url https://api.example.com --client-key K --client-secret S --username U --password-stdin
//	resellerctl accounts list [--all] [-o table|json|csv]
//	resellerctl invoices get ID [--pdf FILE]
//	resellerctl sync invoices --since 2026-11-01T00:00:00Z [-o jsonl|csv]
//
// The sign-in is kept in the user's config directory
// (resellerctl/config.json, mode 0600; RESELLERCTL_CONFIG names another
// file). Errors are one line on stderr; the exit status is 1 for a failed
// call and 2 for a wrong command line.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
)

const usage = `usage:
  resellerctl login --url URL (--client-key K --client-secret S --username U --password-stdin | --manager-token-stdin)
  resellerctl accounts|products|invoices|resellers list [--all] [--page-size N] [-o table|json|csv]
  resellerctl invoices get ID [--pdf FILE] [-o table|json]
  resellerctl sync invoices --since TIME [-o jsonl|csv]`

// usageError is a wrong command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "resellerctl:", err)
		var u usageError
		if errors.As(err, &u) {
			fmt.Fprintln(os.Stderr, usage)
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"no command"}
	}
	cmd, rest := args[0], args[1:]
	if cmd == "login" {
		return login(ctx, rest, stdin, stdout)
	}
	if len(rest) == 0 {
		return usageError{"what to do with " + cmd + "?"}
	}
	sub, rest := rest[0], rest[1:]
	switch {
	case sub == "list" && (cmd == "accounts" || cmd == "products" || cmd == "invoices" || cmd == "resellers"):
		return list(ctx, cmd, rest, stdout, stderr)
	case cmd == "invoices" && sub == "get":
		return getInvoice(ctx, rest, stdout)
	case cmd == "sync" && sub == "invoices":
		return syncInvoices(ctx, rest, stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown command %q", cmd+" "+sub)}
}
