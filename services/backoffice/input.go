// Package backoffice is the distributor's side of the platform: it turns
// back-office records (resellers, accounts) into events and publishes them
// on NATS JetStream. backofficectl is its command-line front end; the
// all-in-one binary uses it to seed demo data.
package backoffice

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/resellerapi/platform/pkg/validate"
)

// Reseller is one reseller record as the back-office sends it.
type Reseller struct {
	ResellerID string `json:"reseller_id"`
	// ParentID is empty for a top-level reseller.
	ParentID string `json:"parent_id"`
	Version  int64  `json:"version"`
	Name     string `json:"name"`
	Domain   string `json:"domain"`
	Currency string `json:"currency"`
	Country  string `json:"country"`
	Email    string `json:"email"`
	// CreatedAt is when the back-office created the reseller (RFC 3339);
	// when absent, consumers use the event's time.
	CreatedAt *time.Time `json:"created_at,omitempty"`
}

// Validate checks r the way the directory will, so bad input is refused
// before it is published.
func (r Reseller) Validate() error {
	return errors.Join(
		validate.ID("reseller_id", r.ResellerID),
		optionalID("parent_id", r.ParentID),
		selfParent(r),
		positive(r.Version),
		validate.Text("name", r.Name, 200),
		validate.OptionalText("domain", r.Domain, 253),
		validate.Currency("currency", r.Currency),
		validate.Country("country", r.Country),
		validate.Email("email", r.Email),
	)
}

// Account is one end-customer account record as the back-office sends it.
type Account struct {
	AccountID  string `json:"account_id"`
	ResellerID string `json:"reseller_id"`
	Version    int64  `json:"version"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
	Country    string `json:"country"`
	// Status is active (the default), suspended or closed.
	Status string `json:"status"`
	// CreatedAt is when the back-office created the account (RFC 3339);
	// when absent, consumers use the event's time.
	CreatedAt *time.Time `json:"created_at,omitempty"`
}

// AccountStatuses are the values Account.Status may take.
func AccountStatuses() []string { return []string{"active", "suspended", "closed"} }

// Validate checks a the way the directory will.
func (a Account) Validate() error {
	var status error
	if a.Status != "" && !slices.Contains(AccountStatuses(), a.Status) {
		status = fmt.Errorf("status %q must be one of %s", a.Status, strings.Join(AccountStatuses(), ", "))
	}
	return errors.Join(
		validate.ID("account_id", a.AccountID),
		validate.ID("reseller_id", a.ResellerID),
		positive(a.Version),
		validate.Text("name", a.Name, 200),
		validate.Email("email", a.Email),
		validate.Phone("phone", a.Phone),
		validate.Country("country", a.Country),
		status,
	)
}

func optionalID(field, v string) error {
	if v == "" {
		return nil
	}
	return validate.ID(field, v)
}

func selfParent(r Reseller) error {
	if r.ParentID != "" && r.ParentID == r.ResellerID {
		return fmt.Errorf("parent_id %q is the reseller itself", r.ParentID)
	}
	return nil
}

func positive(version int64) error {
	if version < 1 {
		return fmt.Errorf("version must be 1 or more, got %d", version)
	}
	return nil
}

// ParseResellers reads reseller records from r (see parseRecords for the
// accepted layouts) and validates each.
func ParseResellers(r io.Reader) ([]Reseller, error) {
	return parseRecords(r, "reseller", func(x Reseller) (string, error) { return x.ResellerID, x.Validate() })
}

// ParseAccounts reads account records from r and validates each.
func ParseAccounts(r io.Reader) ([]Account, error) {
	return parseRecords(r, "account", func(x Account) (string, error) { return x.AccountID, x.Validate() })
}

// maxRecords bounds one input so a runaway file cannot exhaust memory.
const maxRecords = 100_000

// parseRecords reads one JSON object, a JSON array of objects, or a
// sequence of objects (one per line), with field names in snake_case or
// camelCase. Unknown fields are refused (a typo must not silently drop a
// value). Every error names the record by position and id.
func parseRecords[T any](r io.Reader, kind string, check func(T) (string, error)) ([]T, error) {
	br := bufio.NewReader(r)
	first, err := peekNonSpace(br)
	if err == io.EOF {
		return nil, fmt.Errorf("no %s records in input", kind)
	}
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(br)
	var raws []json.RawMessage
	if first == '[' {
		if err := dec.Decode(&raws); err != nil {
			return nil, fmt.Errorf("input is not a JSON array of %s objects: %w", kind, err)
		}
		if dec.More() {
			return nil, errors.New("unexpected data after the JSON array")
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, errors.New("unexpected data after the JSON array")
		}
	} else {
		for {
			var raw json.RawMessage
			err := dec.Decode(&raw)
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s record %d: not valid JSON: %w", kind, len(raws)+1, err)
			}
			raws = append(raws, raw)
			if len(raws) > maxRecords {
				return nil, fmt.Errorf("more than %d records in one input", maxRecords)
			}
		}
	}
	if len(raws) == 0 {
		return nil, fmt.Errorf("no %s records in input", kind)
	}
	if len(raws) > maxRecords {
		return nil, fmt.Errorf("more than %d records in one input", maxRecords)
	}

	out := make([]T, 0, len(raws))
	var errs []error
	for i, raw := range raws {
		rec, err := decodeRecord[T](raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s record %d: %w", kind, i+1, err))
			continue
		}
		if id, err := check(rec); err != nil {
			errs = append(errs, fmt.Errorf("%s record %d (id %q): %s", kind, i+1, id, strings.ReplaceAll(err.Error(), "\n", "; ")))
			continue
		}
		out = append(out, rec)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if !unicode.IsSpace(rune(b)) {
			return b, br.UnreadByte()
		}
	}
}

// decodeRecord decodes one object after renaming camelCase keys to
// snake_case, refusing unknown and repeated fields.
func decodeRecord[T any](raw json.RawMessage) (T, error) {
	var rec T
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return rec, errors.New("not a JSON object")
	}
	normalized := make(map[string]json.RawMessage, len(fields))
	for k, v := range fields {
		snake := toSnake(k)
		if _, dup := normalized[snake]; dup {
			return rec, fmt.Errorf("field %q is given twice (as %s and in another spelling)", snake, k)
		}
		normalized[snake] = v
	}
	body, err := json.Marshal(normalized)
	if err != nil {
		return rec, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return rec, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return rec, nil
}

// toSnake turns "resellerId" into "reseller_id"; snake_case is unchanged.
func toSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
