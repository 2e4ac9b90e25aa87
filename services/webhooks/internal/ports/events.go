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
	"slices"
	"time"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
	"github.com/resellerapi/platform/pkg/readmodel/invoicing"
	"github.com/resellerapi/platform/services/edge/representation"
	"github.com/resellerapi/platform/services/webhooks/internal/app"
	"github.com/resellerapi/platform/services/webhooks/internal/domain"
)

// maxDepth bounds the walk up a reseller's ancestors.
const maxDepth = 16

// ReadModels reads the documents of other services a payload needs.
type ReadModels interface {
	Invoice(ctx context.Context, id string) (invoicing.Invoice, bool, error)
	PaymentVersion(ctx context.Context, id string) (int64, error)
	AccountNames(ctx context.Context, ids []string) (map[string]string, error)
	ProductVersions(ctx context.Context, ids []string) (map[string]int64, error)
	PriceListVersion(ctx context.Context, id string) (int64, error)
	OffersOfList(ctx context.Context, id string, products []string) ([]catalog.Offer, error)
	OffersOfProduct(ctx context.Context, id string) ([]catalog.Offer, error)
	// BuyingAt returns the resellers buying at each of the lists (own or
	// inherited).
	BuyingAt(ctx context.Context, lists []string) (map[string][]string, error)
}

// EventHandlers feeds events to the fan-out.
type EventHandlers struct {
	fan   *app.Fanout
	seen  app.SeenStore
	reads ReadModels
	now   func() time.Time
}

// Register adds the webhooks handlers to bus (durable consumers of the
// service's own, shared by its replicas).
func Register(bus *eventbus.Bus, fan *app.Fanout, seen app.SeenStore, reads ReadModels) error {
	h := EventHandlers{fan: fan, seen: seen, reads: reads, now: time.Now}
	return errors.Join(
		eventbus.Handle(bus, "accounts", subjects.Accounts, h.AccountChanged),
		eventbus.Handle(bus, "resellers", subjects.Resellers, h.ResellerChanged),
		eventbus.Handle(bus, "invoices", subjects.Invoices, h.InvoiceChanged),
		eventbus.Handle(bus, "payments", subjects.Payments, h.PaymentChanged),
		eventbus.Handle(bus, "products", subjects.Products, h.ProductChanged),
		eventbus.Handle(bus, "price_lists", subjects.PriceLists, h.PriceListChanged),
	)
}

// errNotProjected asks for the event again later: the service that owns
// the object (invoicing, catalog) has not stored what it changed yet.
var errNotProjected = errors.New("not projected by its service yet")

// PriceListChanged fans out product.price_changed for the products of
// the list whose prices changed, to the resellers buying at it (its own
// or inherited from an ancestor), once the catalog has stored the list's
// offers: each with the product as GET /api/products/{id} answers it at
// that list.
func (h EventHandlers) PriceListChanged(ctx context.Context, e *eventsv1.PriceListChanged) error {
	l, v := e.GetPriceList(), e.GetMeta().GetVersion()
	stored, err := h.reads.PriceListVersion(ctx, l.GetPriceListId())
	switch {
	case err != nil:
		return err
	case stored < v:
		return errNotProjected
	case stored > v:
		return nil // the newer version's event tells it
	}
	var products []string
	for _, it := range l.GetItems() {
		if !slices.Contains(products, it.GetProductId()) {
			products = append(products, it.GetProductId())
		}
	}
	offers, err := h.reads.OffersOfList(ctx, l.GetPriceListId(), products)
	if err != nil {
		return err
	}
	if len(offers) < len(products) {
		return errNotProjected // the list is stored before its offers
	}
	versions, err := h.reads.ProductVersions(ctx, products)
	if err != nil {
		return err
	}
	for _, o := range offers {
		// The catalog writes the list, then its prices onto the offers,
		// then the products it has stored onto them: the offers are whole
		// once each carries both.
		if o.ListVersion < v || o.ProductVersion < versions[o.ProductID] {
			return errNotProjected
		}
	}
	return h.offers(ctx, e.GetMeta().GetEventId(), offers)
}

// ProductChanged fans out product.withdrawn, to the resellers buying at
// every list that offers the product, once the catalog has copied it
// onto its offers.
func (h EventHandlers) ProductChanged(ctx context.Context, e *eventsv1.ProductChanged) error {
	id, v := e.GetProduct().GetProductId(), e.GetMeta().GetVersion()
	versions, err := h.reads.ProductVersions(ctx, []string{id})
	switch stored := versions[id]; {
	case err != nil:
		return err
	case stored < v:
		return errNotProjected
	case stored > v:
		return nil
	}
	offers, err := h.reads.OffersOfProduct(ctx, id)
	if err != nil {
		return err
	}
	for _, o := range offers {
		if o.ProductVersion < v {
			return errNotProjected
		}
	}
	return h.offers(ctx, e.GetMeta().GetEventId(), offers)
}

