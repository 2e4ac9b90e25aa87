package adapters

import (
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// During a rotation a delivery carries a signature per secret: a receiver
// holding either verifies it with the specification's library; one
// holding neither, or a changed body, does not.
func TestSignedHeadersVerifyWithEitherSecret(t *testing.T) {
	oldSecret, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	newSecret, _ := NewSecret()
	other, _ := NewSecret()
	if !strings.HasPrefix(newSecret, "whsec_") || newSecret == oldSecret {
		t.Fatalf("secrets %q %q", oldSecret, newSecret)
	}
	body := []byte(`{"type":"invoice.issued","timestamp":"2026-12-06T12:00:00Z","data":{"id":"inv-1"}}`)
	h, err := SignedHeaders("msg_1", time.Now(), body, []string{newSecret, oldSecret})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(h.Get(HeaderSignature), "v1,"); got != 2 || h.Get(HeaderID) != "msg_1" {
		t.Fatalf("headers %v", h)
	}
	for _, s := range []string{oldSecret, newSecret} {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(body, h); err != nil {
			t.Errorf("verify with a signing secret: %v", err)
		}
		if err := wh.Verify(append([]byte(" "), body...), h); err == nil {
			t.Error("a changed body verified")
		}
	}
	wh, _ := standardwebhooks.NewWebhook(other)
	if err := wh.Verify(body, h); err == nil {
		t.Error("another secret verified")
	}
	if _, err := SignedHeaders("msg_2", time.Now(), body, nil); err == nil {
		t.Error("signed with no secret")
	}
}
