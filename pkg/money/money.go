// Package money turns amounts in a currency's minor units (the integers
// events and read models carry) into the decimal strings the API shows,
// without floating point: 1499 EUR cents is "14.99", 1500 yen is "1500",
// 12345 KWD fils is "12.345".
package money

import (
	"strconv"
	"strings"

	"github.com/resellerapi/platform/proto-events/rules"
)

// Format writes minor with digits digits after the decimal point.
func Format(minor int64, digits int) string {
	neg := minor < 0
	// Work on the magnitude as unsigned, so the smallest int64 is exact.
	mag := uint64(minor)
	if neg {
		mag = -mag
	}
	s := strconv.FormatUint(mag, 10)
	if digits > 0 {
		if len(s) <= digits {
			s = strings.Repeat("0", digits-len(s)+1) + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// FormatIn formats minor in currency's minor unit (ISO 4217).
func FormatIn(minor int64, currency string) (string, error) {
	digits, err := rules.MinorDigits(currency)
	if err != nil {
		return "", err
	}
	return Format(minor, digits), nil
}
