package resellerapi_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	resellerapi "github.com/resellerapi/platform/sdk/go"
)

func signed(t *testing.T, secret, id string, at time.Time, body []byte) http.Header {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign(id, at, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	h.Set("webhook-signature", sig)
	return h
}

func TestVerifyWebhook(t *testing.T) {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"type":"account.status_changed","timestamp":"2026-12-06T12:00:00.000Z","data":{"id":"acc-1","resellerId":"r1","name":"Acme","status":"suspended","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-12-06T12:00:00Z"}}`)
	ev, err := resellerapi.VerifyWebhook(secret, body, signed(t, secret, "msg_1", time.Now(), body))
	if err != nil {
		t.Fatal(err)
	}
	a, err := ev.Account()
	if err != nil || ev.ID != "msg_1" || a.Id != "acc-1" || string(a.Status) != "suspended" || ev.Timestamp.IsZero() {
		t.Fatalf("event %+v, account %+v, %v", ev, a, err)
	}
	if _, err := ev.Invoice(); err == nil {
		t.Error("an account event decoded as an invoice")
	}
	for name, h := range map[string]http.Header{
		"another secret": signed(t, "whsec_"+"dGhpcyBpcyBub3QgdGhlIHNlY3JldA==", "msg_1", time.Now(), body),
		"too old":        signed(t, secret, "msg_1", time.Now().Add(-time.Hour), body),
		"unsigned":       {},
	} {
		if _, err := resellerapi.VerifyWebhook(secret, body, h); !errors.Is(err, resellerapi.ErrWebhookSignature) {
			t.Errorf("%s: %v, want ErrWebhookSignature", name, err)
		}
	}
	h := signed(t, secret, "msg_1", time.Now(), body)
	if _, err := resellerapi.VerifyWebhook(secret, append(body, ' '), h); !errors.Is(err, resellerapi.ErrWebhookSignature) {
		t.Errorf("an altered body: %v", err)
	}
}

func FuzzVerifyWebhook(f *testing.F) {
	f.Add([]byte(`{"type":"x","data":{}}`), "msg_1", "1700000000", "v1,abc")
	f.Fuzz(func(t *testing.T, body []byte, id, ts, sig string) {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", sig)
		if ev, err := resellerapi.VerifyWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", body, h); err == nil {
			t.Errorf("a forged delivery verified: %+v", ev)
		}
	})
}
