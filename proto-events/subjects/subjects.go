// Package subjects is the catalogue of NATS subjects and JetStream streams
// the platform's events travel on. proto-events/README.md documents the same
// catalogue for people; this package is the one the code uses.
package subjects

import "time"

// Subjects name the aggregate: "<context>.<aggregate>.changed.<aggregate id>".
// A stream can then keep only the latest message per subject (the current
// state of every aggregate), an operator can read one aggregate's history
// with a subject filter, and consumers subscribe to every aggregate with
// the wildcard (">" also matches ids that contain dots).

// Subjects of the directory bounded context (stream DIRECTORY).
const (
	// ResellersChanged matches every reseller's eventsv1.ResellerChanged.
	ResellersChanged = "directory.reseller.changed.>"
	// AccountsChanged matches every account's eventsv1.AccountChanged.
	AccountsChanged = "directory.account.changed.>"
)

// ResellerChanged is the subject of the events of reseller id.
func ResellerChanged(id string) string { return "directory.reseller.changed." + id }

// AccountChanged is the subject of the events of account id.
func AccountChanged(id string) string { return "directory.account.changed." + id }

// Subjects of the catalog bounded context (stream CATALOG).
const (
	// ProductsChanged matches every product's eventsv1.ProductChanged.
	ProductsChanged = "catalog.product.changed.>"
	// PriceListsChanged matches every price list's eventsv1.PriceListChanged.
	PriceListsChanged = "catalog.price_list.changed.>"
)

// ProductChanged is the subject of the events of product id.
func ProductChanged(id string) string { return "catalog.product.changed." + id }

// PriceListChanged is the subject of the events of price list id.
func PriceListChanged(id string) string { return "catalog.price_list.changed." + id }

// Subjects of the invoicing bounded context (stream INVOICING).
const (
	// InvoicesChanged matches every invoice's eventsv1.InvoiceChanged.
	InvoicesChanged = "invoicing.invoice.changed.>"
	// PaymentsChanged matches every payment's eventsv1.PaymentChanged.
	PaymentsChanged = "invoicing.payment.changed.>"
)

// InvoiceChanged is the subject of the events of invoice id.
func InvoiceChanged(id string) string { return "invoicing.invoice.changed." + id }

// PaymentChanged is the subject of the events of payment id.
func PaymentChanged(id string) string { return "invoicing.payment.changed." + id }

// Subjects of the auth bounded context (stream AUTH).
const (
	// ManagerTokensChanged matches every manager token's eventsv1.ManagerTokenChanged.
	ManagerTokensChanged = "auth.manager_token.changed.>"
	// AppUsersChanged matches every Application User's eventsv1.AppUserChanged.
	AppUsersChanged = "auth.app_user.changed.>"
	// AccessTokensRevoked matches every eventsv1.AccessTokenRevoked.
	AccessTokensRevoked = "auth.access_token.revoked.>"
	// APICredentialsChanged matches every reseller's eventsv1.ApiCredentialsChanged.
	APICredentialsChanged = "auth.api_credentials.changed.>"
	// SigningKeysChanged matches every signing key's eventsv1.SigningKeyChanged.
	SigningKeysChanged = "auth.signing_key.changed.>"
	// APIActivationChanged is the subject of every
	// eventsv1.ApiActivationChanged: the Reseller API's activation is one
	// aggregate, with id APIActivation.
	APIActivationChanged = "auth.api_activation.changed." + APIActivation
)

// ResellerAPICredentialsChanged is the subject of the events of reseller
// id's Reseller API credentials.
func ResellerAPICredentialsChanged(id string) string { return "auth.api_credentials.changed." + id }

// SigningKeyChanged is the subject of the events of signing key id.
func SigningKeyChanged(id string) string { return "auth.signing_key.changed." + id }

// APIActivation is the aggregate id of the Reseller API's activation.
const APIActivation = "reseller-api"

// ManagerTokenChanged is the subject of the events of manager token id.
func ManagerTokenChanged(id string) string { return "auth.manager_token.changed." + id }

// AccessTokenRevoked is the subject of the revocation of access token id
// (its jti).
func AccessTokenRevoked(id string) string { return "auth.access_token.revoked." + id }

// AppUserChanged is the subject of the events of Application User id.
func AppUserChanged(id string) string { return "auth.app_user.changed." + id }

// SecurityEvent is the subject of auth's security event id of kind, e.g.
// "audit.auth.login.failed.<event id>" (each event is its own aggregate);
// SecurityEvents matches them all.
func SecurityEvent(kind, id string) string { return "audit.auth." + kind + "." + id }

// SecurityEvents matches every eventsv1.SecurityEvent.
const SecurityEvents = "audit.auth.>"

// DeadLetter returns the subject a consumer of service dead-letters the
// events it can never process to, e.g. "deadletter.directory".
func DeadLetter(service string) string { return "deadletter." + service }

// Stream is a JetStream stream and the subjects it captures. Stream names
// may not contain dots, so there is one stream per bounded context.
type Stream struct {
	Name     string
	Subjects []string
	// MaxAge bounds how long messages are kept; zero keeps them until
	// removed by hand (streams that read models are rebuilt from).
	MaxAge time.Duration
	// LatestPerSubject keeps only the last message of every subject: with
	// one subject per aggregate and state-carried events, the stream is a
	// compacted log of the latest state of every aggregate, as large as
	// their number, from which any read model is rebuilt.
	LatestPerSubject bool
	// NewestVersionOnly: the versions are the source's (the back-office's),
	// so a publish of a version older than, or as old as, the one the
	// stream holds for its aggregate is dropped (a late retry must not
	// replace the newer state in the compacted stream).
	NewestVersionOnly bool
}

// Streams returns every stream of the platform.
func Streams() []Stream {
	return []Stream{
		{Name: "DIRECTORY", Subjects: []string{"directory.>"}, LatestPerSubject: true, NewestVersionOnly: true},
		{Name: "CATALOG", Subjects: []string{"catalog.>"}, LatestPerSubject: true, NewestVersionOnly: true},
		{Name: "INVOICING", Subjects: []string{"invoicing.>"}, LatestPerSubject: true, NewestVersionOnly: true},
		// The audit trail: kept a year, not a read model's source.
		{Name: "AUDIT", Subjects: []string{"audit.>"}, MaxAge: 365 * 24 * time.Hour},
		// What every edge replica holds in memory; each event carries all
		// it needs (retired keys, the last deactivation's cut-off).
		{Name: "AUTH", Subjects: []string{"auth.>"}, LatestPerSubject: true},
		{Name: "DEADLETTER", Subjects: []string{"deadletter.>"}, MaxAge: 30 * 24 * time.Hour},
	}
}
