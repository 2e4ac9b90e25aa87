package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/resellerapi/platform/proto-events/rules"
)

// Role decides which API methods a manager's tokens may call.
type Role string

// Manager roles.
const (
	// RoleAdmin may call every read method.
	RoleAdmin Role = "admin"
	// RoleBilling may read products, invoices and its own profile.
	RoleBilling Role = "billing"
	// RoleSupport may read accounts and reseller profiles.
	RoleSupport Role = "support"
)

// Roles lists the roles, in the order they are documented.
func Roles() []Role { return []Role{RoleAdmin, RoleBilling, RoleSupport} }

// Manager is a person of a reseller who calls the API with API tokens.
type Manager struct {
	ID         string
	ResellerID string
	Name       string
	Email      string
	Role       Role
	CreatedAt  time.Time
}

// NewManager validates a manager to create.
func NewManager(id, resellerID, name, email string, role Role, now time.Time) (Manager, error) {
	var roleErr, emailErr error
	if !slices.Contains(Roles(), role) {
		roleErr = fmt.Errorf("role %q must be one of admin, billing, support", role)
	}
	if email == "" {
		emailErr = errors.New("email is required")
	}
	if err := errors.Join(rules.Text("name", name, 200), emailErr, rules.Email("email", email), roleErr); err != nil {
		return Manager{}, fmt.Errorf("%w: %s", ErrInvalid, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return Manager{ID: id, ResellerID: resellerID, Name: name, Email: email, Role: role, CreatedAt: now}, nil
}

// ManagerToken is a manager's API token: only its SHA-256 digest is kept.
type ManagerToken struct {
	ID         string
	ManagerID  string
	ResellerID string
	Role       Role
	Digest     []byte
	CreatedAt  time.Time
	Revoked    bool
}
