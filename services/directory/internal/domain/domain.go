// Package domain holds the directory's model: resellers and the end
// customer accounts they sell to. What makes one valid is declared once,
// with the event contract, in proto-events/rules: the back-office checks
// it before publishing and the event bus again before a handler runs.
package domain

import "time"

// AccountStatus is the lifecycle state of an account.
type AccountStatus string

// Account statuses.
const (
	AccountActive    AccountStatus = "active"
	AccountSuspended AccountStatus = "suspended"
	AccountClosed    AccountStatus = "closed"
)

// Account is an end customer of a reseller at one version.
type Account struct {
	ID         string
	ResellerID string
	Name       string
	Email      string
	Phone      string
	Country    string
	Status     AccountStatus
	// Currency is the ISO 4217 code the account is billed in.
	Currency       string
	BillingAddress Address
	PrimaryContact Contacts
	CreatedAt      time.Time
	// UpdatedAt is when the change that produced Version happened.
	UpdatedAt time.Time
	Version   int64
}

// Reseller is a reseller of the distributor at one version.
type Reseller struct {
	ID string
	// ParentID is empty for a top-level reseller.
	ParentID string
	Name     string
	Domain   string
	Currency string
	Country  string
	Email    string
	// PriceListID is the reseller's own price list; empty inherits the
	// nearest ancestor's.
	PriceListID      string
	Manager          string
	Company          Company
	Contacts         Contacts
	CustomAttributes map[string]string
	Status           string // active, suspended, closed
	Edition          string // standard, free
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Version          int64
}

// Company is the company of a reseller's profile. Country and Email are
// the one source of truth: the event's flat shorthands fill them in.
type Company struct {
	Name, AddressLine1, AddressLine2, City, State, Zip, Country, Phone, Fax, Email string
}

// Address is a postal address.
type Address struct {
	AddressLine1, AddressLine2, City, State, Zip, Country string
}

// Contacts is the contact person of a reseller's profile.
type Contacts struct {
	FirstName, LastName, MiddleName, Position, Phone, Email string
}
