// Package domain holds the directory's model: resellers and the end
// customer accounts they sell to, and the rules a valid one obeys.
package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/resellerapi/platform/pkg/validate"
)

// ErrInvalid is wrapped by every validation error: such a record can never
// be stored, whatever is retried.
var ErrInvalid = errors.New("invalid")

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
	CreatedAt  time.Time
	// UpdatedAt is when the change that produced Version happened.
	UpdatedAt time.Time
	Version   int64
}

// NewAccount returns a validated account.
func NewAccount(a Account) (Account, error) {
	var status error
	switch a.Status {
	case AccountActive, AccountSuspended, AccountClosed:
	default:
		status = fmt.Errorf("status %q is not one of active, suspended, closed", a.Status)
	}
	if err := errors.Join(
		validate.ID("account_id", a.ID),
		validate.ID("reseller_id", a.ResellerID),
		version(a.Version),
		validate.Text("name", a.Name, 200),
		validate.Email("email", a.Email),
		validate.Phone("phone", a.Phone),
		validate.Country("country", a.Country),
		status,
		times(a.CreatedAt, a.UpdatedAt),
	); err != nil {
		return Account{}, invalid("account", a.ID, err)
	}
	return a, nil
}

// Reseller is a reseller of the distributor at one version.
type Reseller struct {
	ID string
	// ParentID is empty for a top-level reseller.
	ParentID  string
	Name      string
	Domain    string
	Currency  string
	Country   string
	Email     string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// NewReseller returns a validated reseller.
func NewReseller(r Reseller) (Reseller, error) {
	var parent error
	if r.ParentID != "" {
		parent = validate.ID("parent_id", r.ParentID)
		if r.ParentID == r.ID {
			parent = fmt.Errorf("parent_id %q is the reseller itself", r.ParentID)
		}
	}
	if err := errors.Join(
		validate.ID("reseller_id", r.ID),
		parent,
		version(r.Version),
		validate.Text("name", r.Name, 200),
		validate.OptionalText("domain", r.Domain, 253),
		validate.Currency("currency", r.Currency),
		validate.Country("country", r.Country),
		validate.Email("email", r.Email),
		times(r.CreatedAt, r.UpdatedAt),
	); err != nil {
		return Reseller{}, invalid("reseller", r.ID, err)
	}
	return r, nil
}

func version(v int64) error {
	if v < 1 {
		return fmt.Errorf("version must be 1 or more, got %d", v)
	}
	return nil
}

func times(created, updated time.Time) error {
	if created.IsZero() || updated.IsZero() {
		return errors.New("created and updated times are required")
	}
	return nil
}

func invalid(kind, id string, err error) error {
	return fmt.Errorf("%w %s %q: %s", ErrInvalid, kind, id, strings.ReplaceAll(err.Error(), "\n", "; "))
}
