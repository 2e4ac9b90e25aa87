// Package subjects is the catalogue of NATS subjects and JetStream streams
// the platform's events travel on. proto-events/README.md documents the same
// catalogue for people; this package is the one the code uses.
//
// Each bounded context declares its topics in a file of its own
// (directory.go, catalog.go, invoicing.go, auth.go): a Topic binds a family
// of subjects to the one event type published there and to the rules its
// events must pass, so a handler or publisher whose event type disagrees
// with the subject does not compile, and a new event type is declared in
// one place, beside its context's others.
package subjects

import (
	"time"

	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
)

// Subjects name the aggregate: "<context>.<aggregate>.changed.<aggregate id>".
// A stream can then keep only the latest message per subject (the current
// state of every aggregate), an operator can read one aggregate's history
// with a subject filter, and consumers subscribe to every aggregate with
// the wildcard (">" also matches ids that contain dots).

// Event is a protobuf event carrying the common envelope.
type Event interface {
	proto.Message
	GetMeta() *eventsv1.EventMeta
}

// Topic is the family of subjects events of type E travel on, with the
// rules those events must pass to be published or handled.
type Topic[E Event] struct {
	prefix string
	// subject names an event's subject after the prefix (default: its
	// aggregate id).
	subject func(E) string
	rules   func(E) error
}

func topic[E Event](prefix string, rules func(E) error) Topic[E] {
	return Topic[E]{prefix: prefix, rules: rules}
}

// Pattern matches every subject of the topic: what consumers subscribe to.
func (t Topic[E]) Pattern() string { return t.prefix + ">" }

// Of is the subject of the events of aggregate id.
func (t Topic[E]) Of(id string) string { return t.prefix + id }

// Subject is the subject ev is published on.
func (t Topic[E]) Subject(ev E) string {
	if t.subject != nil {
		return t.prefix + t.subject(ev)
	}
	return t.prefix + ev.GetMeta().GetAggregateId()
}

// Check returns what is wrong with ev by the topic's rules, or nil.
func (t Topic[E]) Check(ev E) error { return t.rules(ev) }

// DeadLetter returns the subject a consumer of service dead-letters the
// events it can never process to, e.g. "deadletter.directory".
func DeadLetter(service string) string { return "deadletter." + service }

// Stream is a JetStream stream and the subjects it captures. Stream names
// may not contain dots, so there is one stream per bounded context.
type Stream struct {
	Name     string
	Subjects []string
	// MaxAge bounds how long messages are kept; zero keeps them until
	// removed by hand (streams that read models are rebuilt from).
	MaxAge time.Duration
	// LatestPerSubject keeps only the last message of every subject: with
	// one subject per aggregate and state-carried events, the stream is a
	// compacted log of the latest state of every aggregate, as large as
	// their number, from which any read model is rebuilt.
	LatestPerSubject bool
	// NewestVersionOnly: the versions are the source's (the back-office's),
	// so a publish of a version older than, or as old as, the one the
	// stream holds for its aggregate is dropped (a late retry must not
	// replace the newer state in the compacted stream).
	NewestVersionOnly bool
}

// Streams returns every stream of the platform.
func Streams() []Stream {
	return []Stream{
		{Name: "DIRECTORY", Subjects: []string{"directory.>"}, LatestPerSubject: true, NewestVersionOnly: true},
		{Name: "CATALOG", Subjects: []string{"catalog.>"}, LatestPerSubject: true, NewestVersionOnly: true},
		{Name: "INVOICING", Subjects: []string{"invoicing.>"}, LatestPerSubject: true, NewestVersionOnly: true},
		// The audit trail: kept a year, not a read model's source.
		{Name: "AUDIT", Subjects: []string{"audit.>"}, MaxAge: 365 * 24 * time.Hour},
		// What every edge replica holds in memory; each event carries all
		// it needs (retired keys, the last deactivation's cut-off).
		{Name: "AUTH", Subjects: []string{"auth.>"}, LatestPerSubject: true},
		{Name: "DEADLETTER", Subjects: []string{"deadletter.>"}, MaxAge: 30 * 24 * time.Hour},
	}
}
