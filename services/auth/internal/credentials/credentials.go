// Package credentials is the use cases of the Reseller API's OAuth
// clients: its activation, every reseller's own client key and secret
// (shown, rotated with a grace period), resellers' service clients for the
// client_credentials grant, and finding the client a request names.
package credentials

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/services/auth/internal/audit"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// Activations stores whether the Reseller API is active.
type Activations interface {
	// Get returns the zero Activation while the API was never activated.
	Get(ctx context.Context) (domain.Activation, error)
	// Save stores a over the activation at version previous;
	// domain.ErrConflict when it changed meanwhile.
	Save(ctx context.Context, a domain.Activation, previous int64) error
}

// Repository stores every reseller's Reseller API credentials.
type Repository interface {
	// ByReseller and ByClientID return domain.ErrNotFound when there are
	// none; ByClientID finds retired keys too.
	ByReseller(ctx context.Context, resellerID string) (domain.Credentials, error)
	ByClientID(ctx context.Context, id string) (domain.Credentials, error)
	// Create returns domain.ErrConflict when the reseller has credentials.
	Create(ctx context.Context, c domain.Credentials) error
	// Update replaces the credentials stored at version previous with c;
	// domain.ErrConflict when they changed meanwhile.
	Update(ctx context.Context, c domain.Credentials, previous int64) error
	// Resellers lists the resellers that have credentials.
	Resellers(ctx context.Context) ([]string, error)
	DeleteAll(ctx context.Context) error
}

// Events tells every edge replica of rotated credentials and of
// the Reseller API's deactivation.
type Events interface {
	CredentialsChanged(ctx context.Context, c domain.Credentials) error
	ActivationChanged(ctx context.Context, a domain.Activation) error
}

// PlainCredentials are a reseller's client key and secret in clear, as
// shown in its storefront, with its earlier keys still in their grace.
type PlainCredentials struct {
	ClientID     string
	ClientSecret string
	CreatedAt    time.Time
	Retiring     []domain.RetiredClient
}

// Resellers are the resellers auth knows of.
type Resellers interface {
	Get(ctx context.Context, id string) (domain.Reseller, error)
}

