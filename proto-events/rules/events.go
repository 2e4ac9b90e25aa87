package rules

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

// ErrInvalid is wrapped by every error of the rules: such an event can
// never be processed, however often it is retried. Each event type's rules
// are bound to its subjects by its topic (proto-events/subjects).
var ErrInvalid = errors.New("invalid event")

// Limits of free-text fields.
const (
	MaxNameLength   = 200
	MaxDomainLength = 253
)

// Meta checks an event's envelope.
func Meta(meta *eventsv1.EventMeta) error {
	return join("event", meta.GetEventId(), metaProblems(meta)...)
}

func metaProblems(meta *eventsv1.EventMeta) []error {
	if meta == nil {
		return []error{errors.New("the event has no meta")}
	}
	var problems []error
	if meta.GetEventId() == "" {
		problems = append(problems, errors.New("meta.event_id is required"))
	}
	if meta.GetAggregateId() == "" {
		problems = append(problems, errors.New("meta.aggregate_id is required"))
	}
	if meta.GetVersion() < 1 {
		problems = append(problems, fmt.Errorf("meta.version must be 1 or more, got %d", meta.GetVersion()))
	}
	return append(problems, timestamp("meta.occurred_at", meta.GetOccurredAt(), true))
}

// ResellerChanged checks a reseller event.
func ResellerChanged(e *eventsv1.ResellerChanged) error {
	r := e.GetReseller()
	if r == nil {
		return join("event", e.GetMeta().GetEventId(), append(metaProblems(e.GetMeta()), errors.New("the event carries no reseller"))...)
	}
	var self error
	if r.GetParentId() != "" && r.GetParentId() == r.GetResellerId() {
		self = fmt.Errorf("parent_id %s is the reseller itself", quote(r.GetParentId()))
	}
	return join("reseller", r.GetResellerId(), append(metaProblems(e.GetMeta()),
		ID("reseller_id", r.GetResellerId()),
		sameAggregate(e.GetMeta(), r.GetResellerId()),
		OptionalID("parent_id", r.GetParentId()),
		self,
		Text("name", r.GetName(), MaxNameLength),
		OptionalText("domain", r.GetDomain(), MaxDomainLength),
		Currency("currency", r.GetCurrency()),
		Country("country", r.GetCountry()),
		Email("email", r.GetEmail()),
		OptionalID("price_list_id", r.GetPriceListId()),
		timestamp("created_at", r.GetCreatedAt(), false),
		profile(r),
	)...)
}

// Limits of the reseller profile.
const (
	MaxProfileText       = 200
	MaxCustomAttributes  = 100
	MaxCustomValueLength = 1000
)

// profile checks the reseller's profile: the company and contact person
// (every field optional, empty strings allowed, phones and fax in the
// seed's two forms), custom attributes, status and edition, and that the
// flat country and email shorthands agree with the company's.
func profile(r *eventsv1.Reseller) error {
	c, p := r.GetCompany(), r.GetContacts()
	problems := []error{
		OptionalText("manager", r.GetManager(), MaxProfileText),
		OptionalText("company.name", c.GetName(), MaxProfileText),
		OptionalText("company.address_line_1", c.GetAddressLine_1(), MaxProfileText),
		OptionalText("company.address_line_2", c.GetAddressLine_2(), MaxProfileText),
		OptionalText("company.city", c.GetCity(), MaxProfileText),
		OptionalText("company.state", c.GetState(), MaxProfileText),
		OptionalText("company.zip", c.GetZip(), 20),
		Country("company.country", c.GetCountry()),
		Phone("company.phone", c.GetPhone()),
		Phone("company.fax", c.GetFax()),
		Email("company.email", c.GetEmail()),
		contact("contacts", p),
		optionalEnum("status", eventsv1.ResellerStatus_name, int32(r.GetStatus()), "active, suspended or closed"),
		optionalEnum("edition", eventsv1.ResellerEdition_name, int32(r.GetEdition()), "standard or free"),
		shorthand("country", r.GetCountry(), c.GetCountry()),
		shorthand("email", r.GetEmail(), c.GetEmail()),
	}
	if n := len(r.GetCustomAttributes()); n > MaxCustomAttributes {
		problems = append(problems, fmt.Errorf("%d custom_attributes, at most %d allowed", n, MaxCustomAttributes))
	}
	for k, v := range r.GetCustomAttributes() {
		problems = append(problems, customKey(k), OptionalText("custom_attributes["+quote(k)+"]", v, MaxCustomValueLength))
	}
	return errors.Join(problems...)
}

// contact checks a contact person: every field optional.
func contact(prefix string, p *eventsv1.ResellerContacts) error {
	return errors.Join(
		OptionalText(prefix+".first_name", p.GetFirstName(), MaxProfileText),
		OptionalText(prefix+".last_name", p.GetLastName(), MaxProfileText),
		OptionalText(prefix+".middle_name", p.GetMiddleName(), MaxProfileText),
		OptionalText(prefix+".position", p.GetPosition(), MaxProfileText),
		Phone(prefix+".phone", p.GetPhone()),
		Email(prefix+".email", p.GetEmail()),
	)
}

