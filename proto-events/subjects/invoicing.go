package subjects

import "github.com/resellerapi/platform/proto-events/rules"

// Topics of the invoicing bounded context (stream INVOICING).
var (
	// Invoices: every invoice's eventsv1.InvoiceChanged.
	Invoices = topic("invoicing.invoice.changed.", rules.InvoiceChanged)
	// Payments: every payment's eventsv1.PaymentChanged.
	Payments = topic("invoicing.payment.changed.", rules.PaymentChanged)
)
