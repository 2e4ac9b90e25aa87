package secretbox

import (
	"bytes"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := b.Seal([]byte("whsec_secret"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("whsec_secret")) {
		t.Fatal("the sealed form shows the secret")
	}
	if got, err := b.Open(sealed); err != nil || string(got) != "whsec_secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	again, _ := b.Seal([]byte("whsec_secret"))
	if bytes.Equal(again, sealed) {
		t.Error("two seals of one secret are equal: the nonce is not random")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := b.Open(sealed); err == nil {
		t.Error("a changed box opened")
	}
	other, _ := New(bytes.Repeat([]byte{8}, 32))
	if _, err := other.Open(again); err == nil {
		t.Error("another key opened the box")
	}
	if _, err := b.Open([]byte("short")); err == nil {
		t.Error("a short box opened")
	}
	if _, err := New(key[:16]); err == nil {
		t.Error("a 16-byte key was accepted")
	}
}
