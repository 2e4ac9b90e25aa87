package edgebench

import "testing"

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
