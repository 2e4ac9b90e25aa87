package domain

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"
)

// DeliveryState is where a delivery stands.
type DeliveryState string

const (
	// Pending deliveries are queued: due at NextAt, or held while their
	// subscription is paused.
	Pending DeliveryState = "pending"
	// Succeeded deliveries were answered 2xx.
	Succeeded DeliveryState = "succeeded"
	// Exhausted deliveries failed every attempt of the schedule; a retry
	// or a replay sends them again.
	Exhausted DeliveryState = "exhausted"
	// Cancelled deliveries belong to a subscription that was disabled
	// (410 Gone, failing for days) before they were sent.
	Cancelled DeliveryState = "cancelled"
)

// Delivery is one event to send to one subscription. Every attempt
// carries its ID as webhook-id, so receivers deduplicate on it.
type Delivery struct {
	ID             string
	SubscriptionID string
	ResellerID     string
	EventID        string
	Type           EventType
	// Body is the payload, {type, timestamp, data}, signed as it is sent.
	Body  []byte
	State DeliveryState
	// Held deliveries wait for their paused subscription to resume.
	Held     bool
	NextAt   time.Time
	Attempts []Attempt
	// Tries counts the attempts of its current schedule, which began at
	// Since: when it was queued (zero), retried or replayed.
	Tries     int
	Since     time.Time
	CreatedAt time.Time
	// Trace is the trace context of the change that queued it
	// (traceparent, tracestate): its attempts continue that trace.
	Trace map[string]string
}

// Attempt is one try of a delivery.
type Attempt struct {
	At       time.Time
	Outcome  Outcome
	Status   int // the HTTP status; 0 when there was no answer
	Duration time.Duration
	// Error says what went wrong without an answer (timeout, refused
	// address, connection error).
	Error string
	// Response is the start of the answer's body.
	Response string
}

// DeliveryID is the id of the delivery of the change of type t that event
// eventID made to subscription subscriptionID: the same however often the
// event is seen, so enqueueing it twice is harmless.
func DeliveryID(eventID string, t EventType, subscriptionID string) string {
	h := sha256.Sum256([]byte(eventID + "/" + string(t) + "\x00" + subscriptionID + "\x00"))
	return "msg_" + base64.RawURLEncoding.EncodeToString(h[:18])
}

// After records attempt a of d and says what follows: the next state, and
// when it is Pending, the time of the next attempt.
func (d *Delivery) After(a Attempt) {
	d.Attempts = append(d.Attempts, a)
	d.Tries++
	switch a.Outcome {
	case Delivered:
		d.State = Succeeded
		return
	case Gone:
		d.State = Cancelled
		return
	}
	next, ok := NextAttempt(d.Tries, a.At)
	if !ok {
		d.State = Exhausted
		return
	}
	d.State, d.NextAt = Pending, next
}

// Describe says in a few words what an attempt got.
func (a Attempt) Describe() string {
	if a.Status != 0 {
		return fmt.Sprintf("HTTP %d", a.Status)
	}
	return a.Error
}
