package domain

import (
	"testing"
	"time"
)

func TestKeyRingRotation(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	file := SigningKey{ID: "file-1", File: true}
	spare := SigningKey{ID: "file-2", File: true}
	first := SigningKey{ID: "rot-1", CreatedAt: t0, SignsFrom: t0.Add(10 * time.Minute)}
	second := SigningKey{ID: "rot-2", CreatedAt: t0.Add(time.Minute), SignsFrom: t0.Add(time.Hour)}
	ring := KeyRing{file, spare, first, second}
	states := func(now time.Time) map[string]KeyState {
		out := map[string]KeyState{}
		for _, k := range ring {
			out[k.ID], _ = ring.State(k, now, time.Hour)
		}
		return out
	}
	for _, tt := range []struct {
		at     time.Duration
		signer string
		want   map[string]KeyState
	}{
		// Published before it signs; the file key signs meanwhile.
		{0, "file-1", map[string]KeyState{"file-1": KeySigning, "file-2": KeyVerifying, "rot-1": KeyPublished, "rot-2": KeyPublished}},
		{10 * time.Minute, "rot-1", map[string]KeyState{"file-1": KeyVerifying, "rot-1": KeySigning, "rot-2": KeyPublished}},
		// Replaced: verifying until its last token expired, then gone.
		{time.Hour, "rot-2", map[string]KeyState{"rot-1": KeyVerifying, "rot-2": KeySigning}},
		{2 * time.Hour, "rot-2", map[string]KeyState{"rot-1": KeyExpired, "rot-2": KeySigning, "file-1": KeyVerifying}},
	} {
		now := t0.Add(tt.at)
		if signer, ok := ring.Signer(now); !ok || signer.ID != tt.signer {
			t.Errorf("at +%v the signer is %q, want %q", tt.at, signer.ID, tt.signer)
		}
		got := states(now)
		for id, want := range tt.want {
			if got[id] != want {
				t.Errorf("at +%v %s is %s, want %s", tt.at, id, got[id], want)
			}
		}
	}
	if _, until := ring.State(first, t0.Add(time.Hour), time.Hour); !until.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("rot-1 published until %v, want an hour after rot-2 signs", until)
	}
	if n := len(ring.Published(t0.Add(2*time.Hour), time.Hour)); n != 3 {
		t.Errorf("%d keys published once rot-1 expired, want 3", n)
	}

	// A withdrawn key is out at once; the one before signs again.
	ring[3].WithdrawnAt = t0.Add(90 * time.Minute)
	if signer, _ := ring.Signer(t0.Add(2 * time.Hour)); signer.ID != "rot-1" {
		t.Errorf("after rot-2 was withdrawn the signer is %s, want rot-1", signer.ID)
	}
	ring[0].WithdrawnAt, ring[2].WithdrawnAt = t0, t0
	if signer, _ := ring.Signer(t0.Add(2 * time.Hour)); signer.ID != "file-2" {
		t.Errorf("with only file-2 left the signer is %s", signer.ID)
	}
	for _, k := range ring.Published(t0.Add(2*time.Hour), time.Hour) {
		if !k.WithdrawnAt.IsZero() {
			t.Errorf("withdrawn key %s published", k.ID)
		}
	}
}

func TestAnEmergencyRotationWinsOverAPendingOne(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	pending := SigningKey{ID: "z-pending", CreatedAt: t0, SignsFrom: t0.Add(10 * time.Minute)}
	urgent := SigningKey{ID: "a-urgent", CreatedAt: t0.Add(time.Minute), SignsFrom: t0.Add(time.Minute)}
	ring := KeyRing{{ID: "file", File: true}, pending, urgent}
	for _, at := range []time.Duration{time.Minute, 10 * time.Minute, 30 * time.Minute} {
		if signer, _ := ring.Signer(t0.Add(at)); signer.ID != "a-urgent" {
			t.Errorf("at +%v the signer is %s, want the later rotation", at, signer.ID)
		}
	}
	if state, until := ring.State(pending, t0.Add(30*time.Minute), time.Hour); state != KeyVerifying || !until.Equal(t0.Add(61*time.Minute)) {
		t.Errorf("the superseded pending key is %s until %v", state, until)
	}
}
