package rules

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

func TestFormats(t *testing.T) {
	for _, c := range []struct {
		check func(string, string) error
		value string
		ok    bool
	}{
		{Country, "GR", true}, {Country, "CY", true}, {Country, "", true},
		{Country, "ZZ", false}, {Country, "EU", false}, {Country, "QO", false}, {Country, "001", false},
		{Country, "gr", false}, {Country, "Greece", false},
		{Currency, "EUR", true}, {Currency, "JPY", true}, {Currency, "KWD", true}, {Currency, "", true},
		{Currency, "XXQ", false}, {Currency, "XTS", false}, {Currency, "XXX", false}, {Currency, "eur", false}, {Currency, "euro", false},
		{Email, "it@acme.example", true}, {Email, "", true}, {Email, "Acme <it@acme.example>", false}, {Email, "x", false},
		{Phone, "+302101234567", true}, {Phone, "00302101234567", true}, {Phone, "2101234567", false}, {Phone, "+30 210", false},
		{ID, "res-cloudnova", true}, {ID, "a.b:c_d-e", true}, {ID, "a-", true},
		{ID, "", false}, {ID, "a..b", false}, {ID, "a.", false}, {ID, ".a", false}, {ID, "a*", false}, {ID, "a>", false},
		{ID, "a b", false}, {ID, strings.Repeat("a", 65), false},
		{OptionalID, "", true},
	} {
		if err := c.check("field", c.value); (err == nil) != c.ok {
			t.Errorf("check(%q) = %v, want ok=%v", c.value, err, c.ok)
		}
	}
	if err := Text("name", " ", 10); err == nil {
		t.Error("Text accepted a blank value")
	}
	if err := Text("name", "Рога и копыта", 20); err != nil {
		t.Errorf("Text refused Cyrillic: %v", err)
	}
	for _, bad := range []string{"a\x00b", "a\nb", "\xff", strings.Repeat("é", 11)} {
		if err := OptionalText("name", bad, 10); err == nil {
			t.Errorf("OptionalText(%q) accepted", bad)
		}
	}
}

func meta(id string) *eventsv1.EventMeta {
	return &eventsv1.EventMeta{EventId: "e1", OccurredAt: timestamppb.New(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)), AggregateId: id, Version: 2}
}

func TestEventRules(t *testing.T) {
	reseller := func(mutate func(*eventsv1.ResellerChanged)) proto.Message {
		e := &eventsv1.ResellerChanged{Meta: meta("r1"), Reseller: &eventsv1.Reseller{
			ResellerId: "r1", ParentId: "r0", Name: "CloudNova", Currency: "EUR", Country: "GR", Email: "a@b.example"}}
		if mutate != nil {
			mutate(e)
		}
		return e
	}
	account := func(mutate func(*eventsv1.AccountChanged)) proto.Message {
		e := &eventsv1.AccountChanged{Meta: meta("a1"), Account: &eventsv1.Account{
			AccountId: "a1", ResellerId: "r1", Name: "Acme", Phone: "+302101234567", Country: "CY",
			Status: eventsv1.AccountStatus_ACCOUNT_STATUS_ACTIVE}}
		if mutate != nil {
			mutate(e)
		}
		return e
	}
	for _, ok := range []proto.Message{reseller(nil), account(nil)} {
		if err := check(ok); err != nil {
			t.Errorf("check(%v) = %v", ok, err)
		}
	}
	for name, c := range map[string]struct {
		ev   proto.Message
		want string
	}{
		"no meta":          {reseller(func(e *eventsv1.ResellerChanged) { e.Meta = nil }), "no meta"},
		"no version":       {account(func(e *eventsv1.AccountChanged) { e.Meta.Version = 0 }), "meta.version"},
		"no time":          {account(func(e *eventsv1.AccountChanged) { e.Meta.OccurredAt = nil }), "meta.occurred_at is required"},
		"bad time":         {account(func(e *eventsv1.AccountChanged) { e.Meta.OccurredAt = &timestamppb.Timestamp{Seconds: -1 << 62} }), "meta.occurred_at"},
		"other aggregate":  {account(func(e *eventsv1.AccountChanged) { e.Meta.AggregateId = "a2" }), "differs"},
		"no reseller":      {reseller(func(e *eventsv1.ResellerChanged) { e.Reseller = nil }), "carries no reseller"},
		"own parent":       {reseller(func(e *eventsv1.ResellerChanged) { e.Reseller.ParentId = "r1" }), "the reseller itself"},
		"ZZ country":       {reseller(func(e *eventsv1.ResellerChanged) { e.Reseller.Country = "ZZ" }), "ISO 3166-1"},
		"unknown currency": {reseller(func(e *eventsv1.ResellerChanged) { e.Reseller.Currency = "XXQ" }), "ISO 4217"},
		"no status":        {account(func(e *eventsv1.AccountChanged) { e.Account.Status = 0 }), "status"},
		"unknown status":   {account(func(e *eventsv1.AccountChanged) { e.Account.Status = 42 }), "status"},
		"bad phone":        {account(func(e *eventsv1.AccountChanged) { e.Account.Phone = "12" }), "phone"},
		"no account":       {account(func(e *eventsv1.AccountChanged) { e.Account = nil }), "carries no account"},
	} {
		err := check(c.ev)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrInvalid mentioning %q", name, err, c.want)
		}
	}
	// Every problem of a record is reported at once, on one line.
	err := check(account(func(e *eventsv1.AccountChanged) { e.Account.Country = "ZZ"; e.Account.Email = "x"; e.Meta.Version = 0 }))
	if err == nil || strings.Count(err.Error(), ";") != 2 || strings.Contains(err.Error(), "\n") {
		t.Errorf("err = %v, want three problems on one line", err)
	}
}

