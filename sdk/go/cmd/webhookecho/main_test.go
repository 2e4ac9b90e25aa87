package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

func TestReceiverPrintsWhatVerifiesAndRefusesTheRest(t *testing.T) {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	var out bytes.Buffer
	h := receiver(secret, &out)
	body := `{"type":"invoice.paid","timestamp":"2026-12-06T12:00:00.000Z","data":{ "id": "inv-1" }}`
	post := func(sign string) int {
		wh, _ := standardwebhooks.NewWebhook(sign)
		sig, _ := wh.Sign("msg_1", time.Now(), []byte(body))
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("webhook-id", "msg_1")
		r.Header.Set("webhook-timestamp", strconv.FormatInt(time.Now().Unix(), 10))
		r.Header.Set("webhook-signature", sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if code := post(secret); code != http.StatusNoContent {
		t.Fatalf("a signed delivery: %d", code)
	}
	if got := out.String(); !strings.Contains(got, `msg_1 invoice.paid {"id":"inv-1"}`) {
		t.Errorf("printed %q", got)
	}
	out.Reset()
	if code := post("whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldA=="); code != http.StatusBadRequest || !strings.Contains(out.String(), "refused msg_1") {
		t.Errorf("a forged delivery: %d, printed %q", code, out.String())
	}
}
