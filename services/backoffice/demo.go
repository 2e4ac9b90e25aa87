package backoffice

import (
	"context"
	"fmt"
	"time"
)

// DemoData is a small data set that shows the API at work: a reseller
// tree three levels deep with full profiles (one in Cyrillic), enough
// accounts under the first reseller to page through, and a small catalog
// on two price lists in two currencies (downstream resellers inherit),
// and a few months of invoices with their payments: paid, partly paid
// (overdue), open and void.
type DemoData struct {
	Resellers  []Reseller
	Accounts   []Account
	Products   []Product
	PriceLists []PriceList
	Invoices   []Invoice
	Payments   []Payment
}

// Demo returns the demo data set. Its ids are fixed so that seeding twice
// changes nothing (same versions: the projections ignore them).
func Demo() DemoData {
	// Versions above 1: price lists and profiles came after the first
	// release of the demo data.
	d := DemoData{Resellers: []Reseller{
		{ResellerID: "res-cloudnova", Version: 3, PriceListID: "pl-eu-partners",
			General: &ResellerGeneral{Name: "CloudNova Solutions", Domain: "cloudnova.example", Currency: "EUR", Manager: "Eleni Papadopoulou"},
			Company: &ResellerCompany{Name: "CloudNova Solutions S.A.", AddressLine1: "Leoforos Kifisias 44", City: "Athens", State: "Attica",
				Zip: "15125", Country: "GR", Phone: "+302106801234", Email: "admin@cloudnova.example"},
			Contacts:         &ResellerContacts{FirstName: "Nikos", LastName: "Georgiou", Position: "CTO", Phone: "+302106801235", Email: "nikos@cloudnova.example"},
			CustomAttributes: map[string]string{"vat_number": "EL094019245", "partner_tier": "gold"}},
		{ResellerID: "res-bytebridge", Version: 3, PriceListID: "pl-us-partners",
			General: &ResellerGeneral{Name: "ByteBridge IT", Domain: "bytebridge.example", Currency: "USD", Manager: "Mark Collins"},
			Company: &ResellerCompany{Name: "ByteBridge IT LLC", AddressLine1: "500 Howard Street", AddressLine2: "Suite 300", City: "San Francisco",
				State: "CA", Zip: "94105", Country: "US", Phone: "+14155550100", Email: "ops@bytebridge.example"},
			Contacts:         &ResellerContacts{FirstName: "Dana", LastName: "Whitfield", Position: "Operations lead", Phone: "+14155550101", Email: "dana@bytebridge.example"},
			CustomAttributes: map[string]string{"partner_tier": "silver"}},
		{ResellerID: "res-cloudnova-cy", ParentID: "res-cloudnova", Version: 2,
			General: &ResellerGeneral{Name: "CloudNova Cyprus", Domain: "cy.cloudnova.example", Currency: "EUR", Manager: "Eleni Papadopoulou"},
			Company: &ResellerCompany{Name: "CloudNova Cyprus Ltd", AddressLine1: "Archbishop Makarios III Avenue 15", City: "Nicosia",
				Zip: "1065", Country: "CY", Phone: "+35722123456", Fax: "+35722123457", Email: "cy@cloudnova.example"},
			Contacts: &ResellerContacts{FirstName: "Andreas", LastName: "Christodoulou", Phone: "+35799123456", Email: "andreas@cy.cloudnova.example"}},
		// The third level: a reseller of CloudNova Cyprus.
		{ResellerID: "res-limassol-it", ParentID: "res-cloudnova-cy", Version: 1,
			General: &ResellerGeneral{Name: "Limassol IT Partners", Domain: "limassol-it.example", Currency: "EUR", Manager: "Eleni Papadopoulou"},
			Company: &ResellerCompany{Name: "Limassol IT Partners Ltd", AddressLine1: "Anexartisias 120", City: "Limassol", Zip: "3040",
				Country: "CY", Phone: "0035725555123", Email: "hello@limassol-it.example"},
			Contacts: &ResellerContacts{FirstName: "Maria", LastName: "Ioannou", Position: "Director", Phone: "+35799555123", Email: "maria@limassol-it.example"}},
		// A profile in Cyrillic, as in the seed's example; on the free edition.
		{ResellerID: "res-belsoft", ParentID: "res-bytebridge", Version: 1, Edition: "free",
			General: &ResellerGeneral{Name: "БелСофт Дистрибуция", Domain: "belsoft.example", Currency: "BYN", Manager: "Алена Ратаева"},
			Company: &ResellerCompany{Name: "ООО «БелСофт»", AddressLine1: "ул. Гикало, 9", AddressLine2: "офис 402", City: "Минск",
				State: "Минская", Zip: "220071", Country: "BY", Phone: "+375172222060", Fax: "", Email: "info@belsoft.example"},
			Contacts:         &ResellerContacts{FirstName: "Иван", LastName: "Иванов", MiddleName: "Петрович", Position: "", Phone: "+375252222060", Email: "ivan@belsoft.example"},
			CustomAttributes: map[string]string{"inn": "191234567", "email": "", "l": ""}},
	}}
	names := []string{"Acropolis Bakery", "Blue Aegean Travel", "Cycladic Design", "Delphi Analytics", "Elafonisi Resorts",
		"Filoxenia Hotels", "Gaia Organics", "Hermes Logistics", "Ionian Marine", "Kalamata Foods", "Lefkada Sailing", "Meteora Media"}
	statuses := []string{"active", "active", "active", "suspended", "active", "active", "closed", "active", "active", "active", "active", "active"}
	for i, name := range names {
		d.Accounts = append(d.Accounts, Account{
			AccountID: fmt.Sprintf("acc-cn-%03d", i+1), ResellerID: "res-cloudnova", Version: 1, Name: name,
			Email: fmt.Sprintf("billing@customer%d.example", i+1), Phone: fmt.Sprintf("+30210555%04d", i+1),
			Country: "GR", Status: statuses[i], Currency: "EUR",
			BillingAddress: &PostalAddress{AddressLine1: fmt.Sprintf("Ermou %d", 10+i), City: "Athens", Zip: "10563", Country: "GR"},
			PrimaryContact: &ResellerContacts{FirstName: "Giorgos", LastName: name, Email: fmt.Sprintf("it@customer%d.example", i+1)},
		})
	}
	for i, name := range []string{"Liberty Dental", "Golden Gate Bikes", "Prairie Software"} {
		d.Accounts = append(d.Accounts, Account{
			AccountID: fmt.Sprintf("acc-bb-%03d", i+1), ResellerID: "res-bytebridge", Version: 1, Name: name,
			Email: fmt.Sprintf("it@usclient%d.example", i+1), Phone: fmt.Sprintf("+1415555%04d", i+1), Country: "US", Status: "active",
		})
	}
	d.Accounts = append(d.Accounts, Account{
		AccountID: "acc-cy-001", ResellerID: "res-cloudnova-cy", Version: 1, Name: "Limassol Shipping",
		Email: "it@limassol-shipping.example", Phone: "+35725123456", Country: "CY", Status: "active",
	})
	d.Products, d.PriceLists = demoCatalog()
	d.Invoices, d.Payments = demoInvoices()
	return d
}

