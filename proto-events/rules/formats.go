// Package rules declares, once, what a valid event of the platform is: the
// formats of its values (identifiers, e-mail addresses, ISO 3166 countries,
// ISO 4217 currencies, phone numbers) and the rules of each event type.
// The back-office checks an event with Check before publishing it and every
// consumer checks it again when decoding (pkg/eventbus does it for every
// handler), so both sides apply the same rules. Every error's text can be
// shown to the person who sent the value.
package rules

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
)

var (
	// An id is also the last token(s) of its event's subject: no '*', '>'
	// or spaces, and dots only between non-empty tokens.
	idPattern = regexp.MustCompile(`^[A-Za-z0-9]+([._:-][A-Za-z0-9]+|[_:-])*$`)
	upper2    = regexp.MustCompile(`^[A-Z]{2}$`)
	upper3    = regexp.MustCompile(`^[A-Z]{3}$`)
	// The seed's two forms: +<country><area><number> and 00<country><area><number>.
	phonePattern = regexp.MustCompile(`^(\+|00)[1-9][0-9]{6,14}$`)
)

// MaxIDLength bounds identifiers.
const MaxIDLength = 64

// ID checks a required identifier: 1 to 64 letters, digits, '.', '_', ':'
// or '-', starting with a letter or digit, with no empty part between dots.
func ID(field, v string) error {
	if v == "" {
		return fmt.Errorf("%s is required", field)
	}
	if len(v) > MaxIDLength || !idPattern.MatchString(v) {
		return fmt.Errorf("%s %s must be 1-%d letters, digits, '.', '_', ':' or '-', starting with a letter or digit, no '..' and no trailing '.'",
			field, quote(v), MaxIDLength)
	}
	return nil
}

// OptionalID checks an identifier that may be empty.
func OptionalID(field, v string) error {
	if v == "" {
		return nil
	}
	return ID(field, v)
}

// Text checks a required free-text value of at most max characters.
func Text(field, v string, max int) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%s is required", field)
	}
	return OptionalText(field, v, max)
}

// OptionalText checks a free-text value of at most max characters: valid
// UTF-8 without control characters.
func OptionalText(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return fmt.Errorf("%s is %d characters long, at most %d allowed", field, n, max)
	}
	if strings.ContainsFunc(v, isControl) {
		return fmt.Errorf("%s contains control characters", field)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) }

// Email checks an optional e-mail address (a bare address, no display name).
func Email(field, v string) error {
	if v == "" {
		return nil
	}
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Address != v || len(v) > 254 {
		return fmt.Errorf("%s %s is not a valid e-mail address", field, quote(v))
	}
	return nil
}

// Country checks an optional ISO 3166-1 alpha-2 country code in upper case,
// against the ISO 3166 table of golang.org/x/text: "ZZ", "EU" or "001" are
// not countries.
func Country(field, v string) error {
	if v == "" {
		return nil
	}
	if upper2.MatchString(v) {
		if r, err := language.ParseRegion(v); err == nil && r.IsCountry() {
			return nil
		}
	}
	return fmt.Errorf("%s %s is not an ISO 3166-1 alpha-2 country code such as GR or DE", field, quote(v))
}

// notMoney are ISO 4217 codes that name no money an invoice can be in:
// testing, no currency.
var notMoney = map[string]bool{"XTS": true, "XXX": true}

// Currency checks an optional ISO 4217 alpha-3 currency code in upper case,
// against the ISO 4217 table of golang.org/x/text.
func Currency(field, v string) error {
	if v == "" {
		return nil
	}
	if upper3.MatchString(v) && !notMoney[v] {
		if _, err := currency.ParseISO(v); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%s %s is not an ISO 4217 currency code such as EUR or USD", field, quote(v))
}

// Phone checks an optional phone number in international form:
// +<country><area><number> or 00<country><area><number>, digits only.
func Phone(field, v string) error {
	if v != "" && !phonePattern.MatchString(v) {
		return fmt.Errorf("%s %s must look like +302101234567 or 00302101234567", field, quote(v))
	}
	return nil
}

// quote shows a sender's value in a message: quoted, escaped, at most 40
// characters.
func quote(s string) string {
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "..."
	}
	return fmt.Sprintf("%q", s)
}

// MinorDigits is the number of digits after the decimal point of a
// currency's minor unit, from the ISO 4217 table of golang.org/x/text:
// EUR 2, JPY 0, KWD 3. Amounts in events are integers of that unit.
func MinorDigits(code string) (int, error) {
	if err := Currency("currency", code); err != nil || code == "" {
		return 0, fmt.Errorf("%w: currency %s", ErrInvalid, quote(code))
	}
	unit, err := currency.ParseISO(code)
	if err != nil {
		return 0, fmt.Errorf("%w: currency %s: %w", ErrInvalid, quote(code), err)
	}
	scale, _ := currency.Standard.Rounding(unit)
	return scale, nil
}
