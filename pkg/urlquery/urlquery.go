// Package urlquery reads a URL's query string without building a
// url.Values map. A request names a handful of parameters; finding each by
// scanning the parsed pairs costs less than a map, its slices and its
// strings, and a query of usual size is parsed with no allocation at all.
// The generated gin wrappers (tools/oapi-codegen) read parameters through
// it.
package urlquery

import (
	"net/url"
	"strings"
)

// MaxParams is how many parameters a query may have; a longer one is read
// as empty, as net/url does by default (GODEBUG urlmaxqueryparams).
const MaxParams = 10000

// Values is a parsed query string. Its zero value is an empty query.
type Values struct {
	fixed [16]pair // the first pairs: a query of usual size fits
	n     int      // how many of fixed are used
	more  []pair   // the pairs after those
}

type pair struct{ name, value string }

// Parse parses raw into v (replacing what v held) by url.ParseQuery's
// rules: pairs are separated by "&"; names and values are unescaped ("+"
// is a space); an empty pair, a pair with a ";" and one that does not
// unescape are left out.
func (v *Values) Parse(raw string) {
	v.n, v.more = 0, v.more[:0]
	if strings.Count(raw, "&")+1 > MaxParams {
		return
	}
	for raw != "" {
		part := raw
		if i := strings.IndexByte(raw, '&'); i >= 0 {
			part, raw = raw[:i], raw[i+1:]
		} else {
			raw = ""
		}
		// One look at each byte: where the value starts, and whether the
		// pair is refused (";") or needs unescaping.
		eq, escaped, semicolon := -1, false, false
		for i := 0; i < len(part); i++ {
			switch part[i] {
			case '=':
				if eq < 0 {
					eq = i
				}
			case '%', '+':
				escaped = true
			case ';':
				semicolon = true
			}
		}
		if part == "" || semicolon {
			continue
		}
		name, value := part, ""
		if eq >= 0 {
			name, value = part[:eq], part[eq+1:]
		}
		if escaped {
			var err error
			if name, err = url.QueryUnescape(name); err != nil {
				continue
			}
			if value, err = url.QueryUnescape(value); err != nil {
				continue
			}
		}
		if v.n < len(v.fixed) {
			v.fixed[v.n] = pair{name: name, value: value}
			v.n++
		} else {
			v.more = append(v.more, pair{name: name, value: value})
		}
	}
}

// Lookup returns the first value given for name and how many values are
// given (0 when name is absent).
func (v *Values) Lookup(name string) (first string, n int) {
	for p := range v.all() {
		if p.name == name {
			if n == 0 {
				first = p.value
			}
			n++
		}
	}
	return first, n
}

// Get returns the values given for name in order, nil when it is absent.
func (v *Values) Get(name string) []string {
	var out []string
	for p := range v.all() {
		if p.name == name {
			out = append(out, p.value)
		}
	}
	return out
}

// Map returns the query as url.Values, for code that takes them.
func (v *Values) Map() url.Values {
	m := url.Values{}
	for p := range v.all() {
		m[p.name] = append(m[p.name], p.value)
	}
	return m
}

// all yields the pairs in order.
func (v *Values) all() func(yield func(pair) bool) {
	return func(yield func(pair) bool) {
		for _, p := range v.fixed[:v.n] {
			if !yield(p) {
				return
			}
		}
		for _, p := range v.more {
			if !yield(p) {
				return
			}
		}
	}
}
