// Package domain holds the auth service's model: the Reseller API the
// distributor activates and every reseller's own client credentials, the Application Users resellers
// create to log in through the API, and the resellers auth knows of.
package domain

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/resellerapi/platform/proto-events/rules"
)

// Errors the use cases return; ports map them to HTTP statuses.
var (
	// ErrInvalid: the input breaks a rule (400).
	ErrInvalid = errors.New("invalid")
	// ErrNotFound: the object does not exist (404).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the request collides with the current state (409).
	ErrConflict = errors.New("conflict")
)

// Reseller is what auth knows of a reseller, from the directory's events:
// enough to name it, to refuse users for resellers that do not exist and
// to tell a reseller's storefront why its API access is refused.
type Reseller struct {
	ID   string
	Name string
	// Status is active, suspended or closed ("" for resellers stored
	// before auth kept it: active).
	Status string
	// Edition is standard or free ("" before auth kept it: standard).
	Edition string
	Version int64
}

// Reseller statuses and editions, as the directory's events name them.
const (
	ResellerActive    = "active"
	ResellerSuspended = "suspended"
	ResellerClosed    = "closed"
	EditionStandard   = "standard"
	EditionFree       = "free"
)

// APIRefusal says why this reseller's tokens are refused by the API, or ""
// when they are not: as the edge decides from the same events.
func (r Reseller) APIRefusal() string {
	switch {
	case r.Status == ResellerSuspended:
		return "This reseller is suspended: the API refuses its tokens until the distributor reactivates it."
	case r.Status == ResellerClosed:
		return "This reseller is closed: the API refuses its tokens."
	case r.Edition == EditionFree:
		return "This reseller is on the Free edition: Application Users can be added, but API access needs the Standard edition."
	}
	return ""
}

// AppUser is an Application User: a login of one reseller's integration.
type AppUser struct {
	ID           string
	ResellerID   string
	Username     string
	Email        string
	PasswordHash []byte
	Disabled     bool
	CreatedAt    time.Time
	// TokensNotBefore: access tokens issued in or before this second are
	// refused (set when the password changes or the user is disabled).
	TokensNotBefore time.Time
	// Version grows with every change (1 when created).
	Version int64
}

// UserChange is a change of an Application User; nil fields stay as they
// are.
type UserChange struct {
	Email           *string
	Password        *string
	ConfirmPassword *string
	Disabled        *bool
}

// Describe says what the change changes, never the values themselves
// (for the audit trail).
func (c UserChange) Describe() string {
	var parts []string
	if c.Email != nil {
		parts = append(parts, "e-mail changed")
	}
	if c.Password != nil {
		parts = append(parts, "password changed")
	}
	if c.Disabled != nil && *c.Disabled {
		parts = append(parts, "disabled")
	} else if c.Disabled != nil {
		parts = append(parts, "enabled")
	}
	return strings.Join(parts, ", ")
}

// Validate checks the change against the user it applies to.
func (c UserChange) Validate(u AppUser) error {
	var problems []error
	if c.Email != nil {
		problems = append(problems, rules.Email("email", *c.Email))
		if *c.Email == "" {
			problems = append(problems, errors.New("email cannot be empty"))
		}
	}
	switch {
	case c.Password == nil && c.ConfirmPassword != nil:
		problems = append(problems, errors.New("confirmPassword goes with password"))
	case c.Password != nil:
		problems = append(problems, PasswordPolicy(*c.Password, u.Username))
		if c.ConfirmPassword == nil || *c.ConfirmPassword != *c.Password {
			problems = append(problems, errors.New("password and confirmPassword do not match"))
		}
	}
	if err := errors.Join(problems...); err != nil {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return nil
}

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$`)

// UsernameKey is the form usernames are compared and stored unique in:
// "Alice" and "alice" are the same user.
func UsernameKey(username string) string { return strings.ToLower(username) }

// NewUserRequest is what a reseller submits to create an Application User.
type NewUserRequest struct {
	ResellerID      string
	Username        string
	Email           string
	Password        string
	ConfirmPassword string
}

// Validate checks the request, including the password policy, and says
// everything that is wrong at once.
func (r NewUserRequest) Validate() error {
	var username, email, confirm error
	if !usernamePattern.MatchString(r.Username) {
		username = errors.New("username must be 3-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit")
	}
	if r.Email == "" {
		email = errors.New("email is required")
	} else {
		email = rules.Email("email", r.Email)
	}
	if r.Password != r.ConfirmPassword {
		confirm = errors.New("password and confirmPassword do not match")
	}
	return fieldErrors(
		FieldError{"username", username}, FieldError{"email", email},
		FieldError{"password", PasswordPolicy(r.Password, r.Username)}, FieldError{"confirmPassword", confirm})
}

// FieldError is what is wrong with one field of a request.
type FieldError struct {
	// Field is the field as the API spells it (confirmPassword).
	Field string
	Err   error
}

// InvalidFields is a request refused for what is wrong with its fields:
// errors.Is(err, ErrInvalid) holds, and a form can show each message
// beside its field.
type InvalidFields []FieldError

func (e InvalidFields) Error() string {
	msgs := make([]string, len(e))
	for i, f := range e {
		msgs[i] = f.Err.Error()
	}
	return ErrInvalid.Error() + ": " + strings.Join(msgs, "; ")
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e InvalidFields) Unwrap() error { return ErrInvalid }

// fieldErrors is the InvalidFields of the fields with an error, or nil.
func fieldErrors(fields ...FieldError) error {
	var bad InvalidFields
	for _, f := range fields {
		if f.Err != nil {
			bad = append(bad, f)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return bad
}

// Password policy limits.
const (
	MinPasswordLength = 10
	// MaxPasswordLength is bcrypt's input limit.
	MaxPasswordLength = 72
)

// PasswordPolicy checks a new password: 10 to 72 bytes, at least three of
// lower case, upper case, digit and symbol, and not containing the
// username.
func PasswordPolicy(password, username string) error {
	if len(password) < MinPasswordLength || len(password) > MaxPasswordLength {
		return fmt.Errorf("password must be %d to %d characters long", MinPasswordLength, MaxPasswordLength)
	}
	var lower, upper, digit, symbol int
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			symbol = 1
		}
	}
	if lower+upper+digit+symbol < 3 {
		return errors.New("password must contain at least three of: lower case letters, upper case letters, digits, symbols")
	}
	if username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)) {
		return errors.New("password must not contain the username")
	}
	return nil
}
