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
// enough to name it and to refuse users for resellers that do not exist.
type Reseller struct {
	ID      string
	Name    string
	Version int64
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
	if err := errors.Join(username, email, PasswordPolicy(r.Password, r.Username), confirm); err != nil {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return nil
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
