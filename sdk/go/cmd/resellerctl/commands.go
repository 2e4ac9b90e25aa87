package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/resellerapi/platform/sdk/go/api"
)

// record is one listed object: as the API answered it (JSON output) and
// as the cells of a table or CSV row.
type record struct {
	obj   any
	cells []string
}

func records[T any](seq iter.Seq2[T, error], cells func(T) []string) iter.Seq2[record, error] {
	return func(yield func(record, error) bool) {
		for v, err := range seq {
			if !yield(record{obj: v, cells: cells(v)}, err) || err != nil {
				return
			}
		}
	}
}

var headers = map[string][]string{
	"accounts":  {"ID", "NAME", "STATUS", "RESELLER", "UPDATED"},
	"products":  {"ID", "SKU", "NAME", "VENDOR", "BILLING", "PRICES"},
	"invoices":  {"ID", "NUMBER", "STATUS", "ISSUED", "DUE", "TOTAL", "DUE AMOUNT", "CURRENCY", "UPDATED"},
	"resellers": {"ID", "NAME", "PARENT", "CURRENCY", "DOMAIN"},
}

func accountCells(a api.Account) []string {
	return []string{a.Id, a.Name, string(a.Status), a.ResellerId, a.UpdatedAt.UTC().Format(time.RFC3339)}
}

func productCells(p api.Product) []string {
	var prices []string
	for _, pr := range p.Prices {
		prices = append(prices, fmt.Sprintf("%s %s %s", pr.BillingPeriod, pr.Cost, pr.Currency))
	}
	return []string{p.Id, p.Sku, p.Name, p.Vendor, string(p.BillingType), strings.Join(prices, "; ")}
}

func invoiceCells(i api.InvoiceSummary) []string {
	return []string{i.Id, i.Number, string(i.Status), i.IssueDate.String(), i.DueDate.String(), i.Total, i.AmountDue,
		i.Currency, i.UpdatedAt.UTC().Format(time.RFC3339)}
}

func resellerCells(r api.ResellerResource) []string {
	parent := ""
	if r.Attributes.ParentId != nil {
		parent = *r.Attributes.ParentId
	}
	g := r.Attributes.General
	return []string{r.Id, g.Name, parent, g.Currency, g.Domain}
}

func pageOf(n int) api.ListResellersParams { return api.ListResellersParams{PageSize: &n} }

func list(ctx context.Context, kind string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(kind+" list", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	all := fs.Bool("all", false, "every page, following the cursor (default: the first page)")
	size := fs.Int("page-size", 50, "items a page (1 to 100)")
	format := fs.String("o", "table", "table, json or csv")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected %q", fs.Arg(0))}
	}
	if *size < 1 || *size > 100 {
		return usageError{"--page-size is 1 to 100"}
	}
	out, err := newPrinter(*format, headers[kind], stdout, "table", "json", "csv")
	if err != nil {
		return err
	}
	c, err := loadConfig()
	if err != nil {
		return err
	}
	client, err := c.client(ctx)
	if err != nil {
		return err
	}
	var seq iter.Seq2[record, error]
	switch kind {
	case "accounts":
		seq = records(client.Accounts(ctx, api.ListAccountsParams{PageSize: size}), accountCells)
	case "products":
		seq = records(client.Products(ctx, api.ListProductsParams{PageSize: size}), productCells)
	case "invoices":
		seq = records(client.Invoices(ctx, api.ListInvoicesParams{PageSize: size}), invoiceCells)
	case "resellers":
		seq = records(client.Resellers(ctx, api.ListResellersParams{PageSize: size}), resellerCells)
	}
	limit := *size
	if *all {
		limit = -1
	}
	return emit(seq, out, limit, progressOn(stderr, *all), kind)
}

func syncInvoices(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sync invoices", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	since := fs.String("since", "", "export the invoices changed at or after this time (RFC 3339)")
	format := fs.String("o", "jsonl", "jsonl (one invoice a line) or csv")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	t, err := time.Parse(time.RFC3339, *since)
	if err != nil {
		return usageError{fmt.Sprintf("--since %q is not an RFC 3339 time (e.g. 2026-11-01T00:00:00Z)", *since)}
	}
	out, err := newPrinter(*format, headers["invoices"], stdout, "jsonl", "csv")
	if err != nil {
		return err
	}
	c, err := loadConfig()
	if err != nil {
		return err
	}
	client, err := c.client(ctx)
	if err != nil {
		return err
	}
	// By updatedAt and cursor: nothing that changes during the export is
	// skipped (a change may come twice: the later copy is the newer).
	sort, hundred := api.ListInvoicesParamsSortUpdatedAt, 100
	seq := records(client.Invoices(ctx, api.ListInvoicesParams{UpdatedSince: &t, Sort: &sort, PageSize: &hundred}), invoiceCells)
	return emit(seq, out, -1, progressOn(stderr, true), "invoices")
}

