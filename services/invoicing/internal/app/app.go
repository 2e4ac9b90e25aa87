// Package app holds the invoicing use case: projecting invoices and their
// payments into the invoices read model, in batches, exactly whatever
// order and however often the events arrive, with any number of replicas.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"time"

	"github.com/resellerapi/platform/services/invoicing/internal/domain"
)

// Stored is an invoice as stored: its state, its settlement and the
// revision a write must find to replace it.
type Stored struct {
	Invoice    domain.Invoice
	Settlement domain.Settlement
	Rev        string
}

// Write replaces the stored invoice whose revision is Rev ("" for one not
// stored yet) with Invoice and Settlement.
type Write struct {
	Invoice    domain.Invoice
	Settlement domain.Settlement
	Rev        string
}

// Repository stores invoices and payments. Payments are written with a
// version guard (the newer version wins); invoices by compare-and-set on
// their revision, because each carries what its payments add up to and
// two replicas may be settling the same invoice at once.
type Repository interface {
	// Invoices returns the stored invoices among ids, by id.
	Invoices(ctx context.Context, ids []string) (map[string]Stored, error)
	// SavePayments stores each payment unless the same or a newer version
	// of it is stored or it is stored under another invoice; it returns
	// which were written. One round trip unless another writer stored one
	// of them meanwhile.
	SavePayments(ctx context.Context, ps []domain.Payment) ([]bool, error)
	// Payments returns the stored payments among ids, by id.
	Payments(ctx context.Context, ids []string) (map[string]domain.Payment, error)
	// PaymentsOf returns the stored payments of the invoices ids, by
	// invoice id.
	PaymentsOf(ctx context.Context, invoiceIDs []string) (map[string][]domain.Payment, error)
	// SaveInvoices makes each write whose invoice's stored revision is
	// still its Rev, and returns the ids of the others (another writer
	// came first; nothing was written for them). One round trip when all
	// succeed.
	SaveInvoices(ctx context.Context, ws []Write) (conflicts []string, err error)
}

// Change is one event to project: an invoice or a payment.
type Change struct {
	Invoice *domain.Invoice
	Payment *domain.Payment
}

// ErrStale is the result of a change older than, or the same as, what is
// stored: nothing to do.
var ErrStale = errors.New("older or repeated version")

// ErrRefused marks a change that can never be applied as it is (a payment
// in another currency than its invoice, a payment moved to another
// invoice). Its event should be dead-lettered with the reason.
var ErrRefused = errors.New("refused")

func refused(err error) error { return fmt.Errorf("%w: %w", ErrRefused, err) }

// maxAttempts bounds how often a batch retries the invoices another writer
// changed under it before giving the messages back for redelivery.
const maxAttempts = 8

// Projector projects invoice and payment changes. Apply hands one change
// to the batch loop (Run) and waits for its write; Project writes one
// batch.
type Projector struct {
	repo     Repository
	log      *slog.Logger
	requests chan request
	maxBatch int
	observe  func(size int, took time.Duration)
}

// ObserveBatches has f called after every batch Run writes, with its size
// and how long it took (for metrics).
func (p *Projector) ObserveBatches(f func(size int, took time.Duration)) { p.observe = f }

type request struct {
	change Change
	done   chan error
}

// NewProjector returns a projector writing batches of at most maxBatch
// changes.
func NewProjector(repo Repository, log *slog.Logger, maxBatch int) *Projector {
	return &Projector{repo: repo, log: log, requests: make(chan request), maxBatch: max(maxBatch, 1)}
}

// Apply projects c in the next batch and returns once it is written:
// nil when applied, ErrStale, an error wrapping ErrRefused, or another
// error (retry later). Run must be running.
func (p *Projector) Apply(ctx context.Context, c Change) error {
	r := request{change: c, done: make(chan error, 1)}
	select {
	case p.requests <- r:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		// The batch may still write it; a redelivery finds it stored.
		return ctx.Err()
	}
}

