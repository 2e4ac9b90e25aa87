// Package signingkeys is the use cases of the keys auth signs access
// tokens with: listing them with their state, rotating without downtime
// and withdrawing a leaked one.
package signingkeys

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/services/auth/internal/audit"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// Ring holds the keys access tokens are signed with.
type Ring interface {
	// Ring returns the keys as last loaded.
	Ring() domain.KeyRing
	// Load reads the rotated keys and withdrawals from the store.
	Load(ctx context.Context) error
	// Generate makes and stores a key signing from signsFrom, and loads.
	Generate(ctx context.Context, signsFrom time.Time) (domain.SigningKey, error)
	// Withdraw records key id withdrawn at at, and loads.
	Withdraw(ctx context.Context, id string, at time.Time) error
	// Forget deletes rotated keys, and loads.
	Forget(ctx context.Context, ids []string) error
}

// Events tells every auth and edge replica of a new or withdrawn signing
// key.
type Events interface {
	SigningKeyChanged(ctx context.Context, k domain.SigningKey) error
}

// View is a key with its state at the time it was read.
type View struct {
	domain.SigningKey
	State domain.KeyState
	// PublishedUntil is when a replaced rotated key leaves the JWKS.
	PublishedUntil time.Time
}

// MaxPublishDelay bounds how long a new key may wait before it signs.
const MaxPublishDelay = 24 * time.Hour

// Handlers are the use cases of the token signing keys.
type Handlers struct {
	keys   Ring
	events Events
	// delay is how long a new key is published before it signs, unless
	// a rotation says.
	delay time.Duration
	trail audit.Trail
	now   func() time.Time
}

// New returns the use cases over keys, announcing changes with events.
func New(keys Ring, events Events, publishDelay time.Duration, trail audit.Trail, now func() time.Time) *Handlers {
	return &Handlers{keys: keys, events: events, delay: publishDelay, trail: trail, now: now}
}

// List returns the keys still in use or withdrawn, newest first.
func (h *Handlers) List(ctx context.Context) ([]View, error) {
	if err := h.keys.Load(ctx); err != nil {
		return nil, err
	}
	ring := h.keys.Ring()
	now := h.now()
	var out []View
	for i := len(ring) - 1; i >= 0; i-- {
		k := ring[i]
		state, until := ring.State(k, now, accesstoken.MaxLifetime)
		if state != domain.KeyExpired {
			out = append(out, View{SigningKey: k, State: state, PublishedUntil: until})
		}
	}
	return out, nil
}

// Rotate makes a new key, published at once and signing after delay (the
// configured SIGNING_KEY_PUBLISH_DELAY when nil), and forgets the rotated
// keys whose tokens have all expired.
func (h *Handlers) Rotate(ctx context.Context, delay *time.Duration) (View, error) {
	wait := h.delay
	if delay != nil {
		wait = *delay
	}
	if wait < 0 || wait > MaxPublishDelay {
		return View{}, fmt.Errorf("%w: publishDelaySeconds must be 0 to %d", domain.ErrInvalid, int64(MaxPublishDelay/time.Second))
	}
	if err := h.keys.Load(ctx); err != nil {
		return View{}, err
	}
	now := h.now().UTC().Truncate(time.Second)
	var expired []string
	ring := h.keys.Ring()
	for _, k := range ring {
		if state, _ := ring.State(k, now, accesstoken.MaxLifetime); state == domain.KeyExpired {
			expired = append(expired, k.ID)
		}
	}
	if err := h.keys.Forget(ctx, expired); err != nil {
		return View{}, err
	}
	k, err := h.keys.Generate(ctx, now.Add(wait))
	if err != nil {
		return View{}, err
	}
	h.trail.Note(ctx, slog.LevelInfo, "signing key created", audit.Record{Kind: "signing_key.created", Subject: k.ID,
		Detail: "signs from " + k.SignsFrom.Format(time.RFC3339)}, "key_id", k.ID, "signs_from", k.SignsFrom, "forgotten", len(expired))
	if err := h.events.SigningKeyChanged(ctx, k); err != nil {
		// Every replica loads the keys again at least once a minute, well
		// within the publish delay; the event only makes it sooner.
		h.trail.Logger().WarnContext(ctx, "signing key created but not announced", "key_id", k.ID, "error", err.Error())
	}
	state, until := h.keys.Ring().State(k, h.now(), accesstoken.MaxLifetime)
	return View{SigningKey: k, State: state, PublishedUntil: until}, nil
}

// Withdraw withdraws key id at once (it leaked): it leaves the JWKS and
// every edge replica refuses its tokens. The key that signs cannot be
// withdrawn (domain.ErrConflict): rotate first. Withdrawing a withdrawn
// key announces it again.
func (h *Handlers) Withdraw(ctx context.Context, id string) error {
	if err := h.keys.Load(ctx); err != nil {
		return err
	}
	ring := h.keys.Ring()
	now := h.now().UTC()
	var key domain.SigningKey
	found := false
	for _, k := range ring {
		if k.ID == id {
			key, found = k, true
		}
	}
	if !found {
		return fmt.Errorf("%w: signing key %q", domain.ErrNotFound, id)
	}
	switch state, _ := ring.State(key, now, accesstoken.MaxLifetime); state {
	case domain.KeySigning:
		return fmt.Errorf("%w: key %s signs the tokens being issued; rotate first (publishDelaySeconds 0 in an emergency), then withdraw it", domain.ErrConflict, id)
	case domain.KeyWithdrawn:
	default:
		key.WithdrawnAt = now.Truncate(time.Millisecond)
		if err := h.keys.Withdraw(ctx, id, key.WithdrawnAt); err != nil {
			return err
		}
		h.trail.Note(ctx, slog.LevelWarn, "signing key withdrawn", audit.Record{Kind: "signing_key.withdrawn", Subject: id}, "key_id", id)
	}
	if err := h.events.SigningKeyChanged(ctx, key); err != nil {
		return fmt.Errorf("announce the withdrawal (withdraw again to announce it): %w", err)
	}
	return nil
}
