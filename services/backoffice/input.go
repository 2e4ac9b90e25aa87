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

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/rules"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
)

// Reseller is one reseller record as the back-office sends it: the seed's
// nested profile (general, company, contacts, custom_attributes), with
// today's flat fields (name, domain, currency, country, email, manager)
// still taken as shorthands.
type Reseller struct {
	ResellerID string `json:"reseller_id"`
	// ParentID is empty for a top-level reseller.
	ParentID string `json:"parent_id"`
	Version  int64  `json:"version"`
	Name     string `json:"name"`
	Domain   string `json:"domain"`
	Currency string `json:"currency"`
	Manager  string `json:"manager"`
	// Country and Email are shorthands of company.country and
	// company.email.
	Country string           `json:"country"`
	Email   string           `json:"email"`
	General *ResellerGeneral `json:"general,omitempty"`
	Company *ResellerCompany `json:"company,omitempty"`
	// Contacts is the reseller's contact person.
	Contacts         *ResellerContacts `json:"contacts,omitempty"`
	CustomAttributes map[string]string `json:"custom_attributes,omitempty"`
	// Status is active (the default), suspended or closed.
	Status string `json:"status"`
	// Edition is standard (the default) or free.
	Edition string `json:"edition"`
	// CreatedAt is when the back-office created the reseller (RFC 3339);
	// when absent, consumers use the event's time.
	CreatedAt *time.Time `json:"created_at,omitempty"`
	// PriceListID is the price list the reseller buys at; empty inherits
	// the nearest ancestor's.
	PriceListID string `json:"price_list_id"`
}

// ResellerGeneral is the general part of a reseller's profile.
type ResellerGeneral struct {
	Name     string `json:"name"`
	Domain   string `json:"domain"`
	Currency string `json:"currency"`
	Manager  string `json:"manager"`
}

// ResellerCompany is the company part of a reseller's profile.
type ResellerCompany struct {
	Name         string `json:"name"`
	AddressLine1 string `json:"address_line_1"`
	AddressLine2 string `json:"address_line_2"`
	City         string `json:"city"`
	State        string `json:"state"`
	Zip          string `json:"zip"`
	Country      string `json:"country"`
	Phone        string `json:"phone"`
	Fax          string `json:"fax"`
	Email        string `json:"email"`
}

// ResellerContacts is the contact person of a reseller's profile.
type ResellerContacts struct {
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	MiddleName string `json:"middle_name"`
	Position   string `json:"position"`
	Phone      string `json:"phone"`
	Email      string `json:"email"`
}

// Validate checks r against the rules of its event, the same rules every
// consumer applies, so bad input is refused before it is published.
func (r Reseller) Validate() error { return validate(r) }

func (c *ResellerContacts) event() *eventsv1.ResellerContacts {
	if c == nil {
		return nil
	}
	return &eventsv1.ResellerContacts{FirstName: c.FirstName, LastName: c.LastName, MiddleName: c.MiddleName,
		Position: c.Position, Phone: c.Phone, Email: c.Email}
}

func (r Reseller) id() string     { return r.ResellerID }
func (r Reseller) version() int64 { return r.Version }
func (r Reseller) event(meta *eventsv1.EventMeta) (eventbus.Publication, error) {
	var g ResellerGeneral
	if r.General != nil {
		g = *r.General
	}
	var errs []error
	field := func(name, flat, nested string) string {
		if flat != "" && nested != "" && flat != nested {
			errs = append(errs, fmt.Errorf("%s %q and general.%s %q differ: give one, or the same", name, flat, name, nested))
		}
		if nested != "" {
			return nested
		}
		return flat
	}
	status, statusErr := enumValue("status", r.Status, "RESELLER_STATUS_", eventsv1.ResellerStatus_value, int32(eventsv1.ResellerStatus_RESELLER_STATUS_ACTIVE))
	edition, editionErr := enumValue("edition", r.Edition, "RESELLER_EDITION_", eventsv1.ResellerEdition_value, int32(eventsv1.ResellerEdition_RESELLER_EDITION_STANDARD))
	ev := &eventsv1.Reseller{
		ResellerId: r.ResellerID, ParentId: r.ParentID,
		Name: field("name", r.Name, g.Name), Domain: field("domain", r.Domain, g.Domain),
		Currency: field("currency", r.Currency, g.Currency), Manager: field("manager", r.Manager, g.Manager),
		Country: r.Country, Email: r.Email, CreatedAt: timestamp(r.CreatedAt), PriceListId: r.PriceListID,
		CustomAttributes: r.CustomAttributes,
		Status:           eventsv1.ResellerStatus(status), Edition: eventsv1.ResellerEdition(edition),
	}
	if c := r.Company; c != nil {
		ev.Company = &eventsv1.ResellerCompany{Name: c.Name, AddressLine_1: c.AddressLine1, AddressLine_2: c.AddressLine2,
			City: c.City, State: c.State, Zip: c.Zip, Country: c.Country, Phone: c.Phone, Fax: c.Fax, Email: c.Email}
	}
	ev.Contacts = r.Contacts.event()
	errs = append(errs, statusErr, editionErr)
	return eventbus.On(subjects.Resellers, &eventsv1.ResellerChanged{Meta: meta, Reseller: ev}), errors.Join(errs...)
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
	// Currency is the ISO 4217 code the account is billed in.
	Currency       string            `json:"currency"`
	BillingAddress *PostalAddress    `json:"billing_address,omitempty"`
	PrimaryContact *ResellerContacts `json:"primary_contact,omitempty"`
}