// Run writes batches until ctx ends: it takes the changes waiting (at
// least one, at most maxBatch) and writes them together, so batches grow
// with the load and a lone change waits for nothing.
func (p *Projector) Run(ctx context.Context) {
	for {
		var batch []request
		select {
		case <-ctx.Done():
			return
		case r := <-p.requests:
			batch = append(batch, r)
		}
	gather:
		for len(batch) < p.maxBatch {
			select {
			case r := <-p.requests:
				batch = append(batch, r)
			default:
				break gather
			}
		}
		changes := make([]Change, len(batch))
		for i, r := range batch {
			changes[i] = r.change
		}
		// A batch started is finished even while stopping: its messages
		// are waiting for their acks.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		start := time.Now()
		results := p.Project(wctx, changes)
		cancel()
		if p.observe != nil {
			p.observe(len(changes), time.Since(start))
		}
		for _, err := range results {
			if err != nil && !errors.Is(err, ErrStale) && !errors.Is(err, ErrRefused) {
				// Its messages are redelivered; say why, once per batch.
				p.log.WarnContext(ctx, "batch not written", "size", len(changes), "took_ms", time.Since(start).Milliseconds(), "error", err.Error())
				break
			}
		}
		for i, r := range batch {
			r.done <- results[i]
		}
	}
}

// Project writes one batch and returns the result of each change (see
// Apply). Round trips for a batch of new invoices: their payments and
// their writes (inserts); with payments, also the payments' invoices and
// the payments' stored versions and writes. More when an invoice was
// stored already (a new version, a replay) or another writer changed one
// meanwhile: the conflicting ones are read and written again.
func (p *Projector) Project(ctx context.Context, changes []Change) []error {
	b := newBatch(changes)
	if err := p.project(ctx, b); err != nil {
		// Every change not refused is tried again: a stale payment's
		// invoice may not have been settled.
		for i := range b.results {
			if !errors.Is(b.results[i], ErrRefused) {
				b.results[i] = err
			}
		}
	}
	return b.results
}

// errPending is the result of a change not decided yet.
var errPending = errors.New("pending")

// batch is a batch of changes: the newest change of each aggregate takes
// part, the others are stale.
type batch struct {
	changes  []Change
	results  []error
	invoices map[string]int // invoice id -> index of its newest change
	payments map[string]int // payment id -> index of its newest change
}

func newBatch(changes []Change) *batch {
	b := &batch{changes: changes, results: make([]error, len(changes)),
		invoices: map[string]int{}, payments: map[string]int{}}
	newest := func(m map[string]int, id string, i int, version func(int) int64) {
		j, seen := m[id]
		switch {
		case !seen:
			m[id] = i
		case version(i) > version(j):
			b.results[j], m[id] = ErrStale, i
		default:
			b.results[i] = ErrStale
		}
	}
	for i, c := range changes {
		b.results[i] = errPending
		switch {
		case c.Invoice != nil:
			newest(b.invoices, c.Invoice.ID, i, func(k int) int64 { return changes[k].Invoice.Version })
		case c.Payment != nil:
			newest(b.payments, c.Payment.ID, i, func(k int) int64 { return changes[k].Payment.Version })
		default:
			b.results[i] = refused(errors.New("empty change"))
		}
	}
	return b
}

func (p *Projector) project(ctx context.Context, b *batch) error {
	affected := map[string]bool{}
	for id := range b.invoices {
		affected[id] = true
	}
	for _, i := range b.payments {
		affected[b.changes[i].Payment.InvoiceID] = true
	}
	pending := sortedKeys(affected)
	// Only the invoices of the batch's payments are read first (their
	// currency decides whether a payment counts). An invoice the batch
	// brings is first written as new: most of a burst is, and an insert
	// that finds one stored is a conflict, read and settled again below.
	paid := map[string]bool{}
	for _, i := range b.payments {
		paid[b.changes[i].Payment.InvoiceID] = true
	}
	stored, err := p.repo.Invoices(ctx, sortedKeys(paid))
	if err != nil {
		return err
	}
	if err := p.savePayments(ctx, b, stored); err != nil {
		return err
	}
	for attempt := 1; len(pending) > 0; attempt++ {
		if attempt > 1 {
			if attempt > maxAttempts {
				return fmt.Errorf("invoices %v kept changing under %d attempts", pending, maxAttempts)
			}
			if stored, err = p.repo.Invoices(ctx, pending); err != nil {
				return err
			}
		}
		if pending, err = p.saveInvoices(ctx, b, pending, stored); err != nil {
			return err
		}
	}
	return nil
}

