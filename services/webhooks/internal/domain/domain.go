// Package domain holds the webhooks model: the reseller-facing event
// types, a reseller's subscriptions and what each wants, the retry
// schedule of a delivery and the rules a target URL must follow.
package domain

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"time"
)

// EventType names a reseller-facing event, as it appears in a delivery's
// "type" and in a subscription's event list.
type EventType string

// The event types, documented in the edge's OpenAPI document.
const (
	AccountCreated       EventType = "account.created"
	AccountUpdated       EventType = "account.updated"
	AccountStatusChanged EventType = "account.status_changed"
	InvoiceIssued        EventType = "invoice.issued"
	InvoiceUpdated       EventType = "invoice.updated"
	InvoicePaid          EventType = "invoice.paid"
	InvoicePartiallyPaid EventType = "invoice.partially_paid"
	InvoiceVoided        EventType = "invoice.voided"
	PaymentReceived      EventType = "payment.received"
	ProductPriceChanged  EventType = "product.price_changed"
	ProductWithdrawn     EventType = "product.withdrawn"
	ResellerUpdated      EventType = "reseller.updated"
	// Ping is what POST /api/webhooks/{id}/test sends; it is delivered
	// whatever the subscription's event list.
	Ping EventType = "webhook.ping"
)

// EventTypes are the types a subscription can ask for, in documentation
// order.
var EventTypes = []EventType{
	AccountCreated, AccountUpdated, AccountStatusChanged,
	InvoiceIssued, InvoiceUpdated, InvoicePaid, InvoicePartiallyPaid, InvoiceVoided,
	PaymentReceived, ProductPriceChanged, ProductWithdrawn, ResellerUpdated,
}

// AllEvents in a subscription's event list asks for every type.
const AllEvents = "*"

// ErrInvalid marks a subscription the caller asked for wrongly; its
// message says what and how to fix it.
var ErrInvalid = errors.New("invalid subscription")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// ParseEvents reads a subscription's event list: known types or "*"
// alone, no duplicates, at least one.
func ParseEvents(names []string) ([]EventType, error) {
	if len(names) == 0 {
		return nil, invalid(`events must name at least one event type, or "*" for all`)
	}
	if slices.Contains(names, AllEvents) {
		if len(names) > 1 {
			return nil, invalid(`events: "*" already means every type; give it alone`)
		}
		return []EventType{AllEvents}, nil
	}
	out := make([]EventType, 0, len(names))
	for _, n := range names {
		t := EventType(n)
		if !slices.Contains(EventTypes, t) {
			return nil, invalid("events: %q is not an event type; known types: %s", n, typeList())
		}
		if slices.Contains(out, t) {
			return nil, invalid("events: %q is listed twice", n)
		}
		out = append(out, t)
	}
	return out, nil
}

func typeList() string {
	names := make([]string, len(EventTypes))
	for i, t := range EventTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// Status is a subscription's delivery state.
type Status string

const (
	// Active subscriptions receive their events.
	Active Status = "active"
	// Paused subscriptions keep their events queued until resumed.
	Paused Status = "paused"
	// Disabled subscriptions receive nothing: the endpoint answered 410
	// Gone or failed for longer than FailingFor. DisabledReason says which.
	Disabled Status = "disabled"
)

// Subscription is one endpoint of a reseller.
type Subscription struct {
	ID          string
	ResellerID  string
	URL         string
	Description string
	Events      []EventType
	// IncludeDownstream asks for the events of downstream resellers'
	// profiles too (reseller.updated), not only the reseller's own.
	IncludeDownstream bool
	Status            Status
	DisabledReason    string
	// FailingSince is when the endpoint started failing every attempt;
	// zero while it succeeds.
	FailingSince time.Time
	// Secrets sign its deliveries: the current one first, then rotated
	// ones until their grace period ends.
	Secrets   []Secret
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Secret is one signing secret of a subscription.
type Secret struct {
	Value string
	// Expires is when a rotated-out secret stops signing; zero for the
	// current one.
	Expires time.Time
}

// SigningSecrets are the secrets that sign a delivery sent at now.
func (s Subscription) SigningSecrets(now time.Time) []string {
	var out []string
	for _, sec := range s.Secrets {
		if sec.Expires.IsZero() || now.Before(sec.Expires) {
			out = append(out, sec.Value)
		}
	}
	return out
}

// Wants reports whether s is to be sent an event of type t about reseller
// about (the reseller the object belongs to; for reseller.updated the
// profile's). downstream says whether about is below s's reseller.
func (s Subscription) Wants(t EventType, downstream bool) bool {
	if t == Ping {
		return true
	}
	if downstream && !(t == ResellerUpdated && s.IncludeDownstream) {
		return false
	}
	return slices.Contains(s.Events, AllEvents) || slices.Contains(s.Events, t)
}

// MaxURLLength bounds a subscription's URL.
const MaxURLLength = 2048

// ParseURL checks a subscription's target: an absolute https URL with a
// host, no user information and no fragment. allowPlainHTTP admits http
// as well (local runs and tests: WEBHOOKS_ALLOW_PRIVATE_TARGETS). Which
// addresses the host may resolve to is checked when dialling.
func ParseURL(raw string, allowPlainHTTP bool) (*url.URL, error) {
	if len(raw) > MaxURLLength {
		return nil, invalid("url is longer than %d characters", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		return nil, invalid("url must be an absolute https URL, such as https://hooks.example.com/reseller-api")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowPlainHTTP:
	default:
		return nil, invalid("url must use https, not %q", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, invalid("url has no host")
	}
	if u.User != nil {
		return nil, invalid("url must not carry a user name or password; authenticate deliveries by their signature")
	}
	if u.Fragment != "" || u.RawFragment != "" {
		return nil, invalid("url must not have a fragment")
	}
	return u, nil
}

// RetrySchedule is the wait before each retry of a failed delivery: about
// a day in all. After the last, the delivery has failed for good.
var RetrySchedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour,
}

// NextAttempt is when to try a delivery again after its attempt-th
// attempt (1 for the first) failed at failedAt, with up to a fifth of the
// wait added at random so that an endpoint's failed deliveries do not all
// come back at once; ok is false when no retry is left.
func NextAttempt(attempt int, failedAt time.Time) (next time.Time, ok bool) {
	if attempt < 1 || attempt > len(RetrySchedule) {
		return time.Time{}, false
	}
	wait := RetrySchedule[attempt-1]
	jitter := time.Duration(rand.Int64N(int64(wait/5) + 1))
	return failedAt.Add(wait + jitter), true
}

// FailingFor is how long an endpoint may fail every attempt before it is
// disabled.
const FailingFor = 5 * 24 * time.Hour

// Outcome is what became of one attempt.
type Outcome string

const (
	// Delivered: the endpoint answered 2xx within the timeout.
	Delivered Outcome = "delivered"
	// Failed: any other answer, a timeout or a connection error; retried.
	Failed Outcome = "failed"
	// Gone: the endpoint answered 410; the subscription is disabled.
	Gone Outcome = "gone"
	// Refused: the target is not allowed (an address the policy
	// forbids); retried like a failure, as DNS may change.
	Refused Outcome = "refused"
)

// OutcomeOf classifies an HTTP answer's status.
func OutcomeOf(status int) Outcome {
	switch {
	case status >= 200 && status < 300:
		return Delivered
	case status == 410:
		return Gone
	default:
		return Failed
	}
}