// check applies the rules of ev's type (subjects binds them to topics).
func check(ev proto.Message) error {
	switch e := ev.(type) {
	case *eventsv1.ResellerChanged:
		return ResellerChanged(e)
	case *eventsv1.AccountChanged:
		return AccountChanged(e)
	case *eventsv1.ProductChanged:
		return ProductChanged(e)
	case *eventsv1.PriceListChanged:
		return PriceListChanged(e)
	case *eventsv1.ManagerTokenChanged:
		return ManagerTokenChanged(e)
	case *eventsv1.AppUserChanged:
		return AppUserChanged(e)
	case *eventsv1.AccessTokenRevoked:
		return AccessTokenRevoked(e)
	case *eventsv1.SecurityEvent:
		return SecurityEvent(e)
	case *eventsv1.ApiCredentialsChanged:
		return APICredentialsChanged(e)
	case *eventsv1.ApiActivationChanged:
		return APIActivationChanged(e)
	case *eventsv1.SigningKeyChanged:
		return SigningKeyChanged(e)
	case *eventsv1.InvoiceChanged:
		return InvoiceChanged(e)
	case *eventsv1.PaymentChanged:
		return PaymentChanged(e)
	}
	panic(fmt.Sprintf("no rules for %T in this test", ev))
}

func FuzzCheck(f *testing.F) {
	good, _ := proto.Marshal(&eventsv1.AccountChanged{Meta: meta("a1"), Account: &eventsv1.Account{AccountId: "a1", ResellerId: "r1", Name: "Acme", Status: 1}})
	f.Add(good, uint8(0))
	r, _ := proto.Marshal(&eventsv1.ResellerChanged{Meta: meta("r1"), Reseller: &eventsv1.Reseller{ResellerId: "r1", Name: "R"}})
	f.Add(r, uint8(1))
	p, _ := proto.Marshal(product(nil))
	f.Add(p, uint8(2))
	l, _ := proto.Marshal(priceList(nil))
	f.Add(l, uint8(3))
	inv, _ := proto.Marshal(invoice(nil))
	f.Add(inv, uint8(5))
	f.Add([]byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		events := []proto.Message{&eventsv1.AccountChanged{}, &eventsv1.ResellerChanged{}, &eventsv1.ProductChanged{}, &eventsv1.PriceListChanged{}, &eventsv1.ManagerTokenChanged{},
			&eventsv1.InvoiceChanged{}, &eventsv1.PaymentChanged{}, &eventsv1.AppUserChanged{}, &eventsv1.AccessTokenRevoked{}, &eventsv1.SecurityEvent{},
			&eventsv1.ApiCredentialsChanged{}, &eventsv1.ApiActivationChanged{}, &eventsv1.SigningKeyChanged{}}
		ev := events[int(kind)%len(events)]
		if proto.Unmarshal(data, ev) != nil {
			return
		}
		if err := check(ev); err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("error not wrapping ErrInvalid: %v", err)
		}
	})
}

