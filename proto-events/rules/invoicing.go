package rules

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"time"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

// Limits of invoices.
const (
	MaxInvoiceLines = 10_000
	dateLayout      = "2006-01-02"
)

var percent = regexp.MustCompile(`^[0-9]{1,3}(\.[0-9]{1,4})?$`)

// InvoiceChanged checks an invoice event: its arithmetic is exact in
// integer minor units (each line's amount is its quantity times its unit
// price, the subtotal their sum, the tax the sum of each line's tax rounded
// half away from zero, the total their sum), its currency known, its dates
// sane, and a void invoice says why.
func InvoiceChanged(e *eventsv1.InvoiceChanged) error {
	inv := e.GetInvoice()
	if inv == nil {
		return join("event", e.GetMeta().GetEventId(), append(metaProblems(e.GetMeta()), errors.New("the event carries no invoice"))...)
	}
	currency := Currency("currency", inv.GetCurrency())
	if inv.GetCurrency() == "" {
		currency = errors.New("currency is required")
	}
	problems := append(metaProblems(e.GetMeta()),
		ID("invoice_id", inv.GetInvoiceId()),
		sameAggregate(e.GetMeta(), inv.GetInvoiceId()),
		ID("reseller_id", inv.GetResellerId()),
		Text("number", inv.GetNumber(), 64),
		currency,
		dates(inv.GetIssueDate(), inv.GetDueDate()),
		enum("status", eventsv1.InvoiceStatus_name, int32(inv.GetStatus()), "issued or void"),
		voidReason(inv),
		timestamp("created_at", inv.GetCreatedAt(), false),
	)
	switch n := len(inv.GetLines()); {
	case n == 0:
		problems = append(problems, errors.New("an invoice needs at least one line"))
	case n > MaxInvoiceLines:
		problems = append(problems, fmt.Errorf("%d lines, at most %d allowed", n, MaxInvoiceLines))
	}
	subtotal, tax := new(big.Int), new(big.Int)
	for i, l := range inv.GetLines() {
		lineTax, err := line(i, l)
		problems = append(problems, err)
		subtotal.Add(subtotal, big.NewInt(l.GetAmountMinor()))
		tax.Add(tax, lineTax)
	}
	problems = append(problems,
		equal("subtotal_minor", inv.GetSubtotalMinor(), subtotal, "the sum of the lines' amount_minor"),
		equal("tax_minor", inv.GetTaxMinor(), tax, "the sum of the lines' tax"),
		equal("total_minor", inv.GetTotalMinor(), new(big.Int).Add(big.NewInt(inv.GetSubtotalMinor()), big.NewInt(inv.GetTaxMinor())), "subtotal_minor + tax_minor"),
	)
	if inv.GetTotalMinor() < 0 {
		problems = append(problems, fmt.Errorf("total_minor is %d, an invoice cannot be negative", inv.GetTotalMinor()))
	}
	return join("invoice", inv.GetInvoiceId(), problems...)
}

// line checks one line and returns its tax: amount x rate / 100, rounded
// half away from zero to the minor unit.
func line(i int, l *eventsv1.InvoiceLine) (*big.Int, error) {
	field := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
	var problems []error
	if l.GetQuantity() <= 0 {
		problems = append(problems, fmt.Errorf("%s is %d, want 1 or more", field("quantity"), l.GetQuantity()))
	}
	amount := new(big.Int).Mul(big.NewInt(l.GetQuantity()), big.NewInt(l.GetUnitPriceMinor()))
	problems = append(problems, equal(field("amount_minor"), l.GetAmountMinor(), amount, "quantity x unit_price_minor"))
	tax, err := Tax(l.GetAmountMinor(), l.GetTaxRatePercent())
	if err != nil {
		problems = append(problems, fmt.Errorf("%s %w", field("tax_rate_percent"), err))
	}
	start, end := l.GetServicePeriodStart(), l.GetServicePeriodEnd()
	if (start == "") != (end == "") {
		problems = append(problems, fmt.Errorf("%s and %s go together", field("service_period_start"), field("service_period_end")))
	} else if start != "" {
		s, err1 := time.Parse(dateLayout, start)
		e, err2 := time.Parse(dateLayout, end)
		switch {
		case err1 != nil || err2 != nil:
			problems = append(problems, fmt.Errorf("%s dates must be YYYY-MM-DD", field("service_period")))
		case e.Before(s):
			problems = append(problems, fmt.Errorf("%s ends before it starts", field("service_period")))
		}
	}
	problems = append(problems,
		ID(field("line_id"), l.GetLineId()),
		Text(field("description"), l.GetDescription(), 500),
		OptionalID(field("product_id"), l.GetProductId()),
		OptionalText(field("sku"), l.GetSku(), 64),
		OptionalID(field("account_id"), l.GetAccountId()),
	)
	return tax, errors.Join(problems...)
}

