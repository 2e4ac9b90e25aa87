package domain

import (
	"bytes"
	"testing"
	"time"
)

func TestRotateKeepsGraceAndForgetsExpired(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	c := Credentials{ResellerID: "r1", ClientID: "rapi_1", SecretDigest: []byte("d1"), Activation: "a1", Version: 1}

	c = c.Rotate(Credentials{ClientID: "rapi_2", SecretDigest: []byte("d2")}, t0, 24*time.Hour, time.Hour)
	if c.ClientID != "rapi_2" || c.Version != 2 || c.ResellerID != "r1" || c.Activation != "a1" || len(c.Retired) != 1 {
		t.Fatalf("after one rotation: %+v", c)
	}
	if d, ok := c.Secret("rapi_1", t0.Add(23*time.Hour)); !ok || !bytes.Equal(d, []byte("d1")) {
		t.Error("the old key is refused within its grace")
	}
	if _, ok := c.Secret("rapi_1", t0.Add(24*time.Hour)); ok {
		t.Error("the old key is accepted after its grace")
	}
	if d, ok := c.Secret("rapi_2", t0.Add(48*time.Hour)); !ok || !bytes.Equal(d, []byte("d2")) {
		t.Error("the current key is refused")
	}
	if _, ok := c.Secret("rapi_x", t0); ok {
		t.Error("an unknown key is accepted")
	}

	// A second rotation with no grace ends the first key's grace too.
	t1 := t0.Add(time.Hour)
	c = c.Rotate(Credentials{ClientID: "rapi_3", SecretDigest: []byte("d3")}, t1, 0, time.Hour)
	if len(c.Retired) != 2 || c.Retired[0].ClientID != "rapi_2" || !c.Retired[1].NotAfter.Equal(t1) {
		t.Fatalf("after a rotation without grace: %+v", c.Retired)
	}
	if len(c.InGrace(t1)) != 0 {
		t.Errorf("in grace: %+v", c.InGrace(t1))
	}
	// Once their tokens have expired, retired keys are forgotten.
	c = c.Rotate(Credentials{ClientID: "rapi_4", SecretDigest: []byte("d4")}, t1.Add(time.Hour), time.Minute, time.Hour)
	if len(c.Retired) != 1 || c.Retired[0].ClientID != "rapi_3" {
		t.Errorf("after their tokens expired: %+v", c.Retired)
	}
}

func TestRotateBoundsRetiredKeys(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	c := Credentials{ClientID: "rapi_0"}
	for i := range 3 * maxRetired {
		c = c.Rotate(Credentials{ClientID: "rapi_" + string(rune('a'+i%26)) + string(rune('0'+i/26))}, now, time.Hour, time.Hour)
	}
	if len(c.Retired) != maxRetired {
		t.Errorf("%d retired keys kept, want %d", len(c.Retired), maxRetired)
	}
}
