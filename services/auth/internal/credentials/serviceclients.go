package credentials

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/resellerapi/platform/services/auth/internal/audit"
	"github.com/resellerapi/platform/services/auth/internal/domain"
)

// ServiceClientRepository stores resellers' service clients.
type ServiceClientRepository interface {
	Create(ctx context.Context, c domain.ServiceClient) error
	ByID(ctx context.Context, id string) (domain.ServiceClient, error)
	List(ctx context.Context, resellerID string) ([]domain.ServiceClient, error)
	// Delete returns domain.ErrNotFound when resellerID has no client id.
	Delete(ctx context.Context, resellerID, id string) error
}

// UserEvents tells every edge replica of a subject of tokens that is no
// more (a deleted service client's tokens are refused).
type UserEvents interface {
	UserChanged(ctx context.Context, u domain.AppUser, deleted bool) error
}

// ServiceClients are the use cases of resellers' service clients (the
// client_credentials grant).
type ServiceClients struct {
	clients   ServiceClientRepository
	resellers Resellers
	active    func(context.Context) error
	events    UserEvents
	digest    func(secret []byte) []byte
	trail     audit.Trail
	now       func() time.Time
}

// NewServiceClients returns the service clients' use cases; creating one
// is refused unless active says the Reseller API is (Handlers.Active).
func NewServiceClients(clients ServiceClientRepository, resellers Resellers, active func(context.Context) error, events UserEvents,
	digest func(secret []byte) []byte, trail audit.Trail, now func() time.Time) *ServiceClients {
	return &ServiceClients{clients: clients, resellers: resellers, active: active, events: events, digest: digest, trail: trail, now: now}
}

// Create makes a service client of resellerID and returns it with its
// secret, which is shown this once and stored only as a digest. Refused
// while the Reseller API is not activated.
func (h *ServiceClients) Create(ctx context.Context, resellerID, name string) (domain.ServiceClient, string, error) {
	if _, err := h.resellers.Get(ctx, resellerID); err != nil {
		return domain.ServiceClient{}, "", err
	}
	if err := h.active(ctx); err != nil {
		return domain.ServiceClient{}, "", err
	}
	if err := domain.ValidServiceClientName(name); err != nil {
		return domain.ServiceClient{}, "", err
	}
	key, err := domain.RandomToken(16)
	if err != nil {
		return domain.ServiceClient{}, "", err
	}
	secret, err := domain.RandomToken(32)
	if err != nil {
		return domain.ServiceClient{}, "", err
	}
	c := domain.ServiceClient{ID: domain.ServiceClientPrefix + key, ResellerID: resellerID, Name: strings.TrimSpace(name),
		SecretDigest: h.digest([]byte(secret)), CreatedAt: h.now().UTC().Truncate(time.Millisecond)}
	if err := h.clients.Create(ctx, c); err != nil {
		return domain.ServiceClient{}, "", err
	}
	h.trail.Note(ctx, slog.LevelInfo, "service client created", audit.Record{Kind: "service_client.created", Subject: c.ID, ResellerID: resellerID, Detail: c.Name}, "client_id", c.ID, "reseller_id", resellerID)
	return c, secret, nil
}

// List returns the service clients of resellerID (an existing reseller).
func (h *ServiceClients) List(ctx context.Context, resellerID string) ([]domain.ServiceClient, error) {
	if _, err := h.resellers.Get(ctx, resellerID); err != nil {
		return nil, err
	}
	return h.clients.List(ctx, resellerID)
}

// Delete removes client id of resellerID, and announces it like a deleted
// user (the subject of its tokens), so that every edge replica refuses the
// tokens it obtained.
func (h *ServiceClients) Delete(ctx context.Context, resellerID, id string) error {
	if err := h.clients.Delete(ctx, resellerID, id); err != nil {
		return err
	}
	subject := domain.AppUser{ID: id, ResellerID: resellerID, Version: 2, TokensNotBefore: h.now().UTC().Truncate(time.Millisecond)}
	if err := h.events.UserChanged(ctx, subject, true); err != nil {
		return fmt.Errorf("announce deletion of service client %s: %w", id, err)
	}
	h.trail.Note(ctx, slog.LevelInfo, "service client deleted", audit.Record{Kind: "service_client.deleted", Subject: id, ResellerID: resellerID}, "client_id", id, "reseller_id", resellerID)
	return nil
}
