package config

import (
	"strings"
	"testing"
	"time"
)

func TestReaderCollectsEveryProblem(t *testing.T) {
	r := FromMap(map[string]string{
		"PORT":    "eighty",
		"TIMEOUT": "-5s",
		"NAME":    "  edge ",
	})
	if got := r.String("NAME", "x"); got != "edge" {
		t.Errorf("String trimmed = %q, want edge", got)
	}
	if got := r.String("MISSING", "def"); got != "def" {
		t.Errorf("String default = %q", got)
	}
	if got := r.Int("PORT", 80); got != 80 {
		t.Errorf("Int on bad value = %d, want default 80", got)
	}
	if got := r.Duration("TIMEOUT", time.Second); got != time.Second {
		t.Errorf("Duration on bad value = %v, want default", got)
	}
	r.Required("MONGODB_URI")

	err := r.Err()
	if err == nil {
		t.Fatal("Err() = nil, want the three problems")
	}
	for _, want := range []string{"PORT", "TIMEOUT", "MONGODB_URI is required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestReaderValidValues(t *testing.T) {
	r := FromMap(map[string]string{"N": "12", "D": "90s", "R": "x"})
	if r.Int("N", 0) != 12 || r.Duration("D", 0) != 90*time.Second || r.Required("R") != "x" {
		t.Fatal("valid values not read")
	}
	if err := r.Err(); err != nil {
		t.Fatalf("Err() = %v", err)
	}
}
