package backoffice

import "fmt"

// DemoData is a small data set that shows the API at work: two top-level
// resellers and one downstream reseller, with enough accounts under the
// first one to page through.
type DemoData struct {
	Resellers []Reseller
	Accounts  []Account
}

// Demo returns the demo data set. Its ids are fixed so that seeding twice
// changes nothing (same versions: the projections ignore them).
func Demo() DemoData {
	d := DemoData{Resellers: []Reseller{
		{ResellerID: "res-cloudnova", Version: 1, Name: "CloudNova Solutions", Domain: "cloudnova.example", Currency: "EUR", Country: "GR", Email: "admin@cloudnova.example"},
		{ResellerID: "res-bytebridge", Version: 1, Name: "ByteBridge IT", Domain: "bytebridge.example", Currency: "USD", Country: "US", Email: "ops@bytebridge.example"},
		{ResellerID: "res-cloudnova-cy", ParentID: "res-cloudnova", Version: 1, Name: "CloudNova Cyprus", Domain: "cy.cloudnova.example", Currency: "EUR", Country: "CY", Email: "cy@cloudnova.example"},
	}}
	names := []string{"Acropolis Bakery", "Blue Aegean Travel", "Cycladic Design", "Delphi Analytics", "Elafonisi Resorts",
		"Filoxenia Hotels", "Gaia Organics", "Hermes Logistics", "Ionian Marine", "Kalamata Foods", "Lefkada Sailing", "Meteora Media"}
	statuses := []string{"active", "active", "active", "suspended", "active", "active", "closed", "active", "active", "active", "active", "active"}
	for i, name := range names {
		d.Accounts = append(d.Accounts, Account{
			AccountID: fmt.Sprintf("acc-cn-%03d", i+1), ResellerID: "res-cloudnova", Version: 1, Name: name,
			Email: fmt.Sprintf("billing@customer%d.example", i+1), Phone: fmt.Sprintf("+30210555%04d", i+1),
			Country: "GR", Status: statuses[i],
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
	return d
}
