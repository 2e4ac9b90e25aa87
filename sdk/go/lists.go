package resellerapi

import (
	"context"
	"fmt"
	"iter"

	"github.com/resellerapi/platform/sdk/go/api"
)

// Accounts walks the caller's accounts matching params by cursor, from
// params.PageToken (or the start) to the end of the list. With
// Sort=updatedAt and UpdatedSince, a walk to the end sees every account
// that existed when it started and every later change at least once.
// params.PageIndex is ignored. The walk stops at the first error, which
// it yields.
func (c *Client) Accounts(ctx context.Context, params api.ListAccountsParams) iter.Seq2[api.Account, error] {
	params.PageIndex = nil
	return walk(params.PageToken, func(token *string) ([]api.Account, *string, error) {
		params.PageToken = token
		resp, err := c.api.ListAccountsWithResponse(ctx, &params)
		if err != nil {
			return nil, nil, fmt.Errorf("list accounts: %w", err)
		}
		list, err := answer(resp.HTTPResponse, resp.Body, resp.JSON200)
		if err != nil {
			return nil, nil, err
		}
		return list.Data, list.NextPageToken, nil
	})
}

// Products walks the products the caller may resell, as [Client.Accounts]
// walks accounts.
func (c *Client) Products(ctx context.Context, params api.ListProductsParams) iter.Seq2[api.Product, error] {
	params.PageIndex = nil
	return walk(params.PageToken, func(token *string) ([]api.Product, *string, error) {
		params.PageToken = token
		resp, err := c.api.ListProductsWithResponse(ctx, &params)
		if err != nil {
			return nil, nil, fmt.Errorf("list products: %w", err)
		}
		list, err := answer(resp.HTTPResponse, resp.Body, resp.JSON200)
		if err != nil {
			return nil, nil, err
		}
		return list.Data, list.NextPageToken, nil
	})
}

// Invoices walks the invoices issued to the caller, as [Client.Accounts]
// walks accounts: with Sort=updatedAt and UpdatedSince it is an
// incremental export.
func (c *Client) Invoices(ctx context.Context, params api.ListInvoicesParams) iter.Seq2[api.InvoiceSummary, error] {
	params.PageIndex = nil
	return walk(params.PageToken, func(token *string) ([]api.InvoiceSummary, *string, error) {
		params.PageToken = token
		resp, err := c.api.ListInvoicesWithResponse(ctx, &params)
		if err != nil {
			return nil, nil, fmt.Errorf("list invoices: %w", err)
		}
		list, err := answer(resp.HTTPResponse, resp.Body, resp.JSON200)
		if err != nil {
			return nil, nil, err
		}
		return list.Data, list.NextPageToken, nil
	})
}

// Resellers walks the caller's reseller and every reseller below it (by
// name, then id) with page[cursor]. params.PageNumber is ignored.
func (c *Client) Resellers(ctx context.Context, params api.ListResellersParams) iter.Seq2[api.ResellerResource, error] {
	params.PageNumber = nil
	return walk(params.PageCursor, func(cursor *string) ([]api.ResellerResource, *string, error) {
		params.PageCursor = cursor
		resp, err := c.api.ListResellersWithResponse(ctx, &params)
		if err != nil {
			return nil, nil, fmt.Errorf("list resellers: %w", err)
		}
		list, err := answer(resp.HTTPResponse, resp.Body, resp.ApplicationvndApiJSON200)
		if err != nil {
			return nil, nil, err
		}
		return list.Data, list.Meta.NextCursor, nil
	})
}

// API is the generated client underneath, for what this layer does not
// wrap; it shares the authentication and retries.
func (c *Client) API() *api.ClientWithResponses { return c.api }

// walk yields the items of page after page, each fetched with the cursor
// the last one answered, until a page answers none.
func walk[T any](from *string, page func(cursor *string) ([]T, *string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		cursor := from
		for {
			items, next, err := page(cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			if next == nil || *next == "" {
				return
			}
			cursor = next
		}
	}
}
