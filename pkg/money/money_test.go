package money

import (
	"math"
	"math/big"
	"testing"
)

func TestFormatIn(t *testing.T) {
	for _, tt := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{1499, "EUR", "14.99"}, {5, "EUR", "0.05"}, {0, "EUR", "0.00"}, {-250, "USD", "-2.50"},
		{1500, "JPY", "1500"}, {12345, "KWD", "12.345"}, {7, "KWD", "0.007"}, {100, "BHD", "0.100"},
		{math.MaxInt64, "EUR", "92233720368547758.07"}, {math.MinInt64, "EUR", "-92233720368547758.08"},
	} {
		got, err := FormatIn(tt.minor, tt.currency)
		if err != nil || got != tt.want {
			t.Errorf("FormatIn(%d, %s) = %q, %v; want %q", tt.minor, tt.currency, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "XXQ", "eur", "XXX"} {
		if _, err := FormatIn(1, bad); err == nil {
			t.Errorf("FormatIn(1, %q) accepted an unknown currency", bad)
		}
	}
}

// Formatting is exact: parsing the string back as a decimal gives the
// amount.
func FuzzFormat(f *testing.F) {
	f.Add(int64(1499), 2)
	f.Add(int64(-7), 3)
	f.Add(int64(math.MinInt64), 0)
	f.Fuzz(func(t *testing.T, minor int64, digits int) {
		digits = ((digits % 5) + 5) % 5
		s := Format(minor, digits)
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("Format(%d, %d) = %q is not a decimal", minor, digits, s)
		}
		scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
		want := new(big.Rat).SetFrac(big.NewInt(minor), scale)
		if r.Cmp(want) != 0 {
			t.Fatalf("Format(%d, %d) = %q, want %s", minor, digits, s, want.FloatString(digits))
		}
	})
}
