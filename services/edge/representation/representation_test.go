package representation

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
)

// An invoice shows the status it is given (overdue is derived by the
// caller), its amounts as decimal strings in the currency's precision and
// the names it is given for its end customers.
func TestNewInvoice(t *testing.T) {
	inv := invoicing.Invoice{ID: "inv-1", Number: "INV-1", Currency: "JPY", IssueDate: "2026-11-01", DueDate: "2026-11-30",
		SubtotalMinor: 1500, TaxMinor: 150, TotalMinor: 1650, AmountDueMinor: 1650, AccountIDs: []string{"acc-1"}, Status: "issued",
		Lines:     []invoicing.InvoiceLine{{LineID: "l1", Description: "Seats", AccountID: "acc-1", Quantity: 1, UnitPriceMinor: 1500, AmountMinor: 1500, TaxRatePercent: "10"}},
		CreatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	got, err := NewInvoice(inv, "overdue", map[string]string{"acc-1": "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(got)
	for _, want := range []string{`"status":"overdue"`, `"total":"1650"`, `"unitPrice":"1500"`, `"accountName":"Acme"`, `"issueDate":"2026-11-01"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("%s lacks %s", body, want)
		}
	}
	if _, err := NewInvoice(invoicing.Invoice{ID: "x", Currency: "XXQ"}, "issued", nil); err == nil {
		t.Error("an unknown currency was formatted")
	}
}

// Empty optional fields are left out; a reseller without a parent has a
// null parent_id and its timestamps carry milliseconds.
func TestNewAccountAndReseller(t *testing.T) {
	body, _ := json.Marshal(NewAccount(directory.Account{ID: "acc-1", ResellerID: "r1", Name: "Acme", Status: "active"}, nil))
	if strings.Contains(string(body), "email") || strings.Contains(string(body), "billingAddress") {
		t.Errorf("empty optionals shown: %s", body)
	}
	r := NewReseller(directory.Reseller{ID: "r1", Name: "Cloud Nova", CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	body, _ = json.Marshal(r)
	for _, want := range []string{`"parent_id":null`, `"created_at":"2026-01-02T03:04:05.000Z"`, `"self":"/api/v3/resellers/r1"`, `"custom_attributes":{}`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("%s lacks %s", body, want)
		}
	}
}
