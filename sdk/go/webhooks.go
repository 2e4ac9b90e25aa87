package resellerapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/resellerapi/platform/sdk/go/api"
)

// WebhookEvent is one delivery of a webhook subscription: the event's
// type, when it happened, and the object as the API represents it (the
// same JSON as the matching GET).
type WebhookEvent struct {
	// ID is the delivery's webhook-id: the same on every retry, so a
	// receiver that has handled it ignores it.
	ID        string          `json:"-"`
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// ErrWebhookSignature is the error of a delivery that does not verify
// with the subscription's secret (forged, altered, or too old).
var ErrWebhookSignature = errors.New("webhook signature does not verify")

// VerifyWebhook checks a delivery's signature with the subscription's
// secret (whsec_...), following the Standard Webhooks specification: the
// webhook-id, webhook-timestamp and webhook-signature headers, a timestamp
// within five minutes, any of the signatures (two during a secret's
// rotation). It returns the event, or an error wrapping
// ErrWebhookSignature.
func VerifyWebhook(secret string, body []byte, header http.Header) (*WebhookEvent, error) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, fmt.Errorf("webhook secret: %w", err)
	}
	if err := wh.Verify(body, header); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWebhookSignature, err)
	}
	var ev WebhookEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, fmt.Errorf("webhook payload: %w", err)
	}
	ev.ID = header.Get("webhook-id")
	return &ev, nil
}

// Account decodes the data of an account.* event.
func (e *WebhookEvent) Account() (*api.Account, error) { return decodeData[api.Account](e, "account.") }

// Invoice decodes the data of an invoice.* or payment.received event: the
// invoice, with its payments.
func (e *WebhookEvent) Invoice() (*api.Invoice, error) {
	if e.Type == "payment.received" {
		return decodeData[api.Invoice](e, "payment.")
	}
	return decodeData[api.Invoice](e, "invoice.")
}

// Reseller decodes the data of a reseller.updated event: the JSON:API
// document GET /api/v3/resellers/{id} answers.
func (e *WebhookEvent) Reseller() (*api.ResellerDocument, error) {
	return decodeData[api.ResellerDocument](e, "reseller.")
}

func decodeData[T any](e *WebhookEvent, prefix string) (*T, error) {
	if !strings.HasPrefix(e.Type, prefix) {
		return nil, fmt.Errorf("a %s event carries no %s", e.Type, strings.TrimSuffix(prefix, "."))
	}
	var v T
	if err := json.Unmarshal(e.Data, &v); err != nil {
		return nil, fmt.Errorf("%s data: %w", e.Type, err)
	}
	return &v, nil
}
