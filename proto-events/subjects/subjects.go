// Package subjects is the catalogue of NATS subjects and JetStream streams
// the platform's events travel on. proto-events/README.md documents the same
// catalogue for people; this package is the one the code uses.
package subjects

import "time"

// Subjects of the directory bounded context (stream DIRECTORY).
const (
	// ResellerChanged carries eventsv1.ResellerChanged.
	ResellerChanged = "directory.reseller.changed"
	// AccountChanged carries eventsv1.AccountChanged.
	AccountChanged = "directory.account.changed"
)

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
}

// Streams returns every stream of the platform.
func Streams() []Stream {
	return []Stream{
		{Name: "DIRECTORY", Subjects: []string{"directory.>"}},
		{Name: "CATALOG", Subjects: []string{"catalog.>"}},
		{Name: "INVOICING", Subjects: []string{"invoicing.>"}},
		{Name: "AUTH", Subjects: []string{"auth.>"}},
		{Name: "DEADLETTER", Subjects: []string{"deadletter.>"}, MaxAge: 30 * 24 * time.Hour},
	}
}
