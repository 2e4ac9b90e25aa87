package backoffice

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

func TestParseResellersLayouts(t *testing.T) {
	tests := map[string]string{
		"one object": `{"reseller_id":"r1","version":1,"name":"One"}`,
		"array":      `[{"reseller_id":"r1","version":1,"name":"One"},{"resellerId":"r2","parentId":"r1","version":3,"name":"Two","currency":"EUR","country":"GR","email":"a@b.example"}]`,
		"ndjson":     "{\"reseller_id\":\"r1\",\"version\":1,\"name\":\"One\"}\n\n{\"resellerId\":\"r2\",\"parentId\":\"r1\",\"version\":3,\"name\":\"Two\"}\n",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Resellers().Parse(strings.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			if got[0].State.GetResellerId() != "r1" || got[0].State.GetName() != "One" {
				t.Errorf("first = %+v", got[0])
			}
			if len(got) == 2 && (got[1].State.GetParentId() != "r1" || got[1].Version != 3) {
				t.Errorf("camelCase record = %+v", got[1])
			}
		})
	}
}

func TestParseAccountsRefusesBadInputNamingTheRecord(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"empty", "  \n", []string{"no account records"}},
		{"not json", "{nope", []string{"record 1", "not valid JSON"}},
		{"unknown field", `{"account_id":"a1","reseller_id":"r1","version":1,"name":"A","nmae":"typo"}`, []string{"record 1", `unknown field "nmae"`}},
		{"twice", `{"account_id":"a1","accountId":"a2","reseller_id":"r1","version":1,"name":"A"}`, []string{"given twice"}},
		{"wrong type", `{"account_id":"a1","reseller_id":"r1","version":"one","name":"A"}`, []string{"record 1", "version"}},
		{"invalid values", `[{"account_id":"a1","reseller_id":"r1","version":1,"name":"A"},{"account_id":"a2","reseller_id":"","version":0,"name":"","email":"x","phone":"123","country":"Greece","status":"gone"}]`,
			[]string{"record 2", `"a2"`, "reseller_id is required", "version must be 1 or more", "name is required", "e-mail", "phone", "ISO 3166-1", `status "gone"`}},
		{"array with trailing data", `[{"account_id":"a1","reseller_id":"r1","version":1,"name":"A"}] {}`, []string{"after the JSON array"}},
		{"array of non-objects", `[1]`, []string{"record 1", "not a JSON object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Accounts().Parse(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("accepted %q as %+v", tt.in, got)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestResellerCannotBeItsOwnParent(t *testing.T) {
	_, err := Resellers().Parse(strings.NewReader(`{"reseller_id":"r1","parent_id":"r1","version":1,"name":"X"}`))
	if err == nil || !strings.Contains(err.Error(), "reseller itself") {
		t.Fatalf("err = %v", err)
	}
}

func TestDemoDataIsValid(t *testing.T) {
	d := Demo()
	validAll(t, Resellers(), d.Resellers)
	validAll(t, Accounts(), d.Accounts)
	validAll(t, Products(), d.Products)
	validAll(t, PriceLists(), d.PriceLists)
	validAll(t, Invoices(), d.Invoices)
	validAll(t, Payments(), d.Payments)
	if len(d.Products) < 6 || len(d.PriceLists) != 2 || d.PriceLists[0].State.GetCurrency() == d.PriceLists[1].State.GetCurrency() {
		t.Errorf("demo catalog: %d products, %d lists", len(d.Products), len(d.PriceLists))
	}
	// A month: 12 x 10.00 + 8 x 2.90 + 25 x 4.80 + 40 x 2.10 = 347.20, VAT 24% = 83.33 (83.328), 430.53.
	if aug := d.Invoices[0].State; aug.SubtotalMinor != 34720 || aug.TaxMinor != 8333 || aug.TotalMinor != 43053 || d.Payments[0].State.AmountMinor != 43053 {
		t.Errorf("demo August invoice: %d + %d = %d", aug.SubtotalMinor, aug.TaxMinor, aug.TotalMinor)
	}
}

func validAll[M proto.Message](t *testing.T, k Kind[M], records []Record[M]) {
	t.Helper()
	for _, r := range records {
		if err := k.Validate(r); err != nil {
			t.Errorf("demo %s %s: %v", k.Name(), k.ID(r), err)
		}
	}
}

// fuzzParse checks that whatever a kind's parser accepts is records that
// pass its rules.
func fuzzParse[M proto.Message](t *testing.T, k Kind[M], in string) {
	got, err := k.Parse(strings.NewReader(in))
	if err != nil {
		return
	}
	if len(got) == 0 {
		t.Fatal("no error and no records")
	}
	for _, r := range got {
		if err := k.Validate(r); err != nil {
			t.Fatalf("accepted invalid record %v: %v", r.State, err)
		}
	}
}

func FuzzParseResellers(f *testing.F) {
	f.Add(`{"reseller_id":"r1","version":1,"name":"One"}`)
	f.Add(`[{"resellerId":"r2","parentId":"r1","version":3,"name":"Two","currency":"EUR"}]`)
	f.Add("{\"reseller_id\":\"r1\",\"version\":1,\"name\":\"One\"}\n{\"reseller_id\":\"r2\"}")
	f.Add(`[1, {}, "x"]`)
	f.Fuzz(func(t *testing.T, in string) { fuzzParse(t, Resellers(), in) })
}

func FuzzParseAccounts(f *testing.F) {
	f.Add(`{"account_id":"a1","reseller_id":"r1","version":1,"name":"A","status":"active"}`)
	f.Add(`[{"accountId":"a1","resellerId":"r1","version":2,"name":"A","phone":"+302101234567","createdAt":"2026-01-02T03:04:05Z"}]`)
	f.Add(`{"account_id":"a1"}{"account_id":"a2"}`)
	f.Fuzz(func(t *testing.T, in string) { fuzzParse(t, Accounts(), in) })
}

// The seed's nested profile, with today's flat fields as shorthands.
func TestParseResellerProfile(t *testing.T) {
	got, err := Resellers().Parse(strings.NewReader(`{"reseller_id":"r1","version":2,"parent_id":"r0","status":"suspended",
	 "general":{"name":"SL SP Root","domain":"test.activeplatform.com","manager":"Alena Rataeva","currency":"BYN"},
	 "company":{"city":"Минск","zip":"220053","country":"BY","fax":"","name":"SL SP Root","address_line_1":"Гаяяяя","address_line_2":"Гаяяяяя","state":"Минская","phone":"+375252222060","email":"example@gmail.com"},
	 "contacts":{"first-name":"Ivan","lastName":"Ivanov","middle_name":"","position":"","phone":"+375252222060","email":"aaaa@example.ru"},
	 "custom_attributes":{"inn":"","myKey":"kept as sent"}}`))
	if err != nil {
		t.Fatal(err)
	}
	r := got[0].State
	if r.Name != "SL SP Root" || r.Company.City != "Минск" || r.Contacts.FirstName != "Ivan" || r.Contacts.LastName != "Ivanov" ||
		r.CustomAttributes["myKey"] != "kept as sent" || r.Status != eventsv1.ResellerStatus_RESELLER_STATUS_SUSPENDED {
		t.Errorf("record = %+v", r)
	}
	for name, c := range map[string]struct{ in, want string }{
		"contradicting shorthand": {`{"reseller_id":"r1","version":1,"name":"A","general":{"name":"B"}}`, `name "A" and general.name "B" differ`},
		"bad fax":                 {`{"reseller_id":"r1","version":1,"name":"A","company":{"fax":"12-34"}}`, "company.fax"},
		"bad edition":             {`{"reseller_id":"r1","version":1,"name":"A","edition":"gold"}`, `edition "gold" must be one of free, standard`},
		"bad status":              {`{"reseller_id":"r1","version":1,"name":"A","status":"gone"}`, `status "gone"`},
		"unknown nested field":    {`{"reseller_id":"r1","version":1,"name":"A","company":{"town":"X"}}`, `unknown field "company.town"`},
	} {
		if _, err := Resellers().Parse(strings.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, c.want)
		}
	}
}

