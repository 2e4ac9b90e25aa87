package directory

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/rules"
)

// AccountFromEvent maps an event that passed rules.AccountChanged onto
// the document the edge reads.
func AccountFromEvent(e *eventsv1.AccountChanged) Account {
	a := e.GetAccount()
	b := a.GetBillingAddress()
	updated := e.GetMeta().GetOccurredAt()
	return Account{
		ID: a.GetAccountId(), ResellerID: a.GetResellerId(), Name: a.GetName(), Email: a.GetEmail(),
		Phone: a.GetPhone(), Country: a.GetCountry(),
		Status:   rules.EnumWord(a.GetStatus().String(), "ACCOUNT_STATUS_"),
		Currency: a.GetCurrency(),
		BillingAddress: PostalAddress{AddressLine1: b.GetAddressLine_1(), AddressLine2: b.GetAddressLine_2(),
			City: b.GetCity(), State: b.GetState(), Zip: b.GetZip(), Country: b.GetCountry()},
		PrimaryContact: contacts(a.GetPrimaryContact()),
		CreatedAt:      storedTime(createdAt(a.GetCreatedAt(), updated)), UpdatedAt: storedTime(updated),
		Version: e.GetMeta().GetVersion(),
	}
}

// ResellerFromEvent maps an event that passed rules.ResellerChanged onto
// the document the edge reads. The flat country and email are shorthands
// of the company's (the rules make them agree); an absent status means
// active and an absent edition standard, as for events from before those
// fields.
func ResellerFromEvent(e *eventsv1.ResellerChanged) Reseller {
	r := e.GetReseller()
	c := r.GetCompany()
	updated := e.GetMeta().GetOccurredAt()
	company := ResellerCompany{Name: c.GetName(), AddressLine1: c.GetAddressLine_1(), AddressLine2: c.GetAddressLine_2(),
		City: c.GetCity(), State: c.GetState(), Zip: c.GetZip(), Country: or(c.GetCountry(), r.GetCountry()),
		Phone: c.GetPhone(), Fax: c.GetFax(), Email: or(c.GetEmail(), r.GetEmail())}
	status := "active"
	if r.GetStatus() != eventsv1.ResellerStatus_RESELLER_STATUS_UNSPECIFIED {
		status = rules.EnumWord(r.GetStatus().String(), "RESELLER_STATUS_")
	}
	edition := "standard"
	if r.GetEdition() != eventsv1.ResellerEdition_RESELLER_EDITION_UNSPECIFIED {
		edition = rules.EnumWord(r.GetEdition().String(), "RESELLER_EDITION_")
	}
	return Reseller{
		ID: r.GetResellerId(), ParentID: r.GetParentId(), Name: r.GetName(), Domain: r.GetDomain(),
		Currency: r.GetCurrency(), Country: company.Country, Email: company.Email, PriceListID: r.GetPriceListId(),
		Manager: r.GetManager(), Company: company,
		Contacts:         contacts(r.GetContacts()),
		CustomAttributes: r.GetCustomAttributes(), Status: status, Edition: edition,
		CreatedAt: storedTime(createdAt(r.GetCreatedAt(), updated)), UpdatedAt: storedTime(updated),
		Version: e.GetMeta().GetVersion(),
	}
}

func contacts(p *eventsv1.ResellerContacts) ResellerContacts {
	return ResellerContacts{FirstName: p.GetFirstName(), LastName: p.GetLastName(), MiddleName: p.GetMiddleName(),
		Position: p.GetPosition(), Phone: p.GetPhone(), Email: p.GetEmail()}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// createdAt is the back-office's creation time, or the event's time when
// the back-office did not send one.
func createdAt(created, occurred *timestamppb.Timestamp) *timestamppb.Timestamp {
	if created != nil {
		return created
	}
	return occurred
}

// storedTime is t as the read model stores it: BSON dates hold
// milliseconds, so a document made from an event (a webhook's data) shows
// the same times as the one read back from the store (the API's answer).
func storedTime(t *timestamppb.Timestamp) time.Time {
	return t.AsTime().Truncate(time.Millisecond)
}
