package validate

import "testing"

func TestValidators(t *testing.T) {
	tests := []struct {
		name string
		err  error
		ok   bool
	}{
		{"id ok", ID("id", "res-1.a_b:c"), true},
		{"id empty", ID("id", ""), false},
		{"id space", ID("id", "a b"), false},
		{"id too long", ID("id", string(make([]byte, 65))), false},
		{"text ok", Text("name", "Acme", 10), true},
		{"text blank", Text("name", "   ", 10), false},
		{"text too long", Text("name", "abcdefghijk", 10), false},
		{"text bad utf8", OptionalText("name", "\xff", 10), false},
		{"email ok", Email("email", "ops@acme.example"), true},
		{"email empty ok", Email("email", ""), true},
		{"email display name", Email("email", "Ops <ops@acme.example>"), false},
		{"email bad", Email("email", "not-an-email"), false},
		{"country ok", Country("country", "GR"), true},
		{"country lower", Country("country", "gr"), false},
		{"country long", Country("country", "GRC"), false},
		{"currency ok", Currency("currency", "EUR"), true},
		{"currency bad", Currency("currency", "EURO"), false},
		{"phone plus", Phone("phone", "+302101234567"), true},
		{"phone 00", Phone("phone", "00302101234567"), true},
		{"phone local", Phone("phone", "2101234567"), false},
		{"phone letters", Phone("phone", "+30abc"), false},
	}
	for _, tt := range tests {
		if (tt.err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok = %v", tt.name, tt.err, tt.ok)
		}
	}
}
