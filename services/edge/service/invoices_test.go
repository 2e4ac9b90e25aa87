package service_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
)

// seedInvoices writes the invoicing read model as the invoicing service
// does: seven invoices of r1 (dates relative to today, so that two are
// overdue), one of r2 and one of r1-child.
func seedInvoices(t *testing.T, db string) {
	today := time.Now().UTC()
	day := func(days int) string { return today.AddDate(0, 0, days).Format(time.DateOnly) }
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	inv := func(id, reseller, status string, issued, due int, total, paid int64, accounts ...string) invoicing.Invoice {
		d := invoicing.Invoice{ID: id, ResellerID: reseller, Number: "INV-" + strings.ToUpper(id), Currency: "EUR",
			IssueDate: day(issued), DueDate: day(due), SubtotalMinor: total - total/5, TaxMinor: total / 5, TotalMinor: total,
			AccountIDs: accounts, Status: status, AmountPaidMinor: paid, CreatedAt: base, UpdatedAt: base.AddDate(0, 0, -issued),
			InvoiceUpdatedAt: base, Version: 1, Rev: "r"}
		if status == invoicing.InvoiceIssued || status == invoicing.InvoicePartiallyPaid {
			d.AmountDueMinor = total - paid
		}
		for i, a := range append(accounts, "") {
			d.Lines = append(d.Lines, invoicing.InvoiceLine{LineID: "l" + string(rune('0'+i)), Description: "Microsoft 365 Business Standard",
				AccountID: a, Quantity: 1, UnitPriceMinor: d.SubtotalMinor / int64(len(accounts)+1), TaxRatePercent: "25", AmountMinor: d.SubtotalMinor / int64(len(accounts)+1)})
		}
		return d
	}
	partly := inv("r1-inv-04", "r1", invoicing.InvoicePartiallyPaid, -5, 25, 12500, 2500, "r1-acc-00")
	partly.Lines = []invoicing.InvoiceLine{{LineID: "l1", Description: "Резервное копирование 1 TB", ProductID: "prod-a", SKU: "SKU-prod-a",
		AccountID: "r1-acc-00", Quantity: 4, UnitPriceMinor: 2500, TaxRatePercent: "25", AmountMinor: 10000,
		ServicePeriodStart: "2026-11-01", ServicePeriodEnd: "2026-11-30"}}
	partly.Payments = []invoicing.InvoicePayment{{PaymentID: "pay-1", AmountMinor: 2500, PaidAt: base, Method: "bank_transfer"}}
	void := inv("r1-inv-06", "r1", invoicing.InvoiceVoid, -20, 10, 1000, 0)
	void.VoidReason = "issued twice"
	yen := inv("r1-inv-07", "r1", invoicing.InvoiceIssued, -1, 30, 150000, 0, "r1-acc-01")
	yen.Currency = "JPY"
	docs := []any{
		inv("r1-inv-01", "r1", invoicing.InvoiceIssued, -2, 28, 12400, 0, "r1-acc-00", "r1-acc-01"),
		inv("r1-inv-02", "r1", invoicing.InvoiceIssued, -40, -10, 5000, 0, "r1-acc-02"),
		inv("r1-inv-03", "r1", invoicing.InvoicePartiallyPaid, -60, -30, 8000, 1000, "r1-acc-00"),
		partly,
		inv("r1-inv-05", "r1", invoicing.InvoicePaid, -90, -60, 3000, 3000, "r1-acc-03"),
		void, yen,
		inv("r2-inv-01", "r2", invoicing.InvoiceIssued, -3, 27, 999, 0, "r2-acc-00"),
		inv("r1-child-inv-01", "r1-child", invoicing.InvoiceIssued, -3, 27, 999, 0, "r1-child-acc-00"),
	}
	if _, err := kit.Mongo.Database(db).Collection(invoicing.InvoicesCollection).InsertMany(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
}

func TestInvoiceListFiltersAndDerivedStatus(t *testing.T) {
	t.Parallel()
	e := start(t)
	r1 := e.tokens.mint(t, "r1", "invoices:read", time.Minute)
	today := time.Now().UTC()
	day := func(days int) string { return today.AddDate(0, 0, days).Format(time.DateOnly) }
	for _, tc := range []struct {
		query string
		want  []string
	}{
		// Newest first by default.
		{"", []string{"r1-inv-07", "r1-inv-01", "r1-inv-04", "r1-inv-06", "r1-inv-02", "r1-inv-03", "r1-inv-05"}},
		{"?status=overdue", []string{"r1-inv-02", "r1-inv-03"}},
		{"?status=issued", []string{"r1-inv-07", "r1-inv-01"}},
		{"?status=partially_paid", []string{"r1-inv-04"}},
		{"?status=paid", []string{"r1-inv-05"}},
		{"?status=void", []string{"r1-inv-06"}},
		{"?accountId=r1-acc-00&sort=issueDate", []string{"r1-inv-03", "r1-inv-04", "r1-inv-01"}},
		{"?issuedFrom=" + day(-20) + "&issuedTo=" + day(-2) + "&sort=-total", []string{"r1-inv-04", "r1-inv-01", "r1-inv-06"}},
		{"?dueBefore=" + day(0) + "&sort=dueDate", []string{"r1-inv-05", "r1-inv-03", "r1-inv-02"}},
		{"?status=overdue&dueBefore=" + day(-20), []string{"r1-inv-03"}},
		{"?status=issued&dueBefore=" + day(29), []string{"r1-inv-01"}},
		{"?updatedSince=2026-01-31T00:00:00Z&sort=updatedAt", []string{"r1-inv-02", "r1-inv-03", "r1-inv-05"}},
		{"?sort=number&pageSize=2&pageIndex=2", []string{"r1-inv-03", "r1-inv-04"}},
	} {
		resp, body := e.get(t, "/api/invoices"+tc.query, r1)
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d %v", tc.query, resp.StatusCode, body)
			continue
		}
		if got := ids(body); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
		}
	}
	_, body := e.get(t, "/api/invoices?pageSize=3", r1)
	if p := body["pagination"].(map[string]any); p["totalCount"] != 7.0 || p["totalPages"] != 3.0 {
		t.Errorf("pagination = %v", p)
	}
	first := body["data"].([]any)[1].(map[string]any) // r1-inv-01
	if first["total"] != "124.00" || first["amountDue"] != "124.00" || first["status"] != "issued" || first["lines"] != nil {
		t.Errorf("list item = %v", first)
	}
	accounts := first["accounts"].([]any)
	if len(accounts) != 2 || accounts[0].(map[string]any)["name"] != "Customer 00" || accounts[1].(map[string]any)["name"] != "Customer 01" {
		t.Errorf("accounts = %v", accounts)
	}
	if yen := body["data"].([]any)[0].(map[string]any); yen["total"] != "150000" || yen["currency"] != "JPY" {
		t.Errorf("JPY invoice = %v", yen)
	}
	for _, bad := range []string{"?status=late", "?issuedFrom=2026-13-01", "?dueBefore=yesterday", "?sort=amount", "?pageSize=101"} {
		if resp, p := e.get(t, "/api/invoices"+bad, r1); resp.StatusCode != 400 || p["type"] == nil {
			t.Errorf("%s: %d %v, want a 400 problem", bad, resp.StatusCode, p)
		}
	}
	// Another scope is not enough; of the managers, billing and admin may
	// read invoices, support may not.
	if resp, _ := e.get(t, "/api/invoices", e.tokens.mint(t, "r1", "accounts:read", time.Minute)); resp.StatusCode != 403 {
		t.Errorf("without invoices:read: %d, want 403", resp.StatusCode)
	}
	for role, want := range map[eventsv1.ManagerRole]int{
		eventsv1.ManagerRole_MANAGER_ROLE_BILLING: 200, eventsv1.ManagerRole_MANAGER_ROLE_SUPPORT: 403,
	} {
		if resp, _ := e.get(t, "/api/invoices/r1-inv-04", "", "X-Api-Token", e.managerToken(t, "r1", role)); resp.StatusCode != want {
			t.Errorf("%s manager: %d, want %d", role, resp.StatusCode, want)
		}
	}
}