// address checks a postal address: every field optional.
func address(prefix string, a *eventsv1.PostalAddress) error {
	return errors.Join(
		OptionalText(prefix+".address_line_1", a.GetAddressLine_1(), MaxProfileText),
		OptionalText(prefix+".address_line_2", a.GetAddressLine_2(), MaxProfileText),
		OptionalText(prefix+".city", a.GetCity(), MaxProfileText),
		OptionalText(prefix+".state", a.GetState(), MaxProfileText),
		OptionalText(prefix+".zip", a.GetZip(), 20),
		Country(prefix+".country", a.GetCountry()),
	)
}

// shorthand refuses a flat field that contradicts the company's.
func shorthand(field, flat, company string) error {
	if flat != "" && company != "" && flat != company {
		return fmt.Errorf("%s %s differs from company.%s %s: give one, or the same", field, quote(flat), field, quote(company))
	}
	return nil
}

// customKey checks a custom attribute's name: 1-64 letters, digits, '_',
// '-' or '.', no control characters.
func customKey(k string) error {
	if k == "" || len(k) > 64 || strings.IndexFunc(k, func(r rune) bool {
		return !(r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) >= 0 {
		return fmt.Errorf("custom attribute name %s must be 1-64 letters, digits, '_', '-' or '.'", quote(k))
	}
	return nil
}

// optionalEnum checks that v is a named value of an enum; 0 (absent) is
// allowed and means the documented default.
func optionalEnum(field string, names map[int32]string, v int32, allowed string) error {
	if names[v] == "" {
		return fmt.Errorf("%s must be %s", field, allowed)
	}
	return nil
}

// AccountChanged checks an end customer account event.
func AccountChanged(e *eventsv1.AccountChanged) error {
	a := e.GetAccount()
	if a == nil {
		return join("event", e.GetMeta().GetEventId(), append(metaProblems(e.GetMeta()), errors.New("the event carries no account"))...)
	}
	return join("account", a.GetAccountId(), append(metaProblems(e.GetMeta()),
		ID("account_id", a.GetAccountId()),
		sameAggregate(e.GetMeta(), a.GetAccountId()),
		ID("reseller_id", a.GetResellerId()),
		Text("name", a.GetName(), MaxNameLength),
		Email("email", a.GetEmail()),
		Phone("phone", a.GetPhone()),
		Country("country", a.GetCountry()),
		enum("status", eventsv1.AccountStatus_name, int32(a.GetStatus()), "active, suspended or closed"),
		timestamp("created_at", a.GetCreatedAt(), false),
		Currency("currency", a.GetCurrency()),
		address("billing_address", a.GetBillingAddress()),
		contact("primary_contact", a.GetPrimaryContact()),
	)...)
}

func sameAggregate(meta *eventsv1.EventMeta, id string) error {
	if meta.GetAggregateId() != id {
		return fmt.Errorf("meta.aggregate_id %s differs from the id %s in the event", quote(meta.GetAggregateId()), quote(id))
	}
	return nil
}

func timestamp(field string, ts *timestamppb.Timestamp, required bool) error {
	switch {
	case ts == nil && required:
		return fmt.Errorf("%s is required", field)
	case ts == nil:
		return nil
	}
	if err := ts.CheckValid(); err != nil {
		return fmt.Errorf("%s is not a valid time: %w", field, err)
	}
	return nil
}

// EnumWord is the word read models, the API and the back-office's records
// use for an enum value: its name without the type's prefix, in lower
// case ("BILLING_TYPE_ONE_TIME", "BILLING_TYPE_" -> "one_time").
func EnumWord(name, prefix string) string { return strings.ToLower(strings.TrimPrefix(name, prefix)) }

// join reports every problem of one record in one line:
// `invalid event: account "a-1": email "x" is not ...; phone ...`.
func join(kind, id string, problems ...error) error {
	err := errors.Join(problems...)
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %s %s: %s", ErrInvalid, kind, quote(id), strings.ReplaceAll(err.Error(), "\n", "; "))
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ManagerTokenChanged checks a manager token event.
func ManagerTokenChanged(e *eventsv1.ManagerTokenChanged) error {
	tok := e.GetToken()
	if tok == nil {
		return join("event", e.GetMeta().GetEventId(), append(metaProblems(e.GetMeta()), errors.New("the event carries no token"))...)
	}
	var digest error
	if !sha256Hex.MatchString(tok.GetDigestSha256()) {
		digest = errors.New("digest_sha256 must be 64 lower-case hex digits")
	}
	return join("manager token", tok.GetTokenId(), append(metaProblems(e.GetMeta()),
		ID("token_id", tok.GetTokenId()),
		sameAggregate(e.GetMeta(), tok.GetTokenId()),
		ID("manager_id", tok.GetManagerId()),
		ID("reseller_id", tok.GetResellerId()),
		enum("role", eventsv1.ManagerRole_name, int32(tok.GetRole()), "admin, billing or support"),
		digest,
		timestamp("created_at", tok.GetCreatedAt(), false),
	)...)
}

// AppUserChanged checks an Application User event.
func AppUserChanged(e *eventsv1.AppUserChanged) error {
	u := e.GetUser()
	if u == nil {
		return join("event", e.GetMeta().GetEventId(), append(metaProblems(e.GetMeta()), errors.New("the event carries no user"))...)
	}
	return join("application user", u.GetUserId(), append(metaProblems(e.GetMeta()),
		ID("user_id", u.GetUserId()),
		sameAggregate(e.GetMeta(), u.GetUserId()),
		ID("reseller_id", u.GetResellerId()),
		enum("status", eventsv1.AppUserStatus_name, int32(u.GetStatus()), "active, disabled or deleted"),
		timestamp("tokens_not_before", u.GetTokensNotBefore(), false),
	)...)
}

// AccessTokenRevoked checks an access token revocation event.
func AccessTokenRevoked(e *eventsv1.AccessTokenRevoked) error {
	return join("access token", e.GetTokenId(), append(metaProblems(e.GetMeta()),
		ID("token_id", e.GetTokenId()),
		sameAggregate(e.GetMeta(), e.GetTokenId()),
		ID("user_id", e.GetUserId()),
		ID("reseller_id", e.GetResellerId()),
		timestamp("expires_at", e.GetExpiresAt(), true),
	)...)
}

// MaxRetiredClients bounds the retired keys one credentials event lists.
const MaxRetiredClients = 100

// APICredentialsChanged checks a reseller's Reseller API credentials event.
func APICredentialsChanged(e *eventsv1.ApiCredentialsChanged) error {
	c := e.GetCredentials()
	if c == nil {
		return join("event", e.GetMeta().GetEventId(), append(metaProblems(e.GetMeta()), errors.New("the event carries no credentials"))...)
	}
	problems := append(metaProblems(e.GetMeta()),
		ID("reseller_id", c.GetResellerId()),
		sameAggregate(e.GetMeta(), c.GetResellerId()),
		ID("client_id", c.GetClientId()),
	)
	if len(c.GetRetired()) > MaxRetiredClients {
		problems = append(problems, fmt.Errorf("at most %d retired clients may be listed", MaxRetiredClients))
	}
	for i, r := range c.GetRetired() {
		problems = append(problems,
			ID(fmt.Sprintf("retired[%d].client_id", i), r.GetClientId()),
			timestamp(fmt.Sprintf("retired[%d].not_after", i), r.GetNotAfter(), true))
	}
	return join("reseller api credentials", c.GetResellerId(), problems...)
}

// APIActivationChanged checks a Reseller API activation event.
func APIActivationChanged(e *eventsv1.ApiActivationChanged) error {
	a := e.GetActivation()
	if a == nil {
		return join("event", e.GetMeta().GetEventId(), append(metaProblems(e.GetMeta()), errors.New("the event carries no activation"))...)
	}
	var cutoff error
	if !a.GetActive() && a.GetTokensNotBefore() == nil {
		cutoff = errors.New("a deactivation needs tokens_not_before")
	}
	return join("reseller api activation", e.GetMeta().GetAggregateId(), append(metaProblems(e.GetMeta()),
		sameAggregate(e.GetMeta(), "reseller-api"),
		timestamp("tokens_not_before", a.GetTokensNotBefore(), false),
		cutoff,
	)...)
}

// keyIDPattern is a JWK key id as auth makes them: an RFC 7638 thumbprint,
// base64url (which may start with '-' or '_', unlike other ids).
var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)

// SigningKeyChanged checks a signing key event.
func SigningKeyChanged(e *eventsv1.SigningKeyChanged) error {
	k := e.GetKey()
	if k == nil {
		return join("event", e.GetMeta().GetEventId(), append(metaProblems(e.GetMeta()), errors.New("the event carries no key"))...)
	}
	return join("signing key", k.GetKeyId(), append(metaProblems(e.GetMeta()),
		keyID(k.GetKeyId()),
		sameAggregate(e.GetMeta(), k.GetKeyId()),
		timestamp("signs_from", k.GetSignsFrom(), true),
		timestamp("withdrawn_at", k.GetWithdrawnAt(), false),
	)...)
}

func keyID(v string) error {
	if !keyIDPattern.MatchString(v) {
		return fmt.Errorf("key_id %s must be 1-100 base64url characters", quote(v))
	}
	return nil
}

var securityKind = regexp.MustCompile(`^[a-z_]+\.[a-z_]+$`)

// SecurityEvent checks an audit event: a kind such as "login.failed", and
// short texts (a subject may be a username tried, so it is text, not an id).
func SecurityEvent(e *eventsv1.SecurityEvent) error {
	var kind error
	if !securityKind.MatchString(e.GetKind()) {
		kind = fmt.Errorf("kind %s must look like login.failed", quote(e.GetKind()))
	}
	return join("security event", e.GetMeta().GetEventId(), append(metaProblems(e.GetMeta()),
		kind,
		OptionalText("subject", e.GetSubject(), 200),
		OptionalID("reseller_id", e.GetResellerId()),
		OptionalText("client_id", e.GetClientId(), 200),
		OptionalText("client_address", e.GetClientAddress(), 100),
		OptionalText("detail", e.GetDetail(), 500),
	)...)
}
