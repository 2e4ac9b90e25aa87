// Package ports translates the invoicing service's inputs, the
// back-office's invoice and payment events, into projector calls.
package ports

import (
	"context"
	"errors"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/services/invoicing/internal/app"
	"github.com/resellerapi/platform/services/invoicing/internal/domain"
)

// Register adds the invoicing handlers to bus, each with up to concurrency
// messages in flight so that the projector's batches can fill. The bus
// hands them only events that pass their rules and dead-letters the
// others; a change the projector refuses is dead-lettered too.
func Register(bus *eventbus.Bus, p *app.Projector, concurrency int) error {
	return errors.Join(
		eventbus.Handle(bus, "invoices", subjects.Invoices, func(ctx context.Context, e *eventsv1.InvoiceChanged) error {
			inv := InvoiceFromEvent(e)
			return outcome(p.Apply(ctx, app.Change{Invoice: &inv}))
		}, eventbus.Concurrency(concurrency)),
		eventbus.Handle(bus, "payments", subjects.Payments, func(ctx context.Context, e *eventsv1.PaymentChanged) error {
			pay := PaymentFromEvent(e)
			return outcome(p.Apply(ctx, app.Change{Payment: &pay}))
		}, eventbus.Concurrency(concurrency)),
	)
}

func outcome(err error) error {
	switch {
	case errors.Is(err, app.ErrStale):
		return eventbus.ErrStale
	case errors.Is(err, app.ErrRefused):
		return eventbus.Permanent(err)
	}
	return err
}

// InvoiceFromEvent maps an event that passed rules.InvoiceChanged. Times
// are kept to the millisecond, as stored.
func InvoiceFromEvent(e *eventsv1.InvoiceChanged) domain.Invoice {
	inv := e.GetInvoice()
	updated := e.GetMeta().GetOccurredAt()
	created := inv.GetCreatedAt()
	if created == nil {
		created = updated
	}
	out := domain.Invoice{
		ID: inv.GetInvoiceId(), ResellerID: inv.GetResellerId(), Number: inv.GetNumber(), Currency: inv.GetCurrency(),
		IssueDate: inv.GetIssueDate(), DueDate: inv.GetDueDate(), Lines: make([]domain.Line, len(inv.GetLines())),
		Subtotal: inv.GetSubtotalMinor(), Tax: inv.GetTaxMinor(), Total: inv.GetTotalMinor(),
		Void: inv.GetStatus() == eventsv1.InvoiceStatus_INVOICE_STATUS_VOID, VoidReason: inv.GetVoidReason(),
		CreatedAt: stored(created), UpdatedAt: stored(updated), Version: e.GetMeta().GetVersion(),
	}
	for i, l := range inv.GetLines() {
		out.Lines[i] = domain.Line{ID: l.GetLineId(), Description: l.GetDescription(), ProductID: l.GetProductId(),
			SKU: l.GetSku(), AccountID: l.GetAccountId(), Quantity: l.GetQuantity(), UnitPrice: l.GetUnitPriceMinor(),
			TaxRatePercent: l.GetTaxRatePercent(), ServicePeriodStart: l.GetServicePeriodStart(),
			ServicePeriodEnd: l.GetServicePeriodEnd(), Amount: l.GetAmountMinor()}
	}
	return out
}

// PaymentFromEvent maps an event that passed rules.PaymentChanged.
func PaymentFromEvent(e *eventsv1.PaymentChanged) domain.Payment {
	p := e.GetPayment()
	return domain.Payment{ID: p.GetPaymentId(), InvoiceID: p.GetInvoiceId(), Amount: p.GetAmountMinor(),
		Currency: p.GetCurrency(), PaidAt: stored(p.GetPaidAt()), Method: p.GetMethod(),
		UpdatedAt: stored(e.GetMeta().GetOccurredAt()), Version: e.GetMeta().GetVersion()}
}

// stored is t as MongoDB stores it: UTC, to the millisecond.
func stored(t *timestamppb.Timestamp) time.Time {
	return t.AsTime().Truncate(time.Millisecond).UTC()
}