// SecretBox encrypts the client secrets, which are shown again (AES-GCM).
type SecretBox interface {
	Seal(plaintext []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
}

// Deps are what the credentials' use cases need.
type Deps struct {
	Activations Activations
	Credentials Repository
	Events      Events
	Resellers   Resellers
	Box         SecretBox
	// Digest digests machine-generated secrets (SHA-256).
	Digest func(secret []byte) []byte
	// GracePeriod is how long a rotated pair keeps working unless the
	// rotation names another.
	GracePeriod time.Duration
	Trail       audit.Trail
	Now         func() time.Time
}

// Handlers are the use cases of the Reseller API's activation and of
// every reseller's own client key and secret.
type Handlers struct {
	activations Activations
	credentials Repository
	events      Events
	resellers   Resellers
	box         SecretBox
	digest      func(secret []byte) []byte
	gracePeriod time.Duration
	trail       audit.Trail
	now         func() time.Time
}

// New returns the credentials' use cases.
func New(d Deps) *Handlers {
	return &Handlers{activations: d.Activations, credentials: d.Credentials, events: d.Events, resellers: d.Resellers, box: d.Box,
		digest: d.Digest, gracePeriod: d.GracePeriod, trail: d.Trail, now: d.Now}
}

// Active returns domain.ErrNoCredentials unless the Reseller API is
// active.
func (h *Handlers) Active(ctx context.Context) error {
	a, err := h.activations.Get(ctx)
	if err != nil {
		return err
	}
	if !a.Active {
		return domain.ErrNoCredentials
	}
	return nil
}

// Activate activates the Reseller API: every reseller, present and
// future, has its own pair from now on (generated when first shown).
// domain.ErrConflict while it is active.
func (h *Handlers) Activate(ctx context.Context) (domain.Activation, error) {
	a, err := h.activations.Get(ctx)
	if err != nil {
		return domain.Activation{}, err
	}
	if a.Active {
		return domain.Activation{}, fmt.Errorf("%w: the Reseller API is active already", domain.ErrConflict)
	}
	next := domain.Activation{ID: uuid.Must(uuid.NewV7()).String(), Active: true,
		ActivatedAt: h.now().UTC().Truncate(time.Millisecond), DeactivatedAt: a.DeactivatedAt, Version: a.Version + 1}
	if err := h.activations.Save(ctx, next, a.Version); err != nil {
		return domain.Activation{}, err
	}
	h.trail.Note(ctx, slog.LevelInfo, "reseller api activated", audit.Record{Kind: "credentials.activated", Subject: "reseller-api"}, "activation", next.ID)
	if err := h.events.ActivationChanged(ctx, next); err != nil {
		// The edge needs no word of an activation (only of a
		// deactivation's cut-off), so this is not the request's failure.
		h.trail.Logger().WarnContext(ctx, "reseller api activated but not announced", "error", err.Error())
	}
	return next, nil
}

// Deactivate deactivates the Reseller API: every reseller's pair is
// deleted and every access token issued until now is refused. Repeating it
// announces the deactivation again (a failed announcement is retried by
// repeating the request).
func (h *Handlers) Deactivate(ctx context.Context) error {
	a, err := h.activations.Get(ctx)
	if err != nil {
		return err
	}
	if a.Version == 0 {
		return domain.ErrNoCredentials
	}
	if a.Active {
		previous := a.Version
		a.Active, a.DeactivatedAt, a.Version = false, h.now().UTC().Truncate(time.Millisecond), a.Version+1
		if err := h.activations.Save(ctx, a, previous); err != nil {
			return err
		}
		h.trail.Note(ctx, slog.LevelInfo, "reseller api deactivated", audit.Record{Kind: "credentials.deactivated", Subject: "reseller-api"}, "activation", a.ID)
	}
	// Pairs of an inactive activation are refused anyway; deleting them
	// keeps no secret longer than needed.
	if err := h.credentials.DeleteAll(ctx); err != nil {
		return err
	}
	if err := h.events.ActivationChanged(ctx, a); err != nil {
		return fmt.Errorf("announce the deactivation: %w", err)
	}
	return nil
}

// Activation returns whether the Reseller API is active.
func (h *Handlers) Activation(ctx context.Context) (domain.Activation, error) {
	return h.activations.Get(ctx)
}

// Show returns resellerID's own pair in clear, generating it the first
// time it is asked for; found is false while the Reseller API is not
// active.
func (h *Handlers) Show(ctx context.Context, resellerID string) (c PlainCredentials, found bool, err error) {
	if _, err := h.resellers.Get(ctx, resellerID); err != nil {
		return PlainCredentials{}, false, err
	}
	a, err := h.activations.Get(ctx)
	if err != nil || !a.Active {
		return PlainCredentials{}, false, err
	}
	stored, secret, err := h.current(ctx, a, resellerID)
	if err != nil {
		return PlainCredentials{}, false, err
	}
	if secret == "" {
		opened, err := h.box.Open(stored.SealedSecret)
		if err != nil {
			return PlainCredentials{}, false, fmt.Errorf("open client secret: %w", err)
		}
		secret = string(opened)
	}
	return h.plain(stored, secret), true, nil
}

func (h *Handlers) plain(c domain.Credentials, secret string) PlainCredentials {
	return PlainCredentials{ClientID: c.ClientID, ClientSecret: secret, CreatedAt: c.CreatedAt, Retiring: c.InGrace(h.now())}
}

// current returns resellerID's pair of activation a, generating it (and
// its secret in clear then) if it has none, or one of an earlier
// activation.
func (h *Handlers) current(ctx context.Context, a domain.Activation, resellerID string) (domain.Credentials, string, error) {
	for range 3 {
		stored, err := h.credentials.ByReseller(ctx, resellerID)
		switch {
		case err == nil && stored.Activation == a.ID:
			return stored, "", nil
		case err != nil && !errors.Is(err, domain.ErrNotFound):
			return domain.Credentials{}, "", err
		}
		fresh, secret, err := h.generate()
		if err != nil {
			return domain.Credentials{}, "", err
		}
		fresh.ResellerID, fresh.Activation, fresh.Version = resellerID, a.ID, 1
		if stored.Version > 0 {
			fresh.Version = stored.Version + 1
			err = h.credentials.Update(ctx, fresh, stored.Version)
		} else {
			err = h.credentials.Create(ctx, fresh)
		}
		switch {
		case err == nil:
			h.trail.Logger().InfoContext(ctx, "reseller api credentials generated", "reseller_id", resellerID, "client_id", fresh.ClientID)
			return fresh, secret, nil
		case !errors.Is(err, domain.ErrConflict):
			return domain.Credentials{}, "", err
		}
		// Another request generated them meanwhile: show those.
	}
	return domain.Credentials{}, "", fmt.Errorf("%w: the credentials of reseller %s keep changing; try again", domain.ErrConflict, resellerID)
}

// generate makes a new client key and secret.
func (h *Handlers) generate() (domain.Credentials, string, error) {
	id, err := domain.RandomToken(12)
	if err != nil {
		return domain.Credentials{}, "", err
	}
	secret, err := domain.RandomToken(32)
	if err != nil {
		return domain.Credentials{}, "", err
	}
	sealed, err := h.box.Seal([]byte(secret))
	if err != nil {
		return domain.Credentials{}, "", fmt.Errorf("seal client secret: %w", err)
	}
	return domain.Credentials{ClientID: domain.APIClientPrefix + id, SecretDigest: h.digest([]byte(secret)), SealedSecret: sealed,
		CreatedAt: h.now().UTC().Truncate(time.Millisecond)}, secret, nil
}

// grace is the grace period asked for, or the configured one.
func (h *Handlers) grace(asked *time.Duration) (time.Duration, error) {
	if asked == nil {
		return h.gracePeriod, nil
	}
	if *asked < 0 || *asked > domain.MaxGracePeriod {
		return 0, fmt.Errorf("%w: gracePeriodSeconds must be 0 to %d", domain.ErrInvalid, int64(domain.MaxGracePeriod/time.Second))
	}
	return *asked, nil
}

// Rotate gives resellerID a new pair; the previous one keeps working for
// the grace period (the configured one when grace is nil).
func (h *Handlers) Rotate(ctx context.Context, resellerID string, grace *time.Duration) (PlainCredentials, error) {
	g, err := h.grace(grace)
	if err != nil {
		return PlainCredentials{}, err
	}
	if _, err := h.resellers.Get(ctx, resellerID); err != nil {
		return PlainCredentials{}, err
	}
	a, err := h.activations.Get(ctx)
	if err != nil {
		return PlainCredentials{}, err
	}
	if !a.Active {
		return PlainCredentials{}, domain.ErrNoCredentials
	}
	c, secret, err := h.rotate(ctx, a, resellerID, g)
	if err != nil {
		return PlainCredentials{}, err
	}
	return h.plain(c, secret), nil
}

// RotateAll gives every reseller with a pair a new one; the previous ones
// keep working until validUntil.
func (h *Handlers) RotateAll(ctx context.Context, grace *time.Duration) (rotated int64, validUntil time.Time, err error) {
	g, err := h.grace(grace)
	if err != nil {
		return 0, time.Time{}, err
	}
	a, err := h.activations.Get(ctx)
	if err != nil {
		return 0, time.Time{}, err
	}
	if !a.Active {
		return 0, time.Time{}, domain.ErrNoCredentials
	}
	resellers, err := h.credentials.Resellers(ctx)
	if err != nil {
		return 0, time.Time{}, err
	}
	validUntil = h.now().UTC().Add(g).Truncate(time.Millisecond)
	for _, r := range resellers {
		if _, _, err := h.rotate(ctx, a, r, g); err != nil {
			return rotated, validUntil, fmt.Errorf("rotate the credentials of reseller %s (%d of %d rotated; repeat to rotate the rest): %w",
				r, rotated, len(resellers), err)
		}
		rotated++
	}
	return rotated, validUntil, nil
}

// rotate replaces resellerID's pair of activation a (compare-and-set,
// retried on a concurrent change) and announces it.
func (h *Handlers) rotate(ctx context.Context, a domain.Activation, resellerID string, grace time.Duration) (domain.Credentials, string, error) {
	for range 3 {
		stored, secret, err := h.current(ctx, a, resellerID)
		if err != nil {
			return domain.Credentials{}, "", err
		}
		if secret != "" {
			// Just generated: nobody has seen the pair it replaces.
			return stored, secret, nil
		}
		fresh, secret, err := h.generate()
		if err != nil {
			return domain.Credentials{}, "", err
		}
		now := h.now().UTC().Truncate(time.Millisecond)
		next := stored.Rotate(fresh, now, grace, accesstoken.MaxLifetime)
		err = h.credentials.Update(ctx, next, stored.Version)
		if errors.Is(err, domain.ErrConflict) {
			continue
		}
		if err != nil {
			return domain.Credentials{}, "", err
		}
		h.trail.Note(ctx, slog.LevelInfo, "reseller api credentials rotated", audit.Record{Kind: "credentials.rotated", Subject: next.ClientID,
			ResellerID: resellerID, Detail: "previous key " + stored.ClientID + " accepted for " + grace.String()},
			"reseller_id", resellerID, "client_id", next.ClientID, "previous_client_id", stored.ClientID, "grace", grace.String())
		if err := h.events.CredentialsChanged(ctx, next); err != nil {
			return domain.Credentials{}, "", fmt.Errorf("announce the rotation (rotate again to announce it): %w", err)
		}
		return next, secret, nil
	}
	return domain.Credentials{}, "", fmt.Errorf("%w: the credentials of reseller %s keep changing; try again", domain.ErrConflict, resellerID)
}

// Clients finds the OAuth client with a key, for the token, revocation
// and introspection endpoints: its secret's digest, without decrypting any
// secret. While the Reseller API is not active there is none.
type Clients struct {
	activations    Activations
	credentials    Repository
	serviceClients ServiceClientRepository
	now            func() time.Time
}

// NewClients finds clients among the resellers' credentials and service
// clients.
func NewClients(activations Activations, credentials Repository, serviceClients ServiceClientRepository, now func() time.Time) *Clients {
	return &Clients{activations: activations, credentials: credentials, serviceClients: serviceClients, now: now}
}

// Find returns the reseller's Reseller API client or the service client
// with key id; domain.ErrNotFound for any other, for a key whose grace
// ended, and for every key while the API is not active.
func (h *Clients) Find(ctx context.Context, id string) (domain.Client, error) {
	unknown := fmt.Errorf("%w: client %q", domain.ErrNotFound, id)
	if !strings.HasPrefix(id, domain.ServiceClientPrefix) && !strings.HasPrefix(id, domain.APIClientPrefix) {
		return domain.Client{}, unknown
	}
	a, err := h.activations.Get(ctx)
	if err != nil {
		return domain.Client{}, err
	}
	if !a.Active {
		return domain.Client{}, unknown
	}
	if strings.HasPrefix(id, domain.ServiceClientPrefix) {
		sc, err := h.serviceClients.ByID(ctx, id)
		if err != nil {
			return domain.Client{}, err
		}
		return domain.Client{ID: sc.ID, SecretDigest: sc.SecretDigest, ResellerID: sc.ResellerID, Service: true}, nil
	}
	c, err := h.credentials.ByClientID(ctx, id)
	if err != nil {
		return domain.Client{}, err
	}
	digest, ok := c.Secret(id, h.now())
	if !ok || c.Activation != a.ID {
		return domain.Client{}, unknown
	}
	return domain.Client{ID: id, SecretDigest: digest, ResellerID: c.ResellerID}, nil
}
