package adapters

import (
	"testing"
	"time"
)

func TestLoginThrottleBacksOffAndForgets(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	th := NewLoginThrottle(3, time.Second, 8*time.Second)
	th.now = func() time.Time { return now }
	for range 2 {
		th.Failed("user:dora", "addr:10.0.0.1")
	}
	if th.Locked("user:dora") != 0 {
		t.Fatal("locked before the third failure")
	}
	th.Failed("user:dora", "addr:10.0.0.1")
	if got := th.Locked("user:dora"); got != time.Second {
		t.Errorf("after 3 failures: %v, want 1s", got)
	}
	for range 5 {
		th.Failed("user:dora")
	}
	if got := th.Locked("user:dora", "addr:10.0.0.1"); got != 8*time.Second {
		t.Errorf("after 8 failures: %v, want the 8s cap", got)
	}
	if th.Locked("user:other") != 0 {
		t.Error("another key is locked")
	}
	now = now.Add(9 * time.Second)
	if th.Locked("user:dora") != 0 {
		t.Error("still locked after the delay")
	}
	th.Succeeded("user:dora")
	th.Failed("user:dora")
	if th.Locked("user:dora") != 0 {
		t.Error("a success did not reset the count")
	}
	now = now.Add(time.Hour)
	th.Failed("user:new") // sweeps
	if _, ok := th.keys["addr:10.0.0.1"]; ok {
		t.Error("an old key was not forgotten")
	}
}