func TestInvoiceWithLinesPaymentsAndPDF(t *testing.T) {
	t.Parallel()
	e := start(t)
	r1 := e.tokens.mint(t, "r1", "invoices:read", time.Minute)
	resp, inv := e.get(t, "/api/invoices/r1-inv-04", r1)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, inv)
	}
	line := inv["lines"].([]any)[0].(map[string]any)
	if line["accountName"] != "Customer 00" || line["unitPrice"] != "25.00" || line["amount"] != "100.00" || line["quantity"] != 4.0 ||
		line["servicePeriodStart"] != "2026-11-01" || line["productId"] != "prod-a" {
		t.Errorf("line = %v", line)
	}
	pay := inv["payments"].([]any)[0].(map[string]any)
	if pay["id"] != "pay-1" || pay["amount"] != "25.00" || pay["method"] != "bank_transfer" {
		t.Errorf("payment = %v", pay)
	}
	if inv["amountPaid"] != "25.00" || inv["amountDue"] != "100.00" || inv["status"] != "partially_paid" {
		t.Errorf("invoice = %v", inv)
	}
	if resp, overdue := e.get(t, "/api/invoices/r1-inv-03", r1); resp.StatusCode != 200 || overdue["status"] != "overdue" {
		t.Errorf("past due: %v", overdue["status"])
	}
	if _, void := e.get(t, "/api/invoices/r1-inv-06", r1); void["status"] != "void" || void["voidReason"] != "issued twice" || void["amountDue"] != "0.00" {
		t.Errorf("void: %v", void)
	}

	resp, body := e.get(t, "/api/invoices/r1-inv-04/pdf", r1)
	if resp.Header.Get("Content-Type") != "application/pdf" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename=invoice-INV-R1-INV-04.pdf` {
		t.Errorf("PDF answer: %d %v", resp.StatusCode, resp.Header)
	}
	text := pdfText(t, []byte(body["body"].(string)))
	for _, want := range []string{"INV-R1-INV-04", "Резервное копирование 1 TB", "Customer 00", "125.00 EUR", "100.00 EUR",
		"SL SP Root", "Минск", "Dístributor Ελλάς", "bank transfer"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not say %q; its text:\n%s", want, text)
		}
	}
}

// pdfText extracts the text of every page of a PDF document: the PDF
// library parses the file and interprets each page's content stream; the
// strings shown (Tj, TJ) are decoded here, because the library's ToUnicode
// decoding gets a range spanning more than one low byte wrong (fpdf's
// embedded UTF-8 fonts map every 2-byte code to the same Unicode code
// point, <0000> <FFFF> <0000>).
func pdfText(t *testing.T, data []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a PDF: %v", err)
	}
	var text strings.Builder
	show := func(v pdf.Value) {
		s := []byte(v.RawString())
		for i := 0; i+1 < len(s); i += 2 {
			text.WriteRune(rune(s[i])<<8 | rune(s[i+1]))
		}
	}
	for n := 1; n <= r.NumPage(); n++ {
		pdf.Interpret(r.Page(n).V.Key("Contents"), func(stk *pdf.Stack, op string) {
			switch op {
			case "Tj":
				show(stk.Pop())
			case "TJ":
				arr := stk.Pop()
				for i := range arr.Len() {
					if arr.Index(i).Kind() == pdf.String {
						show(arr.Index(i))
					}
				}
			case "ET", "Td", "TD", "T*":
				text.WriteString("\n")
			}
			for stk.Len() > 0 {
				stk.Pop()
			}
		})
	}
	if text.Len() == 0 {
		t.Fatal("no text in the PDF")
	}
	return text.String()
}
