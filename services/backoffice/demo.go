package backoffice

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

// DemoData is a small data set that shows the API at work: a reseller
// tree three levels deep with full profiles (one in Cyrillic), enough
// accounts under the first reseller to page through, and a small catalog
// on two price lists in two currencies (downstream resellers inherit),
// and a few months of invoices with their payments: paid, partly paid
// (overdue), open and void.
type DemoData struct {
	Resellers  []Record[*eventsv1.Reseller]
	Accounts   []Record[*eventsv1.Account]
	Products   []Record[*eventsv1.Product]
	PriceLists []Record[*eventsv1.PriceList]
	Invoices   []Record[*eventsv1.Invoice]
	Payments   []Record[*eventsv1.Payment]
}

// Demo returns the demo data set. Its ids are fixed so that seeding twice
// changes nothing (same versions: the projections ignore them).
func Demo() DemoData {
	// Versions above 1: price lists and profiles came after the first
	// release of the demo data.
	d := DemoData{Resellers: []Record[*eventsv1.Reseller]{
		{Version: 3, State: &eventsv1.Reseller{ResellerId: "res-cloudnova", PriceListId: "pl-eu-partners",
			Name: "CloudNova Solutions", Domain: "cloudnova.example", Currency: "EUR", Manager: "Eleni Papadopoulou",
			Company: &eventsv1.ResellerCompany{Name: "CloudNova Solutions S.A.", AddressLine_1: "Leoforos Kifisias 44", City: "Athens", State: "Attica",
				Zip: "15125", Country: "GR", Phone: "+302106801234", Email: "admin@cloudnova.example"},
			Contacts:         &eventsv1.ResellerContacts{FirstName: "Nikos", LastName: "Georgiou", Position: "CTO", Phone: "+302106801235", Email: "nikos@cloudnova.example"},
			CustomAttributes: map[string]string{"vat_number": "EL094019245", "partner_tier": "gold"}}},
		{Version: 3, State: &eventsv1.Reseller{ResellerId: "res-bytebridge", PriceListId: "pl-us-partners",
			Name: "ByteBridge IT", Domain: "bytebridge.example", Currency: "USD", Manager: "Mark Collins",
			Company: &eventsv1.ResellerCompany{Name: "ByteBridge IT LLC", AddressLine_1: "500 Howard Street", AddressLine_2: "Suite 300", City: "San Francisco",
				State: "CA", Zip: "94105", Country: "US", Phone: "+14155550100", Email: "ops@bytebridge.example"},
			Contacts:         &eventsv1.ResellerContacts{FirstName: "Dana", LastName: "Whitfield", Position: "Operations lead", Phone: "+14155550101", Email: "dana@bytebridge.example"},
			CustomAttributes: map[string]string{"partner_tier": "silver"}}},
		{Version: 2, State: &eventsv1.Reseller{ResellerId: "res-cloudnova-cy", ParentId: "res-cloudnova",
			Name: "CloudNova Cyprus", Domain: "cy.cloudnova.example", Currency: "EUR", Manager: "Eleni Papadopoulou",
			Company: &eventsv1.ResellerCompany{Name: "CloudNova Cyprus Ltd", AddressLine_1: "Archbishop Makarios III Avenue 15", City: "Nicosia",
				Zip: "1065", Country: "CY", Phone: "+35722123456", Fax: "+35722123457", Email: "cy@cloudnova.example"},
			Contacts: &eventsv1.ResellerContacts{FirstName: "Andreas", LastName: "Christodoulou", Phone: "+35799123456", Email: "andreas@cy.cloudnova.example"}}},
		// The third level: a reseller of CloudNova Cyprus.
		{Version: 1, State: &eventsv1.Reseller{ResellerId: "res-limassol-it", ParentId: "res-cloudnova-cy",
			Name: "Limassol IT Partners", Domain: "limassol-it.example", Currency: "EUR", Manager: "Eleni Papadopoulou",
			Company: &eventsv1.ResellerCompany{Name: "Limassol IT Partners Ltd", AddressLine_1: "Anexartisias 120", City: "Limassol", Zip: "3040",
				Country: "CY", Phone: "0035725555123", Email: "hello@limassol-it.example"},
			Contacts: &eventsv1.ResellerContacts{FirstName: "Maria", LastName: "Ioannou", Position: "Director", Phone: "+35799555123", Email: "maria@limassol-it.example"}}},
		// A profile in Cyrillic, as in the seed's example; on the free edition.
		{Version: 1, State: &eventsv1.Reseller{ResellerId: "res-belsoft", ParentId: "res-bytebridge", Edition: eventsv1.ResellerEdition_RESELLER_EDITION_FREE,
			Name: "БелСофт Дистрибуция", Domain: "belsoft.example", Currency: "BYN", Manager: "Алена Ратаева",
			Company: &eventsv1.ResellerCompany{Name: "ООО «БелСофт»", AddressLine_1: "ул. Гикало, 9", AddressLine_2: "офис 402", City: "Минск",
				State: "Минская", Zip: "220071", Country: "BY", Phone: "+375172222060", Fax: "", Email: "info@belsoft.example"},
			Contacts:         &eventsv1.ResellerContacts{FirstName: "Иван", LastName: "Иванов", MiddleName: "Петрович", Position: "", Phone: "+375252222060", Email: "ivan@belsoft.example"},
			CustomAttributes: map[string]string{"inn": "191234567", "email": "", "l": ""}}},
	}}
	names := []string{"Acropolis Bakery", "Blue Aegean Travel", "Cycladic Design", "Delphi Analytics", "Elafonisi Resorts",
		"Filoxenia Hotels", "Gaia Organics", "Hermes Logistics", "Ionian Marine", "Kalamata Foods", "Lefkada Sailing", "Meteora Media"}
	active, suspended, closed := eventsv1.AccountStatus_ACCOUNT_STATUS_ACTIVE, eventsv1.AccountStatus_ACCOUNT_STATUS_SUSPENDED, eventsv1.AccountStatus_ACCOUNT_STATUS_CLOSED
	statuses := []eventsv1.AccountStatus{active, active, active, suspended, active, active, closed, active, active, active, active, active}
	for i, name := range names {
		d.Accounts = append(d.Accounts, At(1, &eventsv1.Account{
			AccountId: fmt.Sprintf("acc-cn-%03d", i+1), ResellerId: "res-cloudnova", Name: name,
			Email: fmt.Sprintf("billing@customer%d.example", i+1), Phone: fmt.Sprintf("+30210555%04d", i+1),
			Country: "GR", Status: statuses[i], Currency: "EUR",
			BillingAddress: &eventsv1.PostalAddress{AddressLine_1: fmt.Sprintf("Ermou %d", 10+i), City: "Athens", Zip: "10563", Country: "GR"},
			PrimaryContact: &eventsv1.ResellerContacts{FirstName: "Giorgos", LastName: name, Email: fmt.Sprintf("it@customer%d.example", i+1)},
		}))
	}
	for i, name := range []string{"Liberty Dental", "Golden Gate Bikes", "Prairie Software"} {
		d.Accounts = append(d.Accounts, At(1, &eventsv1.Account{
			AccountId: fmt.Sprintf("acc-bb-%03d", i+1), ResellerId: "res-bytebridge", Name: name,
			Email: fmt.Sprintf("it@usclient%d.example", i+1), Phone: fmt.Sprintf("+1415555%04d", i+1), Country: "US", Status: active,
		}))
	}
	d.Accounts = append(d.Accounts, At(1, &eventsv1.Account{
		AccountId: "acc-cy-001", ResellerId: "res-cloudnova-cy", Name: "Limassol Shipping",
		Email: "it@limassol-shipping.example", Phone: "+35725123456", Country: "CY", Status: active,
	}))
	d.Products, d.PriceLists = demoCatalog()
	d.Invoices, d.Payments = demoInvoices()
	return d
}

