// Package ports translates the catalog's inputs, the back-office's product
// and price list events, into application calls.
package ports

import (
	"context"
	"errors"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/rules"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/services/catalog/internal/app"
	"github.com/resellerapi/platform/services/catalog/internal/domain"
)

// Register adds the catalog's handlers to bus. The bus hands them only
// events that pass their rules and dead-letters the others.
func Register(bus *eventbus.Bus, application app.Application) error {
	return errors.Join(
		eventbus.Handle(bus, "products", subjects.Products, func(ctx context.Context, e *eventsv1.ProductChanged) error {
			return eventbus.Outcome(application.Commands.ApplyProduct.Handle(ctx, ProductFromEvent(e)))
		}),
		eventbus.Handle(bus, "price_lists", subjects.PriceLists, func(ctx context.Context, e *eventsv1.PriceListChanged) error {
			return eventbus.Outcome(application.Commands.ApplyPriceList.Handle(ctx, PriceListFromEvent(e)))
		}),
	)
}

// ProductFromEvent maps an event that passed rules.ProductChanged onto
// its read-model document.
func ProductFromEvent(e *eventsv1.ProductChanged) catalog.Product {
	p := e.GetProduct()
	updated := e.GetMeta().GetOccurredAt()
	return catalog.Product{
		ID: p.GetProductId(), SKU: p.GetSku(), Name: p.GetName(), Description: p.GetDescription(),
		Category: p.GetCategory(), Vendor: p.GetVendor(),
		BillingType:   rules.EnumWord(p.GetBillingType().String(), "BILLING_TYPE_"),
		BillingPeriod: rules.EnumWord(p.GetBillingPeriod().String(), "BILLING_PERIOD_"),
		Unit:          p.GetUnit(), Status: rules.EnumWord(p.GetStatus().String(), "PRODUCT_STATUS_"),
		CreatedAt: orElse(p.GetCreatedAt(), updated), UpdatedAt: updated.AsTime(), Version: e.GetMeta().GetVersion(),
	}
}

// PriceListFromEvent maps an event that passed rules.PriceListChanged.
func PriceListFromEvent(e *eventsv1.PriceListChanged) domain.PriceList {
	l := e.GetPriceList()
	updated := e.GetMeta().GetOccurredAt()
	items := make([]domain.PriceItem, len(l.GetItems()))
	for i, it := range l.GetItems() {
		items[i] = domain.PriceItem{
			ProductID: it.GetProductId(), BillingPeriod: rules.EnumWord(it.GetBillingPeriod().String(), "BILLING_PERIOD_"),
			CostMinor: it.GetCostMinor(), RetailMinor: it.GetRetailMinor(),
			EffectiveFrom: optionalTime(it.GetEffectiveFrom()), EffectiveTo: optionalTime(it.GetEffectiveTo()),
		}
	}
	return domain.PriceList{
		ID: l.GetPriceListId(), Name: l.GetName(), Currency: l.GetCurrency(), Items: items,
		CreatedAt: orElse(l.GetCreatedAt(), updated), UpdatedAt: updated.AsTime(), Version: e.GetMeta().GetVersion(),
	}
}

func orElse(t, fallback *timestamppb.Timestamp) time.Time {
	if t != nil {
		return t.AsTime()
	}
	return fallback.AsTime()
}

func optionalTime(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}