// offers fans out what each offer's newest state changed for the
// resellers buying at its list.
func (h EventHandlers) offers(ctx context.Context, eventID string, offers []catalog.Offer) error {
	if len(offers) == 0 {
		return nil
	}
	var lists []string
	for _, o := range offers {
		if !slices.Contains(lists, o.PriceListID) {
			lists = append(lists, o.PriceListID)
		}
	}
	buyers, err := h.reads.BuyingAt(ctx, lists)
	if err != nil {
		return err
	}
	now := h.now()
	for _, o := range offers {
		rep, err := representation.NewProduct(o)
		if err != nil {
			return eventbus.Permanent(err)
		}
		data, _, err := represent(rep)
		if err != nil {
			return eventbus.Permanent(err)
		}
		prices, err := json.Marshal(rep.Prices)
		if err != nil {
			return eventbus.Permanent(err)
		}
		sum := sha256.Sum256(prices)
		state := domain.State{Kind: "offer", ID: o.ID, Version: o.ListVersion<<32 | o.ProductVersion, Status: offerStatus(o, now),
			Digest: hex.EncodeToString(sum[:16]), At: o.UpdatedAt}
		if _, err := h.fan.Apply(ctx, app.Change{EventID: eventID, Resellers: buyers[o.PriceListID], Data: data, State: state}); err != nil {
			return err
		}
	}
	return nil
}

// offerStatus is what the resellers buying at o's list see of it at now:
// a product they may resell (GET /api/products lists it), a withdrawn
// one, one the catalog has not copied a product onto yet, or one out of
// sight (no price in effect).
func offerStatus(o catalog.Offer, now time.Time) string {
	switch {
	case o.ProductVersion == 0:
		return domain.OfferUnpublished
	case o.Status == domain.ProductStatusWithdrawn:
		return domain.ProductStatusWithdrawn
	case o.Status == "active" && !o.AvailableFrom.After(now) && o.AvailableTo.After(now):
		return domain.OfferVisible
	}
	return domain.OfferHidden
}

// InvoiceChanged fans out invoice.issued, invoice.updated or
// invoice.voided (and paid or partially paid, for an invoice first seen
// that way), with the invoice as the invoicing service stored it: its
// settlement is the invoicing service's.
func (h EventHandlers) InvoiceChanged(ctx context.Context, e *eventsv1.InvoiceChanged) error {
	inv, ok, err := h.reads.Invoice(ctx, e.GetInvoice().GetInvoiceId())
	switch {
	case err != nil:
		return err
	case !ok || inv.Version < e.GetMeta().GetVersion():
		return errNotProjected
	case inv.Version > e.GetMeta().GetVersion():
		return nil // the newer version's event tells it
	}
	return h.invoice(ctx, e.GetMeta().GetEventId(), inv)
}

// PaymentChanged fans out payment.received for a payment's first version,
// with its invoice as data, and what the payment made of the invoice
// (invoice.paid, invoice.partially_paid).
func (h EventHandlers) PaymentChanged(ctx context.Context, e *eventsv1.PaymentChanged) error {
	p := e.GetPayment()
	inv, ok, err := h.reads.Invoice(ctx, p.GetInvoiceId())
	if err != nil {
		return err
	}
	counted := ok && slices.ContainsFunc(inv.Payments, func(ip invoicing.InvoicePayment) bool {
		return ip.PaymentID == p.GetPaymentId() && ip.Version >= e.GetMeta().GetVersion()
	})
	if !counted {
		stored, err := h.reads.PaymentVersion(ctx, p.GetPaymentId())
		if err != nil {
			return err
		}
		if stored < e.GetMeta().GetVersion() {
			return errNotProjected
		}
		// Stored but not on an invoice: the invoice has not arrived (its
		// event will tell) or did not count it.
		return nil
	}
	data, digest, err := h.invoiceData(ctx, inv)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%s", p.GetPaymentId(), p.GetAmountMinor(), p.GetCurrency()))
	if _, err := h.fan.Apply(ctx, app.Change{EventID: e.GetMeta().GetEventId(), ResellerID: inv.ResellerID, Data: data,
		State: domain.State{Kind: "payment", ID: p.GetPaymentId(), Version: e.GetMeta().GetVersion(),
			Digest: hex.EncodeToString(sum[:16]), At: e.GetMeta().GetOccurredAt().AsTime()}}); err != nil {
		return err
	}
	return h.applyInvoice(ctx, e.GetMeta().GetEventId(), inv, data, digest)
}

// invoice fans out what the stored invoice's newest state changed. Its
// versions count the invoice's own changes only, so what was seen of it
// is ordered by its last change, payments included (UpdatedAt).
func (h EventHandlers) invoice(ctx context.Context, eventID string, inv invoicing.Invoice) error {
	data, digest, err := h.invoiceData(ctx, inv)
	if err != nil {
		return err
	}
	return h.applyInvoice(ctx, eventID, inv, data, digest)
}

// applyInvoice fans out the invoice with its representation.
func (h EventHandlers) applyInvoice(ctx context.Context, eventID string, inv invoicing.Invoice, data json.RawMessage, digest string) error {
	_, err := h.fan.Apply(ctx, app.Change{EventID: eventID, ResellerID: inv.ResellerID, Data: data,
		State: domain.State{Kind: "invoice", ID: inv.ID, Version: inv.UpdatedAt.UnixMilli(), Status: inv.Status, Digest: digest, At: inv.UpdatedAt}})
	return err
}

// invoiceData is the invoice as GET /api/invoices/{id} answers it today.
func (h EventHandlers) invoiceData(ctx context.Context, inv invoicing.Invoice) (json.RawMessage, string, error) {
	names, err := h.reads.AccountNames(ctx, inv.AccountIDs)
	if err != nil {
		return nil, "", err
	}
	rep, err := representation.NewInvoice(inv, inv.StatusOn(h.now().UTC().Format(time.DateOnly)), names)
	if err != nil {
		return nil, "", eventbus.Permanent(err)
	}
	return represent(rep)
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