func TestResellerProfileRules(t *testing.T) {
	seed := func(mutate func(*eventsv1.Reseller)) proto.Message {
		r := &eventsv1.Reseller{ResellerId: "r1", Name: "SL SP Root", Domain: "test.activeplatform.com", Currency: "BYN", Manager: "Alena Rataeva",
			Company: &eventsv1.ResellerCompany{Name: "SL SP Root", AddressLine_1: "Гаяяяя", AddressLine_2: "Гаяяяяя", City: "Минск", State: "Минская",
				Zip: "220053", Country: "BY", Phone: "+375252222060", Fax: "", Email: "example@gmail.com"},
			Contacts:         &eventsv1.ResellerContacts{FirstName: "Ivan", LastName: "Ivanov", Phone: "+375252222060", Email: "aaaa@example.ru"},
			CustomAttributes: map[string]string{"inn": "", "email": "", "l": ""},
			Status:           eventsv1.ResellerStatus_RESELLER_STATUS_ACTIVE, Edition: eventsv1.ResellerEdition_RESELLER_EDITION_STANDARD}
		if mutate != nil {
			mutate(r)
		}
		return &eventsv1.ResellerChanged{Meta: meta("r1"), Reseller: r}
	}
	for name, ev := range map[string]proto.Message{
		"the seed's example": seed(nil),
		"matching shorthand": seed(func(r *eventsv1.Reseller) { r.Country, r.Email = "BY", "example@gmail.com" }),
		"no profile": seed(func(r *eventsv1.Reseller) {
			r.Company, r.Contacts, r.CustomAttributes, r.Status, r.Edition = nil, nil, nil, 0, 0
		}),
		"00 phone": seed(func(r *eventsv1.Reseller) { r.Company.Fax = "00375252222061" }),
	} {
		if err := check(ev); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, c := range map[string]struct {
		ev   proto.Message
		want string
	}{
		"bad fax":            {seed(func(r *eventsv1.Reseller) { r.Company.Fax = "12-34" }), "company.fax"},
		"bad country":        {seed(func(r *eventsv1.Reseller) { r.Company.Country = "ZZ" }), "company.country"},
		"bad contact email":  {seed(func(r *eventsv1.Reseller) { r.Contacts.Email = "nope" }), "contacts.email"},
		"other country":      {seed(func(r *eventsv1.Reseller) { r.Country = "GR" }), `country "GR" differs from company.country "BY"`},
		"unknown status":     {seed(func(r *eventsv1.Reseller) { r.Status = 9 }), "status must be active, suspended or closed"},
		"unknown edition":    {seed(func(r *eventsv1.Reseller) { r.Edition = 7 }), "edition must be standard or free"},
		"bad attribute name": {seed(func(r *eventsv1.Reseller) { r.CustomAttributes["a b"] = "x" }), `custom attribute name "a b"`},
		"control character":  {seed(func(r *eventsv1.Reseller) { r.Company.City = "Min\x00sk" }), "company.city contains control characters"},
	} {
		err := check(c.ev)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrInvalid mentioning %q", name, err, c.want)
		}
	}
}

func TestManagerTokenRules(t *testing.T) {
	token := func(mutate func(*eventsv1.ManagerToken)) proto.Message {
		tok := &eventsv1.ManagerToken{TokenId: "t1", ManagerId: "m1", ResellerId: "r1", Role: eventsv1.ManagerRole_MANAGER_ROLE_BILLING,
			DigestSha256: strings.Repeat("ab", 32)}
		if mutate != nil {
			mutate(tok)
		}
		return &eventsv1.ManagerTokenChanged{Meta: meta("t1"), Token: tok}
	}
	if err := check(token(nil)); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		ev   proto.Message
		want string
	}{
		"no role":     {token(func(t *eventsv1.ManagerToken) { t.Role = 0 }), "role must be admin, billing or support"},
		"bad digest":  {token(func(t *eventsv1.ManagerToken) { t.DigestSha256 = "secret" }), "digest_sha256"},
		"no reseller": {token(func(t *eventsv1.ManagerToken) { t.ResellerId = "" }), "reseller_id is required"},
	} {
		if err := check(c.ev); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}

func TestAppUserRules(t *testing.T) {
	user := func(mutate func(*eventsv1.AppUser)) proto.Message {
		u := &eventsv1.AppUser{UserId: "u1", ResellerId: "r1", Status: eventsv1.AppUserStatus_APP_USER_STATUS_DISABLED}
		if mutate != nil {
			mutate(u)
		}
		return &eventsv1.AppUserChanged{Meta: meta("u1"), User: u}
	}
	if err := check(user(nil)); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		ev   proto.Message
		want string
	}{
		"no status":   {user(func(u *eventsv1.AppUser) { u.Status = 0 }), "status must be active, disabled or deleted"},
		"no reseller": {user(func(u *eventsv1.AppUser) { u.ResellerId = "" }), "reseller_id is required"},
		"other user":  {user(func(u *eventsv1.AppUser) { u.UserId = "u2" }), "u2"},
		"no user":     {&eventsv1.AppUserChanged{Meta: meta("u1")}, "carries no user"},
	} {
		if err := check(c.ev); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}

