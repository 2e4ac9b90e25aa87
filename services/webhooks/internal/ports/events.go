// Package ports translates the webhooks service's inputs, the
// back-office's events, into changes for the fan-out: each event's object
// is mapped onto its read-model document and from there onto the API's
// representation, with the same code as the directory and the edge.
package ports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/services/edge/representation"
	"github.com/resellerapi/platform/services/webhooks/internal/app"
	"github.com/resellerapi/platform/services/webhooks/internal/domain"
)

// maxDepth bounds the walk up a reseller's ancestors.
const maxDepth = 16

// EventHandlers feeds events to the fan-out.
type EventHandlers struct {
	fan  *app.Fanout
	seen app.SeenStore
}

// Register adds the webhooks handlers to bus (durable consumers of the
// service's own, shared by its replicas).
func Register(bus *eventbus.Bus, fan *app.Fanout, seen app.SeenStore) error {
	h := EventHandlers{fan: fan, seen: seen}
	return errors.Join(
		eventbus.Handle(bus, "accounts", subjects.Accounts, h.AccountChanged),
		eventbus.Handle(bus, "resellers", subjects.Resellers, h.ResellerChanged),
	)
}

// AccountChanged fans out account.created, account.updated or
// account.status_changed.
func (h EventHandlers) AccountChanged(ctx context.Context, e *eventsv1.AccountChanged) error {
	a := directory.AccountFromEvent(e)
	data, digest, err := represent(representation.NewAccount(a, nil))
	if err != nil {
		return eventbus.Permanent(err)
	}
	_, err = h.fan.Apply(ctx, app.Change{EventID: e.GetMeta().GetEventId(), ResellerID: a.ResellerID, Data: data,
		State: domain.State{Kind: "account", ID: a.ID, Version: a.Version, Status: a.Status, Digest: digest, At: a.UpdatedAt}})
	return err
}

// ResellerChanged fans out reseller.updated, to the reseller's
// subscriptions and to its ancestors' that asked for downstream profiles.
// The data is the document GET /api/v3/resellers/{id} answers.
func (h EventHandlers) ResellerChanged(ctx context.Context, e *eventsv1.ResellerChanged) error {
	r := directory.ResellerFromEvent(e)
	doc := representation.ResellerDocument{Data: representation.NewReseller(r)}
	doc.Links.Self = "/api/v3/resellers/" + url.PathEscape(r.ID)
	data, digest, err := represent(doc)
	if err != nil {
		return eventbus.Permanent(err)
	}
	ancestors, err := h.ancestors(ctx, r.ParentID)
	if err != nil {
		return err
	}
	_, err = h.fan.Apply(ctx, app.Change{EventID: e.GetMeta().GetEventId(), ResellerID: r.ID, Ancestors: ancestors, Data: data,
		State: domain.State{Kind: "reseller", ID: r.ID, Version: r.Version, Status: r.Status, Digest: digest, At: r.UpdatedAt, Parent: r.ParentID}})
	return err
}

// ancestors walks up from parent through the resellers seen so far.
func (h EventHandlers) ancestors(ctx context.Context, parent string) ([]string, error) {
	var out []string
	for id := parent; id != "" && len(out) < maxDepth; {
		out = append(out, id)
		s, err := h.seen.Seen(ctx, "reseller", id)
		if err != nil {
			return nil, err
		}
		if s == nil {
			break // not seen yet: its own event will come
		}
		id = s.Parent
	}
	return out, nil
}

// represent encodes an object's representation and digests it.
func represent(v any) (json.RawMessage, string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, "", fmt.Errorf("encode the representation: %w", err)
	}
	sum := sha256.Sum256(data)
	return data, hex.EncodeToString(sum[:16]), nil
}
