package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func validAccount() Account {
	now := time.Now()
	return Account{ID: "a1", ResellerID: "r1", Name: "Acme", Email: "it@acme.example", Phone: "+302101234567",
		Country: "GR", Status: AccountActive, CreatedAt: now, UpdatedAt: now, Version: 1}
}

func TestNewAccount(t *testing.T) {
	if _, err := NewAccount(validAccount()); err != nil {
		t.Fatalf("valid account refused: %v", err)
	}
	tests := map[string]struct {
		mutate func(*Account)
		want   string
	}{
		"no reseller":  {func(a *Account) { a.ResellerID = "" }, "reseller_id is required"},
		"version 0":    {func(a *Account) { a.Version = 0 }, "version must be 1 or more"},
		"bad status":   {func(a *Account) { a.Status = "deleted" }, `status "deleted"`},
		"bad email":    {func(a *Account) { a.Email = "nope" }, "e-mail"},
		"bad phone":    {func(a *Account) { a.Phone = "555" }, "phone"},
		"no timestamp": {func(a *Account) { a.CreatedAt = time.Time{} }, "times are required"},
	}
	for name, tt := range tests {
		a := validAccount()
		tt.mutate(&a)
		_, err := NewAccount(a)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want ErrInvalid mentioning %q", name, err, tt.want)
		}
	}
}

func TestNewReseller(t *testing.T) {
	now := time.Now()
	r := Reseller{ID: "r2", ParentID: "r1", Name: "Two", Currency: "EUR", Country: "GR", CreatedAt: now, UpdatedAt: now, Version: 3}
	if _, err := NewReseller(r); err != nil {
		t.Fatalf("valid reseller refused: %v", err)
	}
	r.ParentID = "r2"
	if _, err := NewReseller(r); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "itself") {
		t.Errorf("own parent: err = %v", err)
	}
	r.ParentID, r.Currency = "", "euro"
	if _, err := NewReseller(r); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "ISO 4217") {
		t.Errorf("bad currency: err = %v", err)
	}
}
