package app

import (
	"context"
	"fmt"
	"strings"
	"time"

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

// ServiceClientHandlers are the use cases of resellers' service clients
// (the client_credentials grant).
type ServiceClientHandlers struct{ d Deps }

// Create makes a service client of resellerID and returns it with its
// secret, which is shown this once and stored only as a digest. Refused
// while the Reseller API is not activated.
func (h ServiceClientHandlers) Create(ctx context.Context, resellerID, name string) (domain.ServiceClient, string, error) {
	if _, err := h.d.Resellers.Get(ctx, resellerID); err != nil {
		return domain.ServiceClient{}, "", err
	}
	if err := h.d.active(ctx); err != nil {
		return domain.ServiceClient{}, "", err
	}
	if err := domain.ValidServiceClientName(name); err != nil {
		return domain.ServiceClient{}, "", err
	}
	key, err := randomToken(16)
	if err != nil {
		return domain.ServiceClient{}, "", err
	}
	secret, err := randomToken(32)
	if err != nil {
		return domain.ServiceClient{}, "", err
	}
	c := domain.ServiceClient{ID: domain.ServiceClientPrefix + key, ResellerID: resellerID, Name: strings.TrimSpace(name),
		SecretDigest: h.d.Digest([]byte(secret)), CreatedAt: h.d.Now().UTC().Truncate(time.Millisecond)}
	if err := h.d.ServiceClients.Create(ctx, c); err != nil {
		return domain.ServiceClient{}, "", err
	}
	h.d.Logger.InfoContext(ctx, "service client created", "client_id", c.ID, "reseller_id", resellerID)
	h.d.audit(ctx, SecurityRecord{Kind: "service_client.created", Subject: c.ID, ResellerID: resellerID, Detail: c.Name})
	return c, secret, nil
}

// List returns the service clients of resellerID (an existing reseller).
func (h ServiceClientHandlers) List(ctx context.Context, resellerID string) ([]domain.ServiceClient, error) {
	if _, err := h.d.Resellers.Get(ctx, resellerID); err != nil {
		return nil, err
	}
	return h.d.ServiceClients.List(ctx, resellerID)
}

// Delete removes client id of resellerID, and announces it like a deleted
// user (the subject of its tokens), so that every edge replica refuses the
// tokens it obtained.
func (h ServiceClientHandlers) Delete(ctx context.Context, resellerID, id string) error {
	if err := h.d.ServiceClients.Delete(ctx, resellerID, id); err != nil {
		return err
	}
	subject := domain.AppUser{ID: id, ResellerID: resellerID, Version: 2, TokensNotBefore: h.d.Now().UTC().Truncate(time.Millisecond)}
	if err := h.d.UserEvents.UserChanged(ctx, subject, true); err != nil {
		return fmt.Errorf("announce deletion of service client %s: %w", id, err)
	}
	h.d.Logger.InfoContext(ctx, "service client deleted", "client_id", id, "reseller_id", resellerID)
	h.d.audit(ctx, SecurityRecord{Kind: "service_client.deleted", Subject: id, ResellerID: resellerID})
	return nil
}
