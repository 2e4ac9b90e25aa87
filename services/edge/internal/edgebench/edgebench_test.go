package edgebench

import (
	"errors"
	"testing"
	"time"
)

func fixture(b *testing.B) *Fixture {
	f, err := New()
	if err != nil {
		b.Fatal(err)
	}
	return f
}

func check(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

func BenchmarkBareHandler(b *testing.B) {
	f := fixture(b)
	b.ReportAllocs()
	for range b.N {
		check(b, Serve(f.Bare, f.Token))
	}
}

func BenchmarkEdgeReusedToken(b *testing.B) {
	f := fixture(b)
	b.ReportAllocs()
	var err error
	BenchReused(b, f, &err)
	check(b, err)
}

func BenchmarkEdgeFirstSeenToken(b *testing.B) {
	f := fixture(b)
	b.ReportAllocs()
	var err error
	BenchFirstSeen(b, f, &err)
	check(b, err)
}

// The fixture answers what the benchmarks measure.
func TestFixtureServes(t *testing.T) {
	f, err := New()
	if err != nil {
		t.Fatal(err)
	}
	fresh, _ := f.NewToken()
	for name, err := range map[string]error{
		"bare": Serve(f.Bare, f.Token), "edge": Serve(f.Edge, f.Token), "edge, new token": Serve(f.Edge, fresh),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := Serve(f.Edge, "not-a-token"); err == nil {
		t.Error("the edge served a request without a valid token")
	}
}

// A run's times add up per case, and its ratio and spread come from them.
func TestTimingOfAlternatedCases(t *testing.T) {
	var tm timing
	calls := 0
	slow := func(int) error { calls++; time.Sleep(2 * time.Millisecond); return nil }
	fast := func(int) error { calls++; return nil }
	if err := alternate(20, fast, slow, &tm); err != nil || calls != 40 {
		t.Fatalf("alternate: %v, %d calls", err, calls)
	}
	if tm.perOp(1, 20) < (2 * time.Millisecond).Nanoseconds() {
		t.Errorf("the slow case took %d ns per request, less than it slept", tm.perOp(1, 20))
	}
	if r, s := tm.ratio(), tm.spread(); r <= 1 || s[0] > r || s[1] < r {
		t.Errorf("ratio %v outside its spread %v, or not above 1", r, s)
	}
	boom := errors.New("boom")
	if err := alternate(3, fast, func(int) error { return boom }, nil); !errors.Is(err, boom) {
		t.Errorf("a failing case: %v", err)
	}
}
