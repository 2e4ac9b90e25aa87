package subjects

import (
	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/rules"
)

// Topics of the auth bounded context (stream AUTH, and AUDIT for the
// security events).
var (
	// ManagerTokens: every manager token's eventsv1.ManagerTokenChanged.
	ManagerTokens = topic("auth.manager_token.changed.", rules.ManagerTokenChanged)
	// AppUsers: every Application User's eventsv1.AppUserChanged.
	AppUsers = topic("auth.app_user.changed.", rules.AppUserChanged)
	// RevokedAccessTokens: every eventsv1.AccessTokenRevoked, by the
	// token's jti.
	RevokedAccessTokens = topic("auth.access_token.revoked.", rules.AccessTokenRevoked)
	// APICredentials: every reseller's eventsv1.ApiCredentialsChanged, by
	// reseller id.
	APICredentials = topic("auth.api_credentials.changed.", rules.APICredentialsChanged)
	// SigningKeys: every signing key's eventsv1.SigningKeyChanged.
	SigningKeys = topic("auth.signing_key.changed.", rules.SigningKeyChanged)
	// Activation: the eventsv1.ApiActivationChanged of the Reseller API's
	// activation, one aggregate with id APIActivation.
	Activation = topic("auth.api_activation.changed.", rules.APIActivationChanged)
	// SecurityEvents: auth's eventsv1.SecurityEvent, on
	// "audit.auth.<kind>.<event id>" (each event is its own aggregate).
	SecurityEvents = Topic[*eventsv1.SecurityEvent]{prefix: "audit.auth.", rules: rules.SecurityEvent,
		subject: func(e *eventsv1.SecurityEvent) string { return e.GetKind() + "." + e.GetMeta().GetAggregateId() }}
)

// APIActivation is the aggregate id of the Reseller API's activation.
const APIActivation = "reseller-api"
