package backoffice

import (
	"encoding/json"
	"errors"
	"fmt"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"
)

// Resellers is the kind of reseller records (ResellerChanged). An absent
// status means active and an absent edition standard. Besides the
// event's fields, the input takes the seed's "general" object (name,
// domain, currency, manager) for the event's flat fields of those names.
func Resellers() Kind[*eventsv1.Reseller] {
	k := newKind("reseller", (*eventsv1.Reseller).GetResellerId, subjects.Resellers,
		func(m *eventsv1.EventMeta, r *eventsv1.Reseller) *eventsv1.ResellerChanged {
			return &eventsv1.ResellerChanged{Meta: m, Reseller: r}
		},
		func(r *eventsv1.Reseller) {
			if r.Status == eventsv1.ResellerStatus_RESELLER_STATUS_UNSPECIFIED {
				r.Status = eventsv1.ResellerStatus_RESELLER_STATUS_ACTIVE
			}
			if r.Edition == eventsv1.ResellerEdition_RESELLER_EDITION_UNSPECIFIED {
				r.Edition = eventsv1.ResellerEdition_RESELLER_EDITION_STANDARD
			}
		})
	k.shorthands = generalProfile
	return k
}

// generalProfile moves the fields of a record's "general" object to the
// top level, refusing one that contradicts a top-level field.
func generalProfile(fields map[string]json.RawMessage) error {
	raw, ok := fields["general"]
	if !ok {
		return nil
	}
	delete(fields, "general")
	var general map[string]json.RawMessage
	if err := json.Unmarshal(raw, &general); err != nil || general == nil {
		return errors.New("general: expected an object")
	}
	var errs []error
	for key, v := range general {
		name := toSnake(key)
		switch name {
		case "name", "domain", "currency", "manager":
		default:
			errs = append(errs, fmt.Errorf("unknown field %q", "general."+key))
			continue
		}
		if flat, given := fields[name]; given && string(flat) != string(v) {
			errs = append(errs, fmt.Errorf("%s %s and general.%s %s differ: give one, or the same", name, shorten(flat), name, shorten(v)))
			continue
		}
		fields[name] = v
	}
	return errors.Join(errs...)
}

// Accounts is the kind of end-customer account records (AccountChanged).
// An absent status means active.
func Accounts() Kind[*eventsv1.Account] {
	return newKind("account", (*eventsv1.Account).GetAccountId, subjects.Accounts,
		func(m *eventsv1.EventMeta, a *eventsv1.Account) *eventsv1.AccountChanged {
			return &eventsv1.AccountChanged{Meta: m, Account: a}
		},
		func(a *eventsv1.Account) {
			if a.Status == eventsv1.AccountStatus_ACCOUNT_STATUS_UNSPECIFIED {
				a.Status = eventsv1.AccountStatus_ACCOUNT_STATUS_ACTIVE
			}
		})
}