// savePayments stores the batch's payments that are newer than the stored
// ones and that their invoice, when known, accepts, and decides each
// payment's result. Reading the stored versions first keeps replays and
// refusals from reaching the write.
func (p *Projector) savePayments(ctx context.Context, b *batch, stored map[string]Stored) error {
	if len(b.payments) == 0 {
		return nil
	}
	current, err := p.repo.Payments(ctx, sortedKeys(b.payments))
	if err != nil {
		return err
	}
	var save []domain.Payment
	var idx []int
	for _, i := range sortedValues(b.payments) {
		pay := *b.changes[i].Payment
		cur, exists := current[pay.ID]
		switch {
		case exists && cur.InvoiceID != pay.InvoiceID && cur.Version < pay.Version:
			b.results[i] = refused(fmt.Errorf("payment %s belongs to invoice %s; version %d names invoice %s, and a payment cannot move to another invoice",
				pay.ID, cur.InvoiceID, pay.Version, pay.InvoiceID))
			continue
		case exists && cur.Version >= pay.Version:
			b.results[i] = ErrStale
			continue
		}
		if st, ok := stored[pay.InvoiceID]; ok {
			if err := st.Invoice.Accepts(pay); err != nil {
				b.results[i] = refused(err)
				continue
			}
		}
		save, idx = append(save, pay), append(idx, i)
	}
	if len(save) == 0 {
		return nil
	}
	written, err := p.repo.SavePayments(ctx, save)
	if err != nil {
		return err
	}
	for k, ok := range written {
		if b.results[idx[k]] = ErrStale; ok {
			b.results[idx[k]] = nil
		}
	}
	return nil
}

// saveInvoices settles the pending invoices from their stored payments,
// with the batch's newer invoice versions, writes those that changed and
// returns those another writer changed first.
func (p *Projector) saveInvoices(ctx context.Context, b *batch, pending []string, stored map[string]Stored) ([]string, error) {
	payments, err := p.repo.PaymentsOf(ctx, pending)
	if err != nil {
		return nil, err
	}
	var writes []Write
	for _, id := range pending {
		st, has := stored[id]
		inv, known := st.Invoice, has
		if i, ok := b.invoices[id]; ok {
			c := b.changes[i].Invoice
			if !has || c.Version > st.Invoice.Version {
				inv, known, b.results[i] = *c, true, nil
			} else {
				b.results[i] = ErrStale
			}
		}
		if !known {
			continue // its payments wait for it
		}
		s := domain.Settle(inv, payments[id])
		if has && sameState(st, inv, s) {
			continue
		}
		if len(s.Refused) > 0 && inv.Version != st.Invoice.Version {
			for _, r := range s.Refused {
				p.log.WarnContext(ctx, "payment not counted", "invoice_id", id, "payment_id", r.ID,
					"reason", inv.Accepts(r).Error())
			}
		}
		writes = append(writes, Write{Invoice: inv, Settlement: s, Rev: st.Rev})
	}
	if len(writes) == 0 {
		return nil, nil
	}
	return p.repo.SaveInvoices(ctx, writes)
}

// sameState reports whether writing inv with s would change nothing
// stored (refused payments are not stored).
func sameState(st Stored, inv domain.Invoice, s domain.Settlement) bool {
	s.Refused = nil
	return reflect.DeepEqual(st.Invoice, inv) && reflect.DeepEqual(st.Settlement, s)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sortedValues(m map[string]int) []int {
	vals := make([]int, 0, len(m))
	for _, v := range m {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	return vals
}
