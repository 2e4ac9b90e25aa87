package representation

// The objects of the API as the edge answers them and webhooks deliver
// them, made from the read models' documents.

import (
	"fmt"
	"net/url"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/resellerapi/platform/pkg/money"
	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
)

// JSONAPITime is the seed's timestamp in JSON:API documents: RFC 3339
// with milliseconds.
const JSONAPITime = "2006-01-02T15:04:05.000Z07:00"

// NewProduct is a product as the caller may resell it (offer: the
// product as the caller's price list prices it); amounts become decimal strings in their
// currency's minor-unit precision, never floats.
func NewProduct(p catalog.Offer) (Product, error) {
	resp := Product{Id: p.ProductID, Sku: p.SKU, Name: p.Name, Description: optional(p.Description, nil), Category: p.Category,
		Vendor: p.Vendor, BillingType: BillingType(p.BillingType), Unit: optional(p.Unit, nil),
		Prices: make([]Price, len(p.Prices)), UpdatedAt: p.UpdatedAt.UTC()}
	for i, pr := range p.Prices {
		cost, err := money.FormatIn(pr.CostMinor, p.Currency)
		if err != nil {
			return Product{}, fmt.Errorf("product %s: %w", p.ProductID, err)
		}
		retail, _ := money.FormatIn(pr.RetailMinor, p.Currency)
		resp.Prices[i] = Price{BillingPeriod: BillingPeriod(pr.BillingPeriod), Cost: cost, Retail: retail, Currency: p.Currency,
			EffectiveFrom: optionalTime(pr.EffectiveFrom), EffectiveTo: optionalTime(pr.EffectiveTo)}
	}
	return resp, nil
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// NewAccount is an end customer; its optional fields point into
// *optionals when given (a page's worth of them in one allocation).
func NewAccount(a directory.Account, optionals *[]string) Account {
	resp := Account{Id: a.ID, ResellerId: a.ResellerID, Name: a.Name, Email: optional(a.Email, optionals),
		Phone: optional(a.Phone, optionals), Country: optional(a.Country, optionals), Status: AccountStatus(a.Status),
		Currency: optional(a.Currency, optionals), CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()}
	if b := a.BillingAddress; b != (directory.PostalAddress{}) {
		resp.BillingAddress = &Address{AddressLine1: optional(b.AddressLine1, nil), AddressLine2: optional(b.AddressLine2, nil),
			City: optional(b.City, nil), State: optional(b.State, nil), Zip: optional(b.Zip, nil), Country: optional(b.Country, nil)}
	}
	if p := a.PrimaryContact; p != (directory.ResellerContacts{}) {
		resp.PrimaryContact = &Contact{FirstName: optional(p.FirstName, nil), LastName: optional(p.LastName, nil),
			MiddleName: optional(p.MiddleName, nil), Position: optional(p.Position, nil), Phone: optional(p.Phone, nil), Email: optional(p.Email, nil)}
	}
	return resp
}

// optional leaves an empty value out of a response.
func optional(s string, store *[]string) *string {
	switch {
	case s == "":
		return nil
	case store == nil || len(*store) == cap(*store):
		p := new(string) // only this path allocates; &s would move s to the heap on every call
		*p = s
		return p
	}
	*store = append(*store, s)
	return &(*store)[len(*store)-1]
}

// apiDate parses a stored YYYY-MM-DD date.
func apiDate(s string) openapi_types.Date {
	t, _ := time.Parse(time.DateOnly, s)
	return openapi_types.Date{Time: t}
}

func optionalDate(s string) *openapi_types.Date {
	if s == "" {
		return nil
	}
	d := apiDate(s)
	return &d
}

// NewInvoiceSummary is an invoice in a list, with status its status as of
// today (overdue derived) and the names of its end customers by id; amounts become decimal
// strings in the currency's minor-unit precision.
func NewInvoiceSummary(inv invoicing.Invoice, status string, accountNames map[string]string) (InvoiceSummary, error) {
	amounts, err := formatAmounts(inv.Currency, inv.SubtotalMinor, inv.TaxMinor, inv.TotalMinor, inv.AmountPaidMinor, inv.AmountDueMinor)
	if err != nil {
		return InvoiceSummary{}, fmt.Errorf("invoice %s: %w", inv.ID, err)
	}
	s := InvoiceSummary{Id: inv.ID, Number: inv.Number, Status: InvoiceStatus(status), VoidReason: optional(inv.VoidReason, nil),
		Currency: inv.Currency, IssueDate: apiDate(inv.IssueDate), DueDate: apiDate(inv.DueDate),
		Subtotal: amounts[0], Tax: amounts[1], Total: amounts[2], AmountPaid: amounts[3], AmountDue: amounts[4],
		Accounts: make([]InvoiceAccount, len(inv.AccountIDs)), CreatedAt: inv.CreatedAt.UTC(), UpdatedAt: inv.UpdatedAt.UTC()}
	for i, id := range inv.AccountIDs {
		s.Accounts[i] = InvoiceAccount{Id: id, Name: optional(accountNames[id], nil)}
	}
	return s, nil
}

// NewInvoice is an invoice with its lines and payments (see
// NewInvoiceSummary).
func NewInvoice(inv invoicing.Invoice, status string, accountNames map[string]string) (Invoice, error) {
	s, err := NewInvoiceSummary(inv, status, accountNames)
	if err != nil {
		return Invoice{}, err
	}
	resp := Invoice{Id: s.Id, Number: s.Number, Status: s.Status, VoidReason: s.VoidReason, Currency: s.Currency,
		IssueDate: s.IssueDate, DueDate: s.DueDate, Subtotal: s.Subtotal, Tax: s.Tax, Total: s.Total,
		AmountPaid: s.AmountPaid, AmountDue: s.AmountDue, Accounts: s.Accounts, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
		Lines: make([]InvoiceLine, len(inv.Lines)), Payments: make([]InvoicePayment, len(inv.Payments))}
	for i, l := range inv.Lines {
		a, err := formatAmounts(inv.Currency, l.UnitPriceMinor, l.AmountMinor)
		if err != nil {
			return Invoice{}, fmt.Errorf("invoice %s: %w", inv.ID, err)
		}
		resp.Lines[i] = InvoiceLine{Id: l.LineID, Description: l.Description, ProductId: optional(l.ProductID, nil), Sku: optional(l.SKU, nil),
			AccountId: optional(l.AccountID, nil), AccountName: optional(accountNames[l.AccountID], nil), Quantity: l.Quantity,
			UnitPrice: a[0], TaxRatePercent: l.TaxRatePercent, Amount: a[1],
			ServicePeriodStart: optionalDate(l.ServicePeriodStart), ServicePeriodEnd: optionalDate(l.ServicePeriodEnd)}
	}
	for i, p := range inv.Payments {
		a, err := formatAmounts(inv.Currency, p.AmountMinor)
		if err != nil {
			return Invoice{}, fmt.Errorf("invoice %s: %w", inv.ID, err)
		}
		resp.Payments[i] = InvoicePayment{Id: p.PaymentID, Amount: a[0], PaidAt: p.PaidAt.UTC(), Method: optional(p.Method, nil)}
	}
	return resp, nil
}

func formatAmounts(currency string, minor ...int64) ([]Amount, error) {
	out := make([]Amount, len(minor))
	for i, m := range minor {
		s, err := money.FormatIn(m, currency)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// NewReseller is a reseller profile as a JSON:API resource.
func NewReseller(p directory.Reseller) ResellerResource {
	created, updated := p.CreatedAt.UTC().Format(JSONAPITime), p.UpdatedAt.UTC().Format(JSONAPITime)
	var parent *string
	if p.ParentID != "" {
		parent = &p.ParentID
	}
	custom := p.CustomAttributes
	if custom == nil {
		custom = map[string]string{}
	}
	r := ResellerResource{Id: p.ID, Type: Resellers, Attributes: ResellerAttributes{
		CreatedAt: created, UpdatedAt: updated, ParentId: parent,
		General: ResellerGeneral{CreatedAt: created, UpdatedAt: updated, Name: p.Name, Domain: p.Domain, Currency: p.Currency, Manager: p.Manager},
		Company: ResellerCompany{CreatedAt: created, UpdatedAt: updated, Name: p.Company.Name, AddressLine1: p.Company.AddressLine1,
			AddressLine2: p.Company.AddressLine2, City: p.Company.City, State: p.Company.State, Zip: p.Company.Zip,
			Country: p.Company.Country, Phone: p.Company.Phone, Fax: p.Company.Fax, Email: p.Company.Email},
		Contacts: ResellerContacts{CreatedAt: created, UpdatedAt: updated, FirstName: p.Contacts.FirstName, LastName: p.Contacts.LastName,
			MiddleName: p.Contacts.MiddleName, Position: p.Contacts.Position, Phone: p.Contacts.Phone, Email: p.Contacts.Email},
		CustomAttributes: custom,
	}}
	r.Links.Self = "/api/v3/resellers/" + url.PathEscape(p.ID)
	return r
}