// PostalAddress is an address, e.g. an account's billing address.
type PostalAddress struct {
	AddressLine1 string `json:"address_line_1"`
	AddressLine2 string `json:"address_line_2"`
	City         string `json:"city"`
	State        string `json:"state"`
	Zip          string `json:"zip"`
	Country      string `json:"country"`
}

// Validate checks a against the rules of its event.
func (a Account) Validate() error { return validate(a) }

func (a Account) id() string     { return a.AccountID }
func (a Account) version() int64 { return a.Version }
func (a Account) event(meta *eventsv1.EventMeta) (eventbus.Publication, error) {
	status, err := enumValue("status", a.Status, "ACCOUNT_STATUS_", eventsv1.AccountStatus_value, int32(eventsv1.AccountStatus_ACCOUNT_STATUS_ACTIVE))
	ev := &eventsv1.Account{
		AccountId: a.AccountID, ResellerId: a.ResellerID, Name: a.Name, Email: a.Email,
		Phone: a.Phone, Country: a.Country, Status: eventsv1.AccountStatus(status), CreatedAt: timestamp(a.CreatedAt),
		Currency: a.Currency, PrimaryContact: a.PrimaryContact.event(),
	}
	if b := a.BillingAddress; b != nil {
		ev.BillingAddress = &eventsv1.PostalAddress{AddressLine_1: b.AddressLine1, AddressLine_2: b.AddressLine2,
			City: b.City, State: b.State, Zip: b.Zip, Country: b.Country}
	}
	return eventbus.On(subjects.Accounts, &eventsv1.AccountChanged{Meta: meta, Account: ev}), err
}

// validate checks a record the way its consumers will: it builds the
// event (with the record's id and version in its envelope) and applies
// the rules of the event's topic. A value outside its list is
// reported with the value; the event's rules are then checked with that
// field set to its first valid value, so each problem is reported once.
func validate(r record) error {
	meta := &eventsv1.EventMeta{EventId: "unpublished", OccurredAt: timestamppb.Now(), AggregateId: r.id(), Version: r.version()}
	pub, err := r.event(meta)
	return errors.Join(err, pub.Err())
}

// enumValue maps a record's value ("one_time") onto the protobuf enum
// value named prefix + "ONE_TIME"; empty means def. A value outside the
// enum is an error naming the allowed values, and def is returned so that
// the event's rules do not report the field a second time.
func enumValue(field, s, prefix string, values map[string]int32, def int32) (int32, error) {
	if s == "" {
		return def, nil
	}
	if v, ok := values[prefix+strings.ToUpper(s)]; ok && v != 0 && s == strings.ToLower(s) {
		return v, nil
	}
	var allowed []string
	for name, v := range values {
		if v != 0 {
			allowed = append(allowed, rules.EnumWord(name, prefix))
		}
	}
	slices.Sort(allowed)
	return def, fmt.Errorf("%s %q must be one of %s", field, s, strings.Join(allowed, ", "))
}

func timestamp(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return timestamppb.New(*t)
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
	normalized, err := snakeKeys(raw, 0, false)
	if err != nil {
		return rec, err
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

// maxDepth bounds the nesting snakeKeys follows (records nest two levels).
const maxDepth = 8

// snakeKeys renames the keys of every object in raw, at any depth, from
// camelCase to snake_case, refusing a key given twice in two spellings.
// Values other than objects and arrays are kept as they were sent, so
// large integers keep every digit.
// The keys of a custom_attributes object are the distributor's own names:
// they are kept as sent (verbatim).
func snakeKeys(raw json.RawMessage, depth int, verbatim bool) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("nested too deeply")
	}
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	switch {
	case len(trimmed) > 0 && trimmed[0] == '{':
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			return nil, err
		}
		out := make(map[string]any, len(fields))
		for k, v := range fields {
			snake := k
			if !verbatim {
				snake = toSnake(k)
			}
			if _, dup := out[snake]; dup {
				return nil, fmt.Errorf("field %q is given twice (as %s and in another spelling)", snake, k)
			}
			nv, err := snakeKeys(v, depth+1, snake == "custom_attributes")
			if err != nil {
				return nil, err
			}
			out[snake] = nv
		}
		return out, nil
	case len(trimmed) > 0 && trimmed[0] == '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return nil, err
		}
		out := make([]any, len(elems))
		for i, e := range elems {
			v, err := snakeKeys(e, depth+1, false)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	return raw, nil
}

// toSnake turns "resellerId" and "first-name" into "reseller_id" and
// "first_name"; snake_case is unchanged.
func toSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r == '-' {
			b.WriteByte('_')
			continue
		}
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