// Decimals come as any exporter writes them, and no error speaks Go: each
// names the record, the field as the input spells it and what it expects.
func TestRecordsInPeoplesTerms(t *testing.T) {
	numeric := strings.Replace(invoiceJSON, `"taxRatePercent":"24"`, `"taxRatePercent":24`, 1)
	if got, err := Invoices().Parse(strings.NewReader(numeric)); err != nil || got[0].State.Lines[0].TaxRatePercent != "24" {
		t.Fatalf("a rate as a JSON number: %v, %v", got, err)
	}
	for _, rate := range []string{`24`, `"24"`, `8.875`, `"8.875"`, `5.50`, `1e2`} {
		in := strings.Replace(invoiceJSON, `"taxRatePercent":"24"`, `"taxRatePercent":`+rate, 1)
		rec, _, _ := Invoices().decode([]byte(in))
		if got, want := rec.State.GetLines()[0].GetTaxRatePercent(), strings.Trim(rate, `"`); got != want {
			t.Errorf("rate %s decoded as %q, want %q, digit for digit", rate, got, want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{`{"invoice_id":"i1","version":"two"}`, `invoice record 1 (id "i1"): version: expected a whole number, got "two"`},
		{`{"invoiceId":"i1","version":1,"lines":[{"lineId":"l1","quantity":1.5}]}`, `lines[0].quantity: expected a whole number, got 1.5`},
		{`{"invoiceId":"i1","version":1,"lines":{"lineId":"l1"}}`, `lines: expected an array`},
		{`{"invoiceId":"i1","version":1,"issueDate":20261101}`, `issue_date "20261101" must be a date YYYY-MM-DD`},
		{`{"invoiceId":"i1","version":1,"createdAt":"yesterday"}`, `createdAt: expected a time in RFC 3339`},
		{`{"invoiceId":"i1","version":1,"lines":[{"lineId":"l1","taxRatePercent":{"v":1}}]}`, `lines[0].taxRatePercent: expected text`},
		{`{"invoiceId":"i1","version":1,"status":3}`, `status "3" must be one of issued, void`},
	} {
		_, err := Invoices().Parse(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.in, err, c.want)
		}
		for _, goTerm := range []string{"Go ", "int64", "struct", "unmarshal", "proto:"} {
			if err != nil && strings.Contains(err.Error(), goTerm) {
				t.Errorf("%s: error %q speaks Go (%q)", c.in, err, goTerm)
			}
		}
	}
}
