// Package audit is auth's security trail: what each capability records of
// what happened (logins, revocations, keys, credentials), logged and
// published as a SecurityEvent, never with a secret, password or token.
package audit

import (
	"context"
	"log/slog"
)

// Record is one security event. It never holds a secret, password or
// token.
type Record struct {
	// Kind is what happened, e.g. "login.failed".
	Kind       string
	Subject    string // a user id, a service client key, or the username tried
	ResellerID string
	Detail     string
}

// Recorder keeps security events (auth publishes them as SecurityEvent on
// audit.auth.<kind>.<event id>).
type Recorder interface {
	Record(ctx context.Context, r Record, clientID, clientAddress string) error
}

// Trail logs what happened and records it: one call where a use case had a
// log line and an audit record side by side.
type Trail struct {
	log      *slog.Logger
	recorder Recorder
}

// NewTrail logs to log and records with recorder (nil: only logged).
func NewTrail(log *slog.Logger, recorder Recorder) Trail {
	return Trail{log: log, recorder: recorder}
}

// Note logs msg at level with attrs and records r. A failure to record is
// logged, never the reason a request fails.
func (t Trail) Note(ctx context.Context, level slog.Level, msg string, r Record, attrs ...any) {
	t.log.Log(ctx, level, msg, attrs...)
	if t.recorder == nil {
		return
	}
	if err := t.recorder.Record(ctx, r, ClientID(ctx), ClientAddress(ctx)); err != nil {
		t.log.WarnContext(ctx, "security event not recorded", "kind", r.Kind, "error", err.Error())
	}
}

// Logger is the trail's logger, for what is logged and not recorded.
func (t Trail) Logger() *slog.Logger { return t.log }

type clientIDKey struct{}

// WithClientID returns ctx carrying the OAuth client a request
// authenticates with, for the trail and for the password grant, which
// only lets that client's reseller's users log in.
func WithClientID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, clientIDKey{}, id)
}

// ClientID is the client WithClientID put in ctx, or "".
func ClientID(ctx context.Context) string {
	id, _ := ctx.Value(clientIDKey{}).(string)
	return id
}

type clientAddressKey struct{}

// WithClientAddress returns ctx carrying the address a request comes
// from, for the trail and the per-address login back-off.
func WithClientAddress(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddressKey{}, addr)
}

// ClientAddress is the address WithClientAddress put in ctx, or "".
func ClientAddress(ctx context.Context) string {
	addr, _ := ctx.Value(clientAddressKey{}).(string)
	return addr
}
