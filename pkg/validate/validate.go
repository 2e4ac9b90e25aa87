// Package validate checks the formats of values the platform accepts from
// the back-office and from API callers: identifiers, e-mail addresses, ISO
// country and currency codes, phone numbers. Each check returns an error
// whose text can be shown to the person who sent the value.
package validate

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"
)

var (
	idPattern       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)
	countryPattern  = regexp.MustCompile(`^[A-Z]{2}$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	// The seed's two forms: +<country><area><number> and 00<country><area><number>.
	phonePattern = regexp.MustCompile(`^(\+|00)[1-9][0-9]{6,14}$`)
)

// ID checks an identifier: 1 to 64 letters, digits, '.', '_', ':' or '-',
// starting with a letter or digit.
func ID(field, v string) error {
	if v == "" {
		return fmt.Errorf("%s is required", field)
	}
	if !idPattern.MatchString(v) {
		return fmt.Errorf("%s %q must be 1-64 letters, digits, '.', '_', ':' or '-'", field, v)
	}
	return nil
}

// Text checks a required free-text value of at most max characters.
func Text(field, v string, max int) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%s is required", field)
	}
	return OptionalText(field, v, max)
}

// OptionalText checks a free-text value of at most max characters.
func OptionalText(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return fmt.Errorf("%s is %d characters long, at most %d allowed", field, n, max)
	}
	return nil
}

// Email checks an optional e-mail address (a bare address, no display name).
func Email(field, v string) error {
	if v == "" {
		return nil
	}
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Address != v || len(v) > 254 {
		return fmt.Errorf("%s %q is not a valid e-mail address", field, v)
	}
	return nil
}

// Country checks an optional ISO 3166-1 alpha-2 code in upper case.
func Country(field, v string) error {
	if v != "" && !countryPattern.MatchString(v) {
		return fmt.Errorf("%s %q is not an ISO 3166-1 alpha-2 code such as GR or DE", field, v)
	}
	return nil
}

// Currency checks an optional ISO 4217 alpha-3 code in upper case.
func Currency(field, v string) error {
	if v != "" && !currencyPattern.MatchString(v) {
		return fmt.Errorf("%s %q is not an ISO 4217 code such as EUR or USD", field, v)
	}
	return nil
}

// Phone checks an optional phone number in international form:
// +<country><area><number> or 00<country><area><number>, digits only.
func Phone(field, v string) error {
	if v != "" && !phonePattern.MatchString(v) {
		return fmt.Errorf("%s %q must look like +302101234567 or 00302101234567", field, v)
	}
	return nil
}