func TestAccessTokenRevokedRules(t *testing.T) {
	ok := &eventsv1.AccessTokenRevoked{Meta: meta("j1"), TokenId: "j1", UserId: "u1", ResellerId: "r1", ExpiresAt: timestamppb.Now()}
	if err := check(ok); err != nil {
		t.Fatal(err)
	}
	bad := &eventsv1.AccessTokenRevoked{Meta: meta("j1"), TokenId: "j1", UserId: "u1", ResellerId: "r1"}
	if err := check(bad); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "expires_at is required") {
		t.Errorf("err = %v", err)
	}
}

func TestSecurityEventRules(t *testing.T) {
	ok := &eventsv1.SecurityEvent{Meta: meta("e1"), Kind: "login.failed", Subject: "dora", ClientAddress: "10.0.0.1", Detail: "wrong password"}
	if err := check(ok); err != nil {
		t.Fatal(err)
	}
	bad := &eventsv1.SecurityEvent{Meta: meta("e1"), Kind: "Login Failed"}
	if err := check(bad); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "kind") {
		t.Errorf("err = %v", err)
	}
}

func TestAPICredentialsRules(t *testing.T) {
	creds := func(mutate func(*eventsv1.ApiCredentials)) proto.Message {
		c := &eventsv1.ApiCredentials{ResellerId: "r1", ClientId: "rapi_new",
			Retired: []*eventsv1.RetiredClient{{ClientId: "rapi_old", NotAfter: timestamppb.Now()}}}
		if mutate != nil {
			mutate(c)
		}
		return &eventsv1.ApiCredentialsChanged{Meta: meta("r1"), Credentials: c}
	}
	if err := check(creds(nil)); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		ev   proto.Message
		want string
	}{
		"no client":         {creds(func(c *eventsv1.ApiCredentials) { c.ClientId = "" }), "client_id is required"},
		"other reseller":    {creds(func(c *eventsv1.ApiCredentials) { c.ResellerId = "r2" }), "r2"},
		"retired no time":   {creds(func(c *eventsv1.ApiCredentials) { c.Retired[0].NotAfter = nil }), "retired[0].not_after is required"},
		"retired no client": {creds(func(c *eventsv1.ApiCredentials) { c.Retired[0].ClientId = "" }), "retired[0].client_id is required"},
		"too many retired": {creds(func(c *eventsv1.ApiCredentials) {
			for range MaxRetiredClients {
				c.Retired = append(c.Retired, c.Retired[0])
			}
		}), "at most"},
		"no credentials": {&eventsv1.ApiCredentialsChanged{Meta: meta("r1")}, "carries no credentials"},
	} {
		if err := check(c.ev); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}

func TestAPIActivationRules(t *testing.T) {
	for name, a := range map[string]*eventsv1.ApiActivation{
		"activated":   {Active: true},
		"deactivated": {TokensNotBefore: timestamppb.Now()},
	} {
		if err := check(&eventsv1.ApiActivationChanged{Meta: meta("reseller-api"), Activation: a}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, c := range map[string]struct {
		ev   proto.Message
		want string
	}{
		"deactivated without cut-off": {&eventsv1.ApiActivationChanged{Meta: meta("reseller-api"), Activation: &eventsv1.ApiActivation{}}, "tokens_not_before"},
		"other aggregate":             {&eventsv1.ApiActivationChanged{Meta: meta("x"), Activation: &eventsv1.ApiActivation{Active: true}}, "differs"},
		"no activation":               {&eventsv1.ApiActivationChanged{Meta: meta("reseller-api")}, "carries no activation"},
	} {
		if err := check(c.ev); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}

func TestSigningKeyRules(t *testing.T) {
	for _, id := range []string{"k1", "-Ab_9"} {
		ok := &eventsv1.SigningKeyChanged{Meta: meta(id), Key: &eventsv1.SigningKey{KeyId: id, SignsFrom: timestamppb.Now()}}
		if err := check(ok); err != nil {
			t.Fatal(err)
		}
	}
	for name, c := range map[string]struct {
		ev   proto.Message
		want string
	}{
		"not base64url": {&eventsv1.SigningKeyChanged{Meta: meta("k.1"), Key: &eventsv1.SigningKey{KeyId: "k.1", SignsFrom: timestamppb.Now()}}, "base64url"},
		"no signs_from": {&eventsv1.SigningKeyChanged{Meta: meta("k1"), Key: &eventsv1.SigningKey{KeyId: "k1"}}, "signs_from is required"},
		"other key":     {&eventsv1.SigningKeyChanged{Meta: meta("k1"), Key: &eventsv1.SigningKey{KeyId: "k2", SignsFrom: timestamppb.Now()}}, "k2"},
		"no key":        {&eventsv1.SigningKeyChanged{Meta: meta("k1")}, "carries no key"},
	} {
		if err := check(c.ev); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}