// demoInvoices is three months of CloudNova's invoices (EUR, 24% VAT) and
// one of ByteBridge's (USD, no tax), with payments: August's paid,
// September's partly paid (and past due since 31 October 2026), October's
// open (due 30 November 2026), and a voided duplicate.
func demoInvoices() ([]Invoice, []Payment) {
	line := func(id, product, sku, account, description string, quantity, unit int64, rate, start, end string) InvoiceLine {
		return InvoiceLine{LineID: id, Description: description, ProductID: product, SKU: sku, AccountID: account,
			Quantity: quantity, UnitPriceMinor: unit, TaxRatePercent: rate, ServicePeriodStart: start, ServicePeriodEnd: end}
	}
	month := func(m int) (string, string) {
		first := time.Date(2026, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		return first.Format(time.DateOnly), first.AddDate(0, 1, -1).Format(time.DateOnly)
	}
	cloudnova := func(id, number string, m int) Invoice {
		start, end := month(m)
		issue := time.Date(2026, time.Month(m)+1, 1, 0, 0, 0, 0, time.UTC)
		return Totals(Invoice{InvoiceID: id, ResellerID: "res-cloudnova", Version: 1, Number: number, Currency: "EUR",
			IssueDate: issue.Format(time.DateOnly), DueDate: issue.AddDate(0, 1, -1).Format(time.DateOnly),
			Lines: []InvoiceLine{
				line("1", "prd-m365-standard", "MS-M365-BS", "acc-cn-001", "Microsoft 365 Business Standard", 12, 1000, "24", start, end),
				line("2", "prd-acronis-backup", "ACR-CPC-BK", "acc-cn-001", "Acronis Cyber Protect Cloud Backup", 8, 290, "24", start, end),
				line("3", "prd-m365-basic", "MS-M365-BB", "acc-cn-002", "Microsoft 365 Business Basic", 25, 480, "24", start, end),
				line("4", "prd-bitdefender-gz", "BD-GZ-BUS", "acc-cn-005", "Bitdefender GravityZone Business Security", 40, 210, "24", start, end),
			}})
	}
	aug, sep, oct := cloudnova("inv-cn-2026-08", "CN-2026-0008", 8), cloudnova("inv-cn-2026-09", "CN-2026-0009", 9), cloudnova("inv-cn-2026-10", "CN-2026-0010", 10)
	onboarding := Totals(Invoice{InvoiceID: "inv-cn-2026-10b", ResellerID: "res-cloudnova", Version: 2, Number: "CN-2026-0011",
		Currency: "EUR", IssueDate: oct.IssueDate, DueDate: oct.DueDate, Status: "void", VoidReason: "Issued twice; see CN-2026-0010.",
		Lines: []InvoiceLine{line("1", "prd-onboarding", "SRV-ONB", "acc-cn-003", "Microsoft 365 onboarding service", 1, 15000, "24", "", "")}})
	start, end := month(10)
	us := Totals(Invoice{InvoiceID: "inv-bb-2026-10", ResellerID: "res-bytebridge", Version: 1, Number: "BB-2026-0010", Currency: "USD",
		IssueDate: "2026-11-01", DueDate: "2026-12-15",
		Lines: []InvoiceLine{line("1", "prd-m365-premium", "MS-M365-BP", "acc-bb-001", "Microsoft 365 Business Premium", 15, 1850, "0", start, end)}})
	paid := func(id, invoice, currency string, amount int64, day string, method string) Payment {
		at, _ := time.Parse(time.DateOnly, day)
		return Payment{PaymentID: id, InvoiceID: invoice, Version: 1, AmountMinor: amount, Currency: currency, PaidAt: &at, Method: method}
	}
	return []Invoice{aug, sep, oct, onboarding, us}, []Payment{
		paid("pay-cn-0008", aug.InvoiceID, "EUR", aug.TotalMinor, "2026-09-20", "bank_transfer"),
		paid("pay-cn-0009", sep.InvoiceID, "EUR", 20000, "2026-11-05", "card"),
		paid("pay-bb-0010", us.InvoiceID, "USD", 10000, "2026-11-20", "bank_transfer"),
	}
}

// demoCatalog is a few vendors' products, monthly and annual, priced on a
// euro and a dollar list. Amounts are in cents.
func demoCatalog() ([]Product, []PriceList) {
	type offer struct {
		product                     Product
		eurMonth, eurYear, usdMonth int64 // cost; retail is derived below
	}
	recurring := func(id, sku, name, category, vendor, unit string) Product {
		return Product{ProductID: id, Version: 1, SKU: sku, Name: name, Category: category, Vendor: vendor,
			BillingType: "recurring", BillingPeriod: "monthly", Unit: unit, Status: "active",
			Description: name + ", billed per " + unit + "."}
	}
	offers := []offer{
		{recurring("prd-m365-basic", "MS-M365-BB", "Microsoft 365 Business Basic", "Productivity", "Microsoft", "user"), 480, 5400, 500},
		{recurring("prd-m365-standard", "MS-M365-BS", "Microsoft 365 Business Standard", "Productivity", "Microsoft", "user"), 1000, 11400, 1050},
		{recurring("prd-m365-premium", "MS-M365-BP", "Microsoft 365 Business Premium", "Productivity", "Microsoft", "user"), 1760, 19800, 1850},
		{recurring("prd-acronis-backup", "ACR-CPC-BK", "Acronis Cyber Protect Cloud Backup", "Backup", "Acronis", "workstation"), 290, 3200, 310},
		{recurring("prd-bitdefender-gz", "BD-GZ-BUS", "Bitdefender GravityZone Business Security", "Security", "Bitdefender", "device"), 210, 2300, 0},
		{recurring("prd-dropbox-std", "DBX-BUS-STD", "Dropbox Business Standard", "Storage", "Dropbox", "user"), 1250, 13500, 1300},
	}
	onboarding := Product{ProductID: "prd-onboarding", Version: 1, SKU: "SRV-ONB", Name: "Microsoft 365 onboarding service",
		Category: "Services", Vendor: "CloudNova Services", BillingType: "one_time", BillingPeriod: "none", Unit: "tenant",
		Status: "active", Description: "Tenant set-up and migration of up to 25 mailboxes."}
	legacy := recurring("prd-exchange-p1", "MS-EXO-P1", "Exchange Online (Plan 1)", "Email", "Microsoft", "user")
	legacy.Status = "withdrawn"

	eu := PriceList{PriceListID: "pl-eu-partners", Version: 1, Name: "EU partners", Currency: "EUR"}
	us := PriceList{PriceListID: "pl-us-partners", Version: 1, Name: "US partners", Currency: "USD"}
	retail := func(cost int64) int64 { return cost * 125 / 100 } // a 25% margin, in whole cents
	var products []Product
	for _, o := range offers {
		products = append(products, o.product)
		id := o.product.ProductID
		eu.Items = append(eu.Items,
			PriceListItem{ProductID: id, BillingPeriod: "monthly", CostMinor: o.eurMonth, RetailMinor: retail(o.eurMonth)},
			PriceListItem{ProductID: id, BillingPeriod: "annual", CostMinor: o.eurYear, RetailMinor: retail(o.eurYear)})
		if o.usdMonth > 0 { // not every product is sold in the US
			us.Items = append(us.Items, PriceListItem{ProductID: id, BillingPeriod: "monthly", CostMinor: o.usdMonth, RetailMinor: retail(o.usdMonth)})
		}
	}
	products = append(products, onboarding, legacy)
	eu.Items = append(eu.Items,
		PriceListItem{ProductID: onboarding.ProductID, BillingPeriod: "none", CostMinor: 15000, RetailMinor: 24900},
		PriceListItem{ProductID: legacy.ProductID, BillingPeriod: "monthly", CostMinor: 320, RetailMinor: 400})
	return products, []PriceList{eu, us}
}

// PublishDemo publishes the demo data set: price lists and products
// first, then resellers (which name their price lists), accounts,
// invoices and payments. It
// returns how many events were published.
func PublishDemo(ctx context.Context, p *Publisher) (int, error) {
	d := Demo()
	total := 0
	for _, step := range []func() (int, error){
		func() (int, error) { return p.PublishProducts(ctx, d.Products) },
		func() (int, error) { return p.PublishPriceLists(ctx, d.PriceLists) },
		func() (int, error) { return p.PublishResellers(ctx, d.Resellers) },
		func() (int, error) { return p.PublishAccounts(ctx, d.Accounts) },
		func() (int, error) { return p.PublishInvoices(ctx, d.Invoices) },
		func() (int, error) { return p.PublishPayments(ctx, d.Payments) },
	} {
		n, err := step()
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
