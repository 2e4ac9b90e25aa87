package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestNewUserRequestValidate(t *testing.T) {
	ok := NewUserRequest{ResellerID: "r1", Username: "alice.dev", Email: "alice@acme.example", Password: "Correct-Horse-9", ConfirmPassword: "Correct-Horse-9"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid request refused: %v", err)
	}
	tests := map[string]struct {
		mutate func(*NewUserRequest)
		want   string
	}{
		"mismatch":          {func(r *NewUserRequest) { r.ConfirmPassword = "Other-Horse-9" }, "do not match"},
		"short":             {func(r *NewUserRequest) { r.Password, r.ConfirmPassword = "Ab1!", "Ab1!" }, "10 to 72"},
		"two classes":       {func(r *NewUserRequest) { r.Password, r.ConfirmPassword = "abcdefghij12", "abcdefghij12" }, "three of"},
		"has username":      {func(r *NewUserRequest) { r.Password, r.ConfirmPassword = "ALICE.dev-2026", "ALICE.dev-2026" }, "username"},
		"bad username":      {func(r *NewUserRequest) { r.Username = "a b" }, "username must be"},
		"no email":          {func(r *NewUserRequest) { r.Email = "" }, "email is required"},
		"bad email":         {func(r *NewUserRequest) { r.Email = "alice" }, "e-mail"},
		"too long for hash": {func(r *NewUserRequest) { p := "Aa1-" + strings.Repeat("x", 70); r.Password, r.ConfirmPassword = p, p }, "10 to 72"},
	}
	for name, tt := range tests {
		r := ok
		tt.mutate(&r)
		err := r.Validate()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want ErrInvalid mentioning %q", name, err, tt.want)
		}
	}
}

func TestUsernameKey(t *testing.T) {
	if UsernameKey("Alice") != UsernameKey("alice") {
		t.Error("usernames differ by case")
	}
}

// A change that validates leaves a user the policies accept.
func FuzzUserChange(f *testing.F) {
	f.Add("dora@acme.example", "Second-Pass-2026", "Second-Pass-2026", true, true, true)
	f.Add("", "short", "short", false, true, false)
	f.Fuzz(func(t *testing.T, email, password, confirm string, hasEmail, hasPassword, hasConfirm bool) {
		var c UserChange
		if hasEmail {
			c.Email = &email
		}
		if hasPassword {
			c.Password = &password
		}
		if hasConfirm {
			c.ConfirmPassword = &confirm
		}
		u := AppUser{Username: "dora"}
		if c.Validate(u) != nil {
			return
		}
		if hasPassword && (PasswordPolicy(password, u.Username) != nil || !hasConfirm || confirm != password) {
			t.Fatalf("accepted password %q / %q", password, confirm)
		}
		if hasEmail && email == "" {
			t.Fatal("accepted an empty e-mail")
		}
		if !hasPassword && hasConfirm {
			t.Fatal("accepted confirmPassword without password")
		}
	})
}

func TestNewUserRequestNamesEachBadField(t *testing.T) {
	err := NewUserRequest{Username: "ok-user", Email: "not-an-email", Password: "Reseller-Api-2026", ConfirmPassword: "other"}.Validate()
	var fields InvalidFields
	if !errors.As(err, &fields) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want InvalidFields that is ErrInvalid", err)
	}
	var names []string
	for _, f := range fields {
		names = append(names, f.Field)
	}
	if strings.Join(names, ",") != "email,confirmPassword" {
		t.Fatalf("fields %v, want email and confirmPassword", names)
	}
	if !strings.HasPrefix(err.Error(), "invalid: ") || !strings.Contains(err.Error(), "; ") {
		t.Fatalf("message %q, want the API's joined form", err.Error())
	}
}