// demoInvoices is three months of CloudNova's invoices (EUR, 24% VAT) and
// one of ByteBridge's (USD, no tax), with payments: August's paid,
// September's partly paid (and past due since 31 October 2026), October's
// open (due 30 November 2026), and a voided duplicate.
func demoInvoices() ([]Record[*eventsv1.Invoice], []Record[*eventsv1.Payment]) {
	line := func(id, product, sku, account, description string, quantity, unit int64, rate, start, end string) *eventsv1.InvoiceLine {
		return &eventsv1.InvoiceLine{LineId: id, Description: description, ProductId: product, Sku: sku, AccountId: account,
			Quantity: quantity, UnitPriceMinor: unit, TaxRatePercent: rate, ServicePeriodStart: start, ServicePeriodEnd: end}
	}
	month := func(m int) (string, string) {
		first := time.Date(2026, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		return first.Format(time.DateOnly), first.AddDate(0, 1, -1).Format(time.DateOnly)
	}
	cloudnova := func(id, number string, m int) *eventsv1.Invoice {
		start, end := month(m)
		issue := time.Date(2026, time.Month(m)+1, 1, 0, 0, 0, 0, time.UTC)
		return Totals(&eventsv1.Invoice{InvoiceId: id, ResellerId: "res-cloudnova", Number: number, Currency: "EUR",
			IssueDate: issue.Format(time.DateOnly), DueDate: issue.AddDate(0, 1, -1).Format(time.DateOnly),
			Lines: []*eventsv1.InvoiceLine{
				line("1", "prd-m365-standard", "MS-M365-BS", "acc-cn-001", "Microsoft 365 Business Standard", 12, 1000, "24", start, end),
				line("2", "prd-acronis-backup", "ACR-CPC-BK", "acc-cn-001", "Acronis Cyber Protect Cloud Backup", 8, 290, "24", start, end),
				line("3", "prd-m365-basic", "MS-M365-BB", "acc-cn-002", "Microsoft 365 Business Basic", 25, 480, "24", start, end),
				line("4", "prd-bitdefender-gz", "BD-GZ-BUS", "acc-cn-005", "Bitdefender GravityZone Business Security", 40, 210, "24", start, end),
			}})
	}
	aug, sep, oct := cloudnova("inv-cn-2026-08", "CN-2026-0008", 8), cloudnova("inv-cn-2026-09", "CN-2026-0009", 9), cloudnova("inv-cn-2026-10", "CN-2026-0010", 10)
	onboarding := Totals(&eventsv1.Invoice{InvoiceId: "inv-cn-2026-10b", ResellerId: "res-cloudnova", Number: "CN-2026-0011",
		Currency: "EUR", IssueDate: oct.IssueDate, DueDate: oct.DueDate,
		Status: eventsv1.InvoiceStatus_INVOICE_STATUS_VOID, VoidReason: "Issued twice; see CN-2026-0010.",
		Lines: []*eventsv1.InvoiceLine{line("1", "prd-onboarding", "SRV-ONB", "acc-cn-003", "Microsoft 365 onboarding service", 1, 15000, "24", "", "")}})
	start, end := month(10)
	us := Totals(&eventsv1.Invoice{InvoiceId: "inv-bb-2026-10", ResellerId: "res-bytebridge", Number: "BB-2026-0010", Currency: "USD",
		IssueDate: "2026-11-01", DueDate: "2026-12-15",
		Lines: []*eventsv1.InvoiceLine{line("1", "prd-m365-premium", "MS-M365-BP", "acc-bb-001", "Microsoft 365 Business Premium", 15, 1850, "0", start, end)}})
	paid := func(id, invoice, currency string, amount int64, day string, method string) Record[*eventsv1.Payment] {
		at, _ := time.Parse(time.DateOnly, day)
		return At(1, &eventsv1.Payment{PaymentId: id, InvoiceId: invoice, AmountMinor: amount, Currency: currency, PaidAt: timestamppb.New(at), Method: method})
	}
	return []Record[*eventsv1.Invoice]{At(1, aug), At(1, sep), At(1, oct), At(2, onboarding), At(1, us)}, []Record[*eventsv1.Payment]{
		paid("pay-cn-0008", aug.InvoiceId, "EUR", aug.TotalMinor, "2026-09-20", "bank_transfer"),
		paid("pay-cn-0009", sep.InvoiceId, "EUR", 20000, "2026-11-05", "card"),
		paid("pay-bb-0010", us.InvoiceId, "USD", 10000, "2026-11-20", "bank_transfer"),
	}
}

// demoCatalog is a few vendors' products, monthly and annual, priced on a
// euro and a dollar list. Amounts are in cents.
func demoCatalog() ([]Record[*eventsv1.Product], []Record[*eventsv1.PriceList]) {
	type offer struct {
		product                     *eventsv1.Product
		eurMonth, eurYear, usdMonth int64 // cost; retail is derived below
	}
	recurring := func(id, sku, name, category, vendor, unit string) *eventsv1.Product {
		return &eventsv1.Product{ProductId: id, Sku: sku, Name: name, Category: category, Vendor: vendor,
			BillingType: eventsv1.BillingType_BILLING_TYPE_RECURRING, BillingPeriod: eventsv1.BillingPeriod_BILLING_PERIOD_MONTHLY,
			Unit: unit, Status: eventsv1.ProductStatus_PRODUCT_STATUS_ACTIVE, Description: name + ", billed per " + unit + "."}
	}
	offers := []offer{
		{recurring("prd-m365-basic", "MS-M365-BB", "Microsoft 365 Business Basic", "Productivity", "Microsoft", "user"), 480, 5400, 500},
		{recurring("prd-m365-standard", "MS-M365-BS", "Microsoft 365 Business Standard", "Productivity", "Microsoft", "user"), 1000, 11400, 1050},
		{recurring("prd-m365-premium", "MS-M365-BP", "Microsoft 365 Business Premium", "Productivity", "Microsoft", "user"), 1760, 19800, 1850},
		{recurring("prd-acronis-backup", "ACR-CPC-BK", "Acronis Cyber Protect Cloud Backup", "Backup", "Acronis", "workstation"), 290, 3200, 310},
		{recurring("prd-bitdefender-gz", "BD-GZ-BUS", "Bitdefender GravityZone Business Security", "Security", "Bitdefender", "device"), 210, 2300, 0},
		{recurring("prd-dropbox-std", "DBX-BUS-STD", "Dropbox Business Standard", "Storage", "Dropbox", "user"), 1250, 13500, 1300},
	}
	onboarding := &eventsv1.Product{ProductId: "prd-onboarding", Sku: "SRV-ONB", Name: "Microsoft 365 onboarding service",
		Category: "Services", Vendor: "CloudNova Services", BillingType: eventsv1.BillingType_BILLING_TYPE_ONE_TIME,
		BillingPeriod: eventsv1.BillingPeriod_BILLING_PERIOD_NONE, Unit: "tenant",
		Status: eventsv1.ProductStatus_PRODUCT_STATUS_ACTIVE, Description: "Tenant set-up and migration of up to 25 mailboxes."}
	legacy := recurring("prd-exchange-p1", "MS-EXO-P1", "Exchange Online (Plan 1)", "Email", "Microsoft", "user")
	legacy.Status = eventsv1.ProductStatus_PRODUCT_STATUS_WITHDRAWN

	monthly, annual := eventsv1.BillingPeriod_BILLING_PERIOD_MONTHLY, eventsv1.BillingPeriod_BILLING_PERIOD_ANNUAL
	item := func(product string, period eventsv1.BillingPeriod, cost, retail int64) *eventsv1.PriceListItem {
		return &eventsv1.PriceListItem{ProductId: product, BillingPeriod: period, CostMinor: cost, RetailMinor: retail}
	}
	eu := &eventsv1.PriceList{PriceListId: "pl-eu-partners", Name: "EU partners", Currency: "EUR"}
	us := &eventsv1.PriceList{PriceListId: "pl-us-partners", Name: "US partners", Currency: "USD"}
	retail := func(cost int64) int64 { return cost * 125 / 100 } // a 25% margin, in whole cents
	var products []Record[*eventsv1.Product]
	for _, o := range offers {
		products = append(products, At(1, o.product))
		id := o.product.ProductId
		eu.Items = append(eu.Items, item(id, monthly, o.eurMonth, retail(o.eurMonth)), item(id, annual, o.eurYear, retail(o.eurYear)))
		if o.usdMonth > 0 { // not every product is sold in the US
			us.Items = append(us.Items, item(id, monthly, o.usdMonth, retail(o.usdMonth)))
		}
	}
	products = append(products, At(1, onboarding), At(1, legacy))
	eu.Items = append(eu.Items,
		item(onboarding.ProductId, eventsv1.BillingPeriod_BILLING_PERIOD_NONE, 15000, 24900),
		item(legacy.ProductId, monthly, 320, 400))
	return products, []Record[*eventsv1.PriceList]{At(1, eu), At(1, us)}
}

// PublishDemo publishes the demo data set: price lists and products
// first, then resellers (which name their price lists), accounts,
// invoices and payments. It
// returns how many events were published.
func PublishDemo(ctx context.Context, p *Publisher) (int, error) {
	d := Demo()
	total := 0
	for _, step := range []func() (int, error){
		func() (int, error) { return Publish(ctx, p, Products(), d.Products) },
		func() (int, error) { return Publish(ctx, p, PriceLists(), d.PriceLists) },
		func() (int, error) { return Publish(ctx, p, Resellers(), d.Resellers) },
		func() (int, error) { return Publish(ctx, p, Accounts(), d.Accounts) },
		func() (int, error) { return Publish(ctx, p, Invoices(), d.Invoices) },
		func() (int, error) { return Publish(ctx, p, Payments(), d.Payments) },
	} {
		n, err := step()
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
