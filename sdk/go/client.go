package resellerapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/resellerapi/platform/sdk/go/api"
)

// Client calls the Reseller API of one platform as one caller.
type Client struct {
	api  *api.ClientWithResponses
	http *http.Client
}

type config struct {
	base         http.RoundTripper
	tokens       oauth2.TokenSource
	managerToken string
	retry        Retry
	timeout      time.Duration
}

// An Option changes how a [Client] calls the API.
type Option func(*config)

// WithTokenSource authenticates every call with an OAuth 2.0 access token
// from ts (see [PasswordLogin] and [ClientCredentials]).
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(c *config) { c.tokens = ts }
}

// WithManagerToken authenticates every call with a manager's API token
// (the X-Api-Token header) instead of an OAuth 2.0 access token.
func WithManagerToken(token string) Option {
	return func(c *config) { c.managerToken = token }
}

// WithTransport sends the requests through rt instead of
// http.DefaultTransport.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) { c.base = rt }
}

// WithRetry replaces the default retry policy ([DefaultRetry]).
func WithRetry(r Retry) Option {
	return func(c *config) { c.retry = r }
}

// WithTimeout bounds each call, retries included (default 60 s).
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// New returns a client of the Reseller API at baseURL (for example
// https://api.example.com), authenticated by exactly one of
// [WithTokenSource] and [WithManagerToken].
func New(baseURL string, opts ...Option) (*Client, error) {
	cfg := config{base: http.DefaultTransport, retry: DefaultRetry, timeout: time.Minute}
	for _, o := range opts {
		o(&cfg)
	}
	if (cfg.tokens == nil) == (cfg.managerToken == "") {
		return nil, fmt.Errorf("resellerapi: give exactly one of WithTokenSource and WithManagerToken")
	}
	var auth http.RoundTripper
	if cfg.tokens != nil {
		auth = &oauth2.Transport{Source: cfg.tokens, Base: cfg.base}
	} else {
		auth = headerTransport{name: "X-Api-Token", value: cfg.managerToken, next: cfg.base}
	}
	hc := &http.Client{
		Transport: &retryTransport{policy: cfg.retry, next: headerTransport{name: "X-Api-Version", value: "3", next: auth}},
		Timeout:   cfg.timeout,
	}
	c, err := api.NewClientWithResponses(strings.TrimSuffix(baseURL, "/"), api.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("resellerapi: %w", err)
	}
	return &Client{api: c, http: hc}, nil
}

// headerTransport sets one request header on every request.
type headerTransport struct {
	name, value string
	next        http.RoundTripper
}

func (t headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set(t.name, t.value)
	return t.next.RoundTrip(r)
}

// Account is one of the caller's end customers.
func (c *Client) Account(ctx context.Context, id string) (*api.Account, error) {
	resp, err := c.api.GetAccountWithResponse(ctx, id, nil)
	if err != nil {
		return nil, fmt.Errorf("get account %s: %w", id, err)
	}
	return answer(resp.HTTPResponse, resp.Body, resp.JSON200)
}

// Product is one product the caller may resell, at the caller's prices.
func (c *Client) Product(ctx context.Context, id string) (*api.Product, error) {
	resp, err := c.api.GetProductWithResponse(ctx, id, nil)
	if err != nil {
		return nil, fmt.Errorf("get product %s: %w", id, err)
	}
	return answer(resp.HTTPResponse, resp.Body, resp.JSON200)
}

// Invoice is one invoice issued to the caller, with its lines and payments.
func (c *Client) Invoice(ctx context.Context, id string) (*api.Invoice, error) {
	resp, err := c.api.GetInvoiceWithResponse(ctx, id, nil)
	if err != nil {
		return nil, fmt.Errorf("get invoice %s: %w", id, err)
	}
	return answer(resp.HTTPResponse, resp.Body, resp.JSON200)
}

// InvoicePDF is the invoice as a PDF document.
func (c *Client) InvoicePDF(ctx context.Context, id string) ([]byte, error) {
	resp, err := c.api.GetInvoicePdfWithResponse(ctx, id, nil)
	if err != nil {
		return nil, fmt.Errorf("get invoice %s PDF: %w", id, err)
	}
	if err := failure(resp.HTTPResponse, resp.Body); err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// Reseller is the profile of the caller's reseller or of one below it.
func (c *Client) Reseller(ctx context.Context, id string) (*api.ResellerResource, error) {
	resp, err := c.api.GetResellerWithResponse(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get reseller %s: %w", id, err)
	}
	doc, err := answer(resp.HTTPResponse, resp.Body, resp.ApplicationvndApiJSON200)
	if err != nil {
		return nil, err
	}
	return &doc.Data, nil
}

// answer is the decoded success v, or the call's *Error.
func answer[T any](resp *http.Response, body []byte, v *T) (*T, error) {
	if err := failure(resp, body); err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("%s %s: %d answer with Content-Type %q, not the documented one",
			resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return v, nil
}
