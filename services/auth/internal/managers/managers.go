// Package managers is the use cases of a reseller's managers and their
// API tokens (X-Api-Token at the edge).
package managers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// Repository stores managers and their API tokens' digests.
type Repository interface {
	CreateManager(ctx context.Context, m domain.Manager) error
	// Manager returns domain.ErrNotFound for an unknown id.
	Manager(ctx context.Context, id string) (domain.Manager, error)
	Managers(ctx context.Context, resellerID string) ([]domain.Manager, error)
	DeleteManager(ctx context.Context, id string) error
	CreateToken(ctx context.Context, t domain.ManagerToken) error
	Tokens(ctx context.Context, managerID string) ([]domain.ManagerToken, error)
	// RevokeToken marks the token revoked; changed is false when it
	// already was, and domain.ErrNotFound is returned for an unknown one.
	RevokeToken(ctx context.Context, managerID, tokenID string) (t domain.ManagerToken, changed bool, err error)
}

// TokenEvents tells the edge about manager tokens: version 1 when one is
// created, 2 when it is revoked.
type TokenEvents interface {
	TokenChanged(ctx context.Context, t domain.ManagerToken, version int64) error
}

// Resellers are the resellers auth knows of.
type Resellers interface {
	Get(ctx context.Context, id string) (domain.Reseller, error)
}

// Handlers are the use cases of managers and their API tokens.
type Handlers struct {
	managers  Repository
	resellers Resellers
	events    TokenEvents
	digest    func(secret []byte) []byte
	now       func() time.Time
}

// New returns the use cases over managers; tokens are stored by digest
// and announced with events.
func New(managers Repository, resellers Resellers, events TokenEvents, digest func(secret []byte) []byte, now func() time.Time) *Handlers {
	return &Handlers{managers: managers, resellers: resellers, events: events, digest: digest, now: now}
}

// Create creates a manager of resellerID.
func (h *Handlers) Create(ctx context.Context, resellerID, name, email string, role domain.Role) (domain.Manager, error) {
	if _, err := h.resellers.Get(ctx, resellerID); err != nil {
		return domain.Manager{}, err
	}
	m, err := domain.NewManager("mgr-"+uuid.NewString(), resellerID, name, email, role, h.now().UTC())
	if err != nil {
		return domain.Manager{}, err
	}
	return m, h.managers.CreateManager(ctx, m)
}

// List returns the managers of resellerID.
func (h *Handlers) List(ctx context.Context, resellerID string) ([]domain.Manager, error) {
	if _, err := h.resellers.Get(ctx, resellerID); err != nil {
		return nil, err
	}
	return h.managers.Managers(ctx, resellerID)
}

// CreateToken creates an API token of managerID and returns it in clear,
// the only time it is shown: only its digest is stored, and the edge
// learns it from the event.
func (h *Handlers) CreateToken(ctx context.Context, managerID string) (domain.ManagerToken, string, error) {
	m, err := h.managers.Manager(ctx, managerID)
	if err != nil {
		return domain.ManagerToken{}, "", err
	}
	secret, err := domain.RandomToken(32)
	if err != nil {
		return domain.ManagerToken{}, "", err
	}
	plain := "mgr_" + secret
	t := domain.ManagerToken{ID: "tok-" + uuid.NewString(), ManagerID: m.ID, ResellerID: m.ResellerID, Role: m.Role,
		Digest: h.digest([]byte(plain)), CreatedAt: h.now().UTC()}
	if err := h.managers.CreateToken(ctx, t); err != nil {
		return domain.ManagerToken{}, "", err
	}
	if err := h.events.TokenChanged(ctx, t, 1); err != nil {
		// Not announced, so not usable: revoke it rather than leave a token
		// the caller never received working later.
		_, _, _ = h.managers.RevokeToken(ctx, m.ID, t.ID)
		return domain.ManagerToken{}, "", fmt.Errorf("announce token: %w", err)
	}
	return t, plain, nil
}

// Tokens lists managerID's tokens (never the tokens themselves).
func (h *Handlers) Tokens(ctx context.Context, managerID string) ([]domain.ManagerToken, error) {
	if _, err := h.managers.Manager(ctx, managerID); err != nil {
		return nil, err
	}
	return h.managers.Tokens(ctx, managerID)
}

// RevokeToken revokes one token and tells the edge.
func (h *Handlers) RevokeToken(ctx context.Context, managerID, tokenID string) error {
	t, _, err := h.managers.RevokeToken(ctx, managerID, tokenID)
	if err != nil {
		return err
	}
	// Announced even when it already was revoked: a repeated DELETE
	// repairs an announcement that failed before.
	return h.events.TokenChanged(ctx, t, 2)
}

// Delete removes a manager after revoking its tokens.
func (h *Handlers) Delete(ctx context.Context, managerID string) error {
	tokens, err := h.Tokens(ctx, managerID)
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range tokens {
		errs = append(errs, h.RevokeToken(ctx, managerID, t.ID))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return h.managers.DeleteManager(ctx, managerID)
}
