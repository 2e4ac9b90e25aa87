package urlquery

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// check compares v, parsed from raw, with url.ParseQuery's reading.
func check(t *testing.T, raw string) {
	t.Helper()
	var v Values
	v.Parse(raw)
	want, _ := url.ParseQuery(raw) // the pairs it can read, as URL.Query keeps them
	if got := v.Map(); !(len(got) == 0 && len(want) == 0) && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: parsed %v, url.ParseQuery %v", raw, got, want)
	}
	for name, values := range want {
		if first, n := v.Lookup(name); first != values[0] || n != len(values) {
			t.Fatalf("%q: Lookup(%q) = %q, %d; want %q, %d", raw, name, first, n, values[0], len(values))
		}
		if got := v.Get(name); !reflect.DeepEqual(got, values) {
			t.Fatalf("%q: Get(%q) = %q, want %q", raw, name, got, values)
		}
	}
	if first, n := v.Lookup("absent"); n != 0 || first != "" || v.Get("absent") != nil {
		t.Fatalf("%q: an absent name is found", raw)
	}
}

func TestParseReadsAQueryAsNetURLDoes(t *testing.T) {
	for _, raw := range []string{
		"",
		"pageIndex=1&pageSize=10&status=active&sort=name",
		"a=1&a=2&b=&c",
		"search=caf%C3%A9+bar&x%5By%5D=1",
		"&&a=1&",
		"a=1;b=2&c=3",
		"bad=%zz&good=1&%zz=2",
		"a==b=c",
		strings.Repeat("k=v&", 40), // more pairs than fit in place
	} {
		check(t, raw)
	}
}

func TestAQueryOverTheLimitIsEmpty(t *testing.T) {
	var v Values
	v.Parse("a=1" + strings.Repeat("&", MaxParams))
	if _, n := v.Lookup("a"); n != 0 {
		t.Errorf("a query of %d parameters was read", MaxParams+1)
	}
	v.Parse("a=1" + strings.Repeat("&", MaxParams-1))
	if _, n := v.Lookup("a"); n != 1 {
		t.Errorf("a query of %d parameters was not read", MaxParams)
	}
}

func TestAUsualQueryIsParsedWithoutAllocating(t *testing.T) {
	var v Values
	allocs := testing.AllocsPerRun(100, func() {
		v.Parse("pageIndex=1&pageSize=10&status=active&sort=-name&search=acme")
		if _, n := v.Lookup("sort"); n != 1 {
			t.Fatal("sort not found")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per parse", allocs)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("pageIndex=1&pageSize=10&status=active")
	f.Add("a=%41&a=+b&;c=1&=x&y=")
	f.Add("%zz=1&k=%")
	f.Fuzz(func(t *testing.T, raw string) { check(t, raw) })
}