// Tax is the tax on amountMinor at ratePercent (a decimal percentage from
// 0 to 100 with at most 4 decimals, e.g. "24" or "5.5"): amount x rate /
// 100, rounded half away from zero to the minor unit, exactly. It is how
// an invoice line's tax must be computed.
func Tax(amountMinor int64, ratePercent string) (*big.Int, error) {
	rate, ok := new(big.Rat).SetString(ratePercent)
	if !percent.MatchString(ratePercent) || !ok || rate.Cmp(big.NewRat(100, 1)) > 0 {
		return new(big.Int), fmt.Errorf("%s must be a percentage from 0 to 100 with at most 4 decimals, e.g. 24 or 5.5", quote(ratePercent))
	}
	exact := new(big.Rat).Mul(new(big.Rat).SetInt64(amountMinor), rate)
	return roundHalfAway(exact.Quo(exact, big.NewRat(100, 1))), nil
}

// roundHalfAway rounds r to an integer, halves away from zero.
func roundHalfAway(r *big.Rat) *big.Int {
	num, den := new(big.Int).Abs(r.Num()), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if r.Sign() < 0 {
		q.Neg(q)
	}
	return q
}

// equal refuses a stated amount that is not the computed one.
func equal(field string, stated int64, computed *big.Int, what string) error {
	if !computed.IsInt64() || computed.Int64() != stated {
		return fmt.Errorf("%s is %d, but %s is %s", field, stated, what, computed)
	}
	return nil
}

func dates(issue, due string) error {
	i, err1 := time.Parse(dateLayout, issue)
	d, err2 := time.Parse(dateLayout, due)
	switch {
	case err1 != nil:
		return fmt.Errorf("issue_date %s must be a date YYYY-MM-DD", quote(issue))
	case err2 != nil:
		return fmt.Errorf("due_date %s must be a date YYYY-MM-DD", quote(due))
	case d.Before(i):
		return fmt.Errorf("due_date %s is before issue_date %s", due, issue)
	}
	return nil
}

func voidReason(inv *eventsv1.Invoice) error {
	void := inv.GetStatus() == eventsv1.InvoiceStatus_INVOICE_STATUS_VOID
	switch {
	case void && inv.GetVoidReason() == "":
		return errors.New("void_reason is required for a void invoice")
	case !void && inv.GetVoidReason() != "":
		return errors.New("void_reason is only for a void invoice")
	}
	return OptionalText("void_reason", inv.GetVoidReason(), 500)
}

// PaymentChanged checks a payment event: an amount above zero in a known
// currency, and when it was paid. That the currency is the invoice's is
// checked by the invoicing service, which knows the invoice.
func PaymentChanged(e *eventsv1.PaymentChanged) error {
	p := e.GetPayment()
	if p == nil {
		return join("event", e.GetMeta().GetEventId(), append(metaProblems(e.GetMeta()), errors.New("the event carries no payment"))...)
	}
	var amount, currency error
	if p.GetAmountMinor() <= 0 {
		amount = fmt.Errorf("amount_minor is %d, a payment is more than zero", p.GetAmountMinor())
	}
	if currency = Currency("currency", p.GetCurrency()); p.GetCurrency() == "" {
		currency = errors.New("currency is required")
	}
	return join("payment", p.GetPaymentId(), append(metaProblems(e.GetMeta()),
		ID("payment_id", p.GetPaymentId()),
		sameAggregate(e.GetMeta(), p.GetPaymentId()),
		ID("invoice_id", p.GetInvoiceId()),
		amount, currency,
		timestamp("paid_at", p.GetPaidAt(), true),
		OptionalText("method", p.GetMethod(), 50),
	)...)
}
