package app

import (
	"context"
)

// SecurityRecord is one security event for the audit trail. It never
// holds a secret, password or token.
type SecurityRecord struct {
	// Kind is what happened, e.g. "login.failed".
	Kind       string
	Subject    string // a user id, a service client key, or the username tried
	ResellerID string
	Detail     string
}

// SecurityAudit records security events (auth publishes them as
// SecurityEvent on audit.auth.<kind>.<event id>).
type SecurityAudit interface {
	Record(ctx context.Context, r SecurityRecord, clientID, clientAddress string) error
}

type clientIDKey struct{}

// WithClientID returns ctx carrying the OAuth client a request
// authenticates with, for the audit trail and for the password grant,
// which only lets that client's reseller's users log in.
func WithClientID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, clientIDKey{}, id)
}

func clientID(ctx context.Context) string {
	id, _ := ctx.Value(clientIDKey{}).(string)
	return id
}

// audit records r if an audit trail is configured; a failure to record is
// logged, never the reason a request fails.
func (d Deps) audit(ctx context.Context, r SecurityRecord) {
	if d.Audit == nil {
		return
	}
	if err := d.Audit.Record(ctx, r, clientID(ctx), clientAddress(ctx)); err != nil {
		d.Logger.WarnContext(ctx, "security event not recorded", "kind", r.Kind, "error", err.Error())
	}
}
