package app

import (
	"context"
	"fmt"
	"time"

	"github.com/resellerapi/platform/pkg/accesstoken"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// SigningKeyRing holds the keys access tokens are signed with.
type SigningKeyRing interface {
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

// SigningKeyEvents tells every auth and edge replica of a new or
// withdrawn signing key.
type SigningKeyEvents interface {
	SigningKeyChanged(ctx context.Context, k domain.SigningKey) error
}

// SigningKeyView is a key with its state at the time it was read.
type SigningKeyView struct {
	domain.SigningKey
	State domain.KeyState
	// PublishedUntil is when a replaced rotated key leaves the JWKS.
	PublishedUntil time.Time
}

// MaxPublishDelay bounds how long a new key may wait before it signs.
const MaxPublishDelay = 24 * time.Hour

// SigningKeyHandlers are the use cases of the token signing keys.
type SigningKeyHandlers struct{ d Deps }

// List returns the keys still in use or withdrawn, newest first.
func (h SigningKeyHandlers) List(ctx context.Context) ([]SigningKeyView, error) {
	if err := h.d.Keys.Load(ctx); err != nil {
		return nil, err
	}
	ring := h.d.Keys.Ring()
	now := h.d.Now()
	var out []SigningKeyView
	for i := len(ring) - 1; i >= 0; i-- {
		k := ring[i]
		state, until := ring.State(k, now, accesstoken.MaxLifetime)
		if state != domain.KeyExpired {
			out = append(out, SigningKeyView{SigningKey: k, State: state, PublishedUntil: until})
		}
	}
	return out, nil
}

// Rotate makes a new key, published at once and signing after delay (the
// configured SIGNING_KEY_PUBLISH_DELAY when nil), and forgets the rotated
// keys whose tokens have all expired.
func (h SigningKeyHandlers) Rotate(ctx context.Context, delay *time.Duration) (SigningKeyView, error) {
	wait := h.d.PublishDelay
	if delay != nil {
		wait = *delay
	}
	if wait < 0 || wait > MaxPublishDelay {
		return SigningKeyView{}, fmt.Errorf("%w: publishDelaySeconds must be 0 to %d", domain.ErrInvalid, int64(MaxPublishDelay/time.Second))
	}
	if err := h.d.Keys.Load(ctx); err != nil {
		return SigningKeyView{}, err
	}
	now := h.d.Now().UTC().Truncate(time.Second)
	var expired []string
	ring := h.d.Keys.Ring()
	for _, k := range ring {
		if state, _ := ring.State(k, now, accesstoken.MaxLifetime); state == domain.KeyExpired {
			expired = append(expired, k.ID)
		}
	}
	if err := h.d.Keys.Forget(ctx, expired); err != nil {
		return SigningKeyView{}, err
	}
	k, err := h.d.Keys.Generate(ctx, now.Add(wait))
	if err != nil {
		return SigningKeyView{}, err
	}
	h.d.Logger.InfoContext(ctx, "signing key created", "key_id", k.ID, "signs_from", k.SignsFrom, "forgotten", len(expired))
	h.d.audit(ctx, SecurityRecord{Kind: "signing_key.created", Subject: k.ID, Detail: "signs from " + k.SignsFrom.Format(time.RFC3339)})
	if err := h.d.KeyEvents.SigningKeyChanged(ctx, k); err != nil {
		// Every replica loads the keys again at least once a minute, well
		// within the publish delay; the event only makes it sooner.
		h.d.Logger.WarnContext(ctx, "signing key created but not announced", "key_id", k.ID, "error", err.Error())
	}
	state, until := h.d.Keys.Ring().State(k, h.d.Now(), accesstoken.MaxLifetime)
	return SigningKeyView{SigningKey: k, State: state, PublishedUntil: until}, nil
}

// Withdraw withdraws key id at once (it leaked): it leaves the JWKS and
// every edge replica refuses its tokens. The key that signs cannot be
// withdrawn (domain.ErrConflict): rotate first. Withdrawing a withdrawn
// key announces it again.
func (h SigningKeyHandlers) Withdraw(ctx context.Context, id string) error {
	if err := h.d.Keys.Load(ctx); err != nil {
		return err
	}
	ring := h.d.Keys.Ring()
	now := h.d.Now().UTC()
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
		if err := h.d.Keys.Withdraw(ctx, id, key.WithdrawnAt); err != nil {
			return err
		}
		h.d.Logger.WarnContext(ctx, "signing key withdrawn", "key_id", id)
		h.d.audit(ctx, SecurityRecord{Kind: "signing_key.withdrawn", Subject: id})
	}
	if err := h.d.KeyEvents.SigningKeyChanged(ctx, key); err != nil {
		return fmt.Errorf("announce the withdrawal (withdraw again to announce it): %w", err)
	}
	return nil
}
