package ports

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/resellerapi/platform/pkg/money"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/services/edge/internal/app"
)

// renderInvoicePDF renders inv, issued by distributor to reseller, as an
// A4 PDF document. Text is set in the Go fonts (embedded, UTF-8), so
// names in Latin, Greek and Cyrillic scripts print as they are.
func renderInvoicePDF(distributor string, reseller directory.Reseller, inv app.Invoice) ([]byte, error) {
	amount := func(minor int64) string {
		s, err := money.FormatIn(minor, inv.Currency)
		if err != nil {
			return fmt.Sprint(minor)
		}
		return s
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(inv.UpdatedAt)
	pdf.SetModificationDate(inv.UpdatedAt)
	pdf.SetTitle("Invoice "+inv.Number, true)
	pdf.SetCreator("Reseller API", true)
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AddPage()

	pdf.SetFont("go", "B", 18)
	pdf.CellFormat(0, 10, "Invoice "+inv.Number, "", 1, "L", false, 0, "")
	pdf.SetFont("go", "", 10)
	if inv.Status == app.InvoiceVoid {
		pdf.SetTextColor(180, 0, 0)
		pdf.CellFormat(0, 6, "VOID: "+inv.VoidReason, "", 1, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	}
	pdf.Ln(2)

	// Parties side by side, then the invoice's dates.
	top := pdf.GetY()
	party := func(x float64, title string, lines []string) float64 {
		pdf.SetXY(x, top)
		pdf.SetFont("go", "B", 10)
		pdf.CellFormat(90, 5, title, "", 2, "L", false, 0, "")
		pdf.SetFont("go", "", 10)
		for _, l := range lines {
			if l != "" {
				pdf.CellFormat(90, 5, l, "", 2, "L", false, 0, "")
			}
		}
		return pdf.GetY()
	}
	c := reseller.Company
	name := reseller.Name
	if c.Name != "" {
		name = c.Name
	}
	bottom := max(
		party(10, "From", []string{distributor}),
		party(110, "Bill to", []string{name, c.AddressLine1, c.AddressLine2,
			strings.TrimSpace(strings.Join([]string{c.Zip, c.City, c.State}, " ")), c.Country, c.Email, "Reseller id: " + inv.ResellerID}),
	)
	pdf.SetXY(10, bottom+4)
	for _, kv := range [][2]string{
		{"Issue date", inv.IssueDate}, {"Due date", inv.DueDate}, {"Status", strings.ReplaceAll(inv.Status, "_", " ")}, {"Currency", inv.Currency},
	} {
		pdf.SetFont("go", "B", 10)
		pdf.CellFormat(30, 5, kv[0], "", 0, "L", false, 0, "")
		pdf.SetFont("go", "", 10)
		pdf.CellFormat(0, 5, kv[1], "", 1, "L", false, 0, "")
	}
	pdf.Ln(4)

	// Lines.
	widths := []float64{70, 40, 15, 25, 15, 25}
	pdf.SetFont("go", "B", 9)
	pdf.SetFillColor(230, 230, 230)
	for i, h := range []string{"Description", "End customer", "Qty", "Unit price", "Tax %", "Amount"} {
		align := "R"
		if i < 2 {
			align = "L"
		}
		pdf.CellFormat(widths[i], 6, h, "B", 0, align, true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("go", "", 9)
	for _, l := range inv.Lines {
		desc := l.Description
		if l.ServicePeriodStart != "" {
			desc += " (" + l.ServicePeriodStart + " to " + l.ServicePeriodEnd + ")"
		}
		customer := inv.AccountNames[l.AccountID]
		if customer == "" {
			customer = l.AccountID
		}
		descLines, customerLines := pdf.SplitText(desc, widths[0]-2), pdf.SplitText(customer, widths[1]-2)
		rows := max(len(descLines), len(customerLines), 1)
		if pdf.GetY()+float64(rows)*5 > 280 {
			pdf.AddPage()
		}
		y := pdf.GetY()
		for i, cells := range [][]string{descLines, customerLines} {
			pdf.SetXY(10+sum(widths[:i]), y)
			for _, t := range cells {
				pdf.CellFormat(widths[i], 5, t, "", 2, "L", false, 0, "")
			}
		}
		pdf.SetXY(10+widths[0]+widths[1], y)
		for i, t := range []string{fmt.Sprint(l.Quantity), amount(l.UnitPriceMinor), l.TaxRatePercent, amount(l.AmountMinor)} {
			pdf.CellFormat(widths[i+2], 5, t, "", 0, "R", false, 0, "")
		}
		pdf.SetXY(10, y+float64(rows)*5+1)
	}
	pdf.Ln(3)

	// Totals and payments.
	total := func(label, value string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		pdf.SetFont("go", style, 10)
		pdf.CellFormat(150, 6, label, "", 0, "R", false, 0, "")
		pdf.CellFormat(40, 6, value+" "+inv.Currency, "", 1, "R", false, 0, "")
	}
	total("Subtotal", amount(inv.SubtotalMinor), false)
	total("Tax", amount(inv.TaxMinor), false)
	total("Total", amount(inv.TotalMinor), true)
	total("Paid", amount(inv.AmountPaidMinor), false)
	total("Amount due", amount(inv.AmountDueMinor), true)
	if len(inv.Payments) > 0 {
		pdf.Ln(4)
		pdf.SetFont("go", "B", 10)
		pdf.CellFormat(0, 6, "Payments", "", 1, "L", false, 0, "")
		pdf.SetFont("go", "", 9)
		for _, p := range inv.Payments {
			pdf.CellFormat(40, 5, p.PaidAt.UTC().Format(time.DateOnly), "", 0, "L", false, 0, "")
			pdf.CellFormat(60, 5, strings.ReplaceAll(p.Method, "_", " "), "", 0, "L", false, 0, "")
			pdf.CellFormat(50, 5, p.PaymentID, "", 0, "L", false, 0, "")
			pdf.CellFormat(40, 5, amount(p.AmountMinor)+" "+inv.Currency, "", 1, "R", false, 0, "")
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render invoice %s: %w", inv.ID, err)
	}
	return buf.Bytes(), nil
}

func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}
