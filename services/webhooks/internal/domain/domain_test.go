package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseEvents(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string // "" for valid; else part of the error
	}{
		{[]string{"*"}, ""},
		{[]string{"invoice.issued", "account.created"}, ""},
		{nil, "at least one"},
		{[]string{"*", "invoice.paid"}, "alone"},
		{[]string{"invoice.issued", "invoice.issued"}, "twice"},
		{[]string{"invoice.created"}, `"invoice.created" is not an event type`},
		{[]string{"webhook.ping"}, "not an event type"},
	} {
		got, err := ParseEvents(c.in)
		switch {
		case c.want == "" && (err != nil || len(got) != len(c.in)):
			t.Errorf("ParseEvents(%q) = %v, %v", c.in, got, err)
		case c.want != "" && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("ParseEvents(%q) error = %v, want one saying %q", c.in, err, c.want)
		}
	}
}

func TestWants(t *testing.T) {
	invoices := Subscription{Events: []EventType{InvoiceIssued, ResellerUpdated}}
	all := Subscription{Events: []EventType{AllEvents}, IncludeDownstream: true}
	for _, c := range []struct {
		name       string
		s          Subscription
		t          EventType
		downstream bool
		want       bool
	}{
		{"a listed type", invoices, InvoiceIssued, false, true},
		{"a type not listed", invoices, InvoicePaid, false, false},
		{"every type", all, PaymentReceived, false, true},
		{"a ping whatever the list", invoices, Ping, false, true},
		{"a downstream profile without includeDownstream", invoices, ResellerUpdated, true, false},
		{"a downstream profile with includeDownstream", all, ResellerUpdated, true, true},
		{"a downstream invoice, never", all, InvoiceIssued, true, false},
	} {
		if got := c.s.Wants(c.t, c.downstream); got != c.want {
			t.Errorf("%s: Wants = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		in        string
		plainHTTP bool
		want      string // "" for valid
	}{
		{"https://hooks.example.com/reseller-api?x=1", false, ""},
		{"http://127.0.0.1:8080/hook", true, ""},
		{"http://hooks.example.com/", false, `must use https, not "http"`},
		{"ftp://hooks.example.com/", true, "must use https"},
		{"/relative", false, "absolute"},
		{"https:opaque", false, "absolute"},
		{"https:///nohost", false, "no host"},
		{"https://user:pw@hooks.example.com/", false, "user name or password"},
		{"https://hooks.example.com/#frag", false, "fragment"},
		{"https://hooks.example.com/" + strings.Repeat("a", MaxURLLength), false, "longer than"},
		{"https://[::1", false, "absolute"},
	} {
		_, err := ParseURL(c.in, c.plainHTTP)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("ParseURL(%q) = %v", c.in, err)
		case c.want != "" && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("ParseURL(%q) error = %v, want one saying %q", c.in, err, c.want)
		}
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"https://hooks.example.com/a?b=c", "http://[::1]:80/", "https://u@h/", "x", "https://h/#f"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, raw string, plainHTTP bool) {
		u, err := ParseURL(raw, plainHTTP)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseURL(%q) error %v is not ErrInvalid", raw, err)
			}
			return
		}
		if u.Scheme != "https" && (!plainHTTP || u.Scheme != "http") {
			t.Errorf("ParseURL(%q) accepted scheme %q", raw, u.Scheme)
		}
		if u.Hostname() == "" || u.User != nil || u.Fragment != "" || len(raw) > MaxURLLength {
			t.Errorf("ParseURL(%q) accepted %#v", raw, u)
		}
	})
}

func TestNextAttempt(t *testing.T) {
	failed := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	var total time.Duration
	for i, wait := range RetrySchedule {
		for range 20 {
			next, ok := NextAttempt(i+1, failed)
			if d := next.Sub(failed); !ok || d < wait || d > wait+wait/5 {
				t.Fatalf("after attempt %d: next in %v (ok %v), want %v to %v", i+1, d, ok, wait, wait+wait/5)
			}
		}
		total += wait
	}
	if _, ok := NextAttempt(len(RetrySchedule)+1, failed); ok {
		t.Error("a retry after the last")
	}
	if _, ok := NextAttempt(0, failed); ok {
		t.Error("a retry before the first attempt")
	}
	if total < 24*time.Hour || total > 40*time.Hour {
		t.Errorf("the schedule spans %v, want about a day", total)
	}
}

func TestOutcomeOf(t *testing.T) {
	for status, want := range map[int]Outcome{200: Delivered, 204: Delivered, 299: Delivered, 301: Failed, 400: Failed, 410: Gone, 429: Failed, 500: Failed} {
		if got := OutcomeOf(status); got != want {
			t.Errorf("OutcomeOf(%d) = %s, want %s", status, got, want)
		}
	}
}