func getInvoice(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("invoices get", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	pdf := fs.String("pdf", "", "also write the invoice's PDF to this file")
	format := fs.String("o", "table", "table or json")
	// The id may come before the flags.
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	} else if fs.NArg() > 0 || id == "" {
		return usageError{"invoices get takes one invoice id"}
	}
	if *format != "table" && *format != "json" {
		return usageError{fmt.Sprintf("-o %q: give table or json", *format)}
	}
	c, err := loadConfig()
	if err != nil {
		return err
	}
	client, err := c.client(ctx)
	if err != nil {
		return err
	}
	inv, err := client.Invoice(ctx, id)
	if err != nil {
		return err
	}
	if *pdf != "" {
		doc, err := client.InvoicePDF(ctx, id)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*pdf, doc, 0o644); err != nil {
			return fmt.Errorf("write the PDF: %w", err)
		}
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(inv)
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "Invoice\t%s (%s)\nStatus\t%s\nIssued\t%s, due %s\n", inv.Number, inv.Id, inv.Status, inv.IssueDate, inv.DueDate)
	fmt.Fprintf(w, "Total\t%s %s (tax %s), paid %s, due %s\n\n", inv.Total, inv.Currency, inv.Tax, inv.AmountPaid, inv.AmountDue)
	fmt.Fprintln(w, "LINE\tACCOUNT\tQUANTITY\tUNIT PRICE\tAMOUNT")
	for _, l := range inv.Lines {
		account := ""
		if l.AccountId != nil {
			account = *l.AccountId
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\n", l.Description, account, l.Quantity, l.UnitPrice, l.Amount)
	}
	if *pdf != "" {
		fmt.Fprintf(w, "\nPDF written to %s\n", *pdf)
	}
	return w.Flush()
}

// emit prints the records of seq, at most limit of them (all with -1).
func emit(seq iter.Seq2[record, error], out printer, limit int, progress io.Writer, what string) error {
	n := 0
	for r, err := range seq {
		if err != nil {
			out.close()
			return err
		}
		if err := out.item(r); err != nil {
			return err
		}
		n++
		if progress != nil && n%100 == 0 {
			fmt.Fprintf(progress, "\r%d %s", n, what)
		}
		if n == limit {
			break
		}
	}
	if progress != nil && n >= 100 {
		fmt.Fprintf(progress, "\r%d %s\n", n, what)
	}
	return out.close()
}

// progressOn is stderr when it is a terminal and a walk may be long.
func progressOn(stderr io.Writer, long bool) io.Writer {
	f, ok := stderr.(*os.File)
	if !long || !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return f
}

type printer interface {
	item(record) error
	close() error
}

func newPrinter(format string, header []string, w io.Writer, allowed ...string) (printer, error) {
	ok := false
	for _, a := range allowed {
		ok = ok || a == format
	}
	if !ok {
		return nil, usageError{fmt.Sprintf("-o %q: give %s", format, strings.Join(allowed, ", "))}
	}
	switch format {
	case "csv":
		c := &csvPrinter{w: csv.NewWriter(w)}
		return c, c.w.Write(header)
	case "json":
		return &jsonPrinter{w: w}, nil
	case "jsonl":
		return jsonlPrinter{enc: json.NewEncoder(w)}, nil
	}
	t := &tablePrinter{w: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
	fmt.Fprintln(t.w, strings.Join(header, "\t"))
	return t, nil
}

type tablePrinter struct{ w *tabwriter.Writer }

func (p *tablePrinter) item(r record) error {
	_, err := fmt.Fprintln(p.w, strings.Join(r.cells, "\t"))
	return err
}
func (p *tablePrinter) close() error { return p.w.Flush() }

type csvPrinter struct{ w *csv.Writer }

func (p *csvPrinter) item(r record) error { return p.w.Write(r.cells) }
func (p *csvPrinter) close() error        { p.w.Flush(); return p.w.Error() }

// jsonPrinter writes one JSON array, item by item.
type jsonPrinter struct {
	w io.Writer
	n int
}

func (p *jsonPrinter) item(r record) error {
	b, err := json.Marshal(r.obj)
	if err != nil {
		return err
	}
	sep := ",\n  "
	if p.n == 0 {
		sep = "[\n  "
	}
	p.n++
	_, err = fmt.Fprintf(p.w, "%s%s", sep, b)
	return err
}

func (p *jsonPrinter) close() error {
	if p.n == 0 {
		_, err := fmt.Fprintln(p.w, "[]")
		return err
	}
	_, err := fmt.Fprintln(p.w, "\n]")
	return err
}

type jsonlPrinter struct{ enc *json.Encoder }

func (p jsonlPrinter) item(r record) error { return p.enc.Encode(r.obj) }
func (p jsonlPrinter) close() error        { return nil }
