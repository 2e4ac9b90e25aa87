package backoffice

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// normalizeMessage checks the fields of one input object against the
// message desc and returns them keyed by their .proto names with values
// protojson takes: an enum's word becomes its full name, a number given
// for a text field (a decimal) its text, digit for digit. Errors name the
// field as the input spells it, under path, and say what is expected.
func normalizeMessage(desc protoreflect.MessageDescriptor, fields map[string]json.RawMessage, path string) (map[string]any, []error) {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make(map[string]any, len(fields))
	spelled := map[protoreflect.Name]string{}
	var errs []error
	for _, key := range keys {
		fd := fieldOf(desc, key)
		if fd == nil {
			errs = append(errs, fmt.Errorf("unknown field %q", path+key))
			continue
		}
		if first, dup := spelled[fd.Name()]; dup {
			errs = append(errs, fmt.Errorf("field %q is given twice (as %s and %s)", path+string(fd.Name()), first, key))
			continue
		}
		spelled[fd.Name()] = key
		raw := fields[key]
		if isNull(raw) {
			continue
		}
		v, err := fieldValue(fd, raw, path+key)
		errs = append(errs, err...)
		out[string(fd.Name())] = v
	}
	return out, errs
}

// fieldOf finds the field key names: its .proto name, its JSON (camelCase)
// name, or the snake_case of key ("first-name", "resellerId").
func fieldOf(desc protoreflect.MessageDescriptor, key string) protoreflect.FieldDescriptor {
	fds := desc.Fields()
	if fd := fds.ByName(protoreflect.Name(key)); fd != nil {
		return fd
	}
	if fd := fds.ByJSONName(key); fd != nil {
		return fd
	}
	return fds.ByName(protoreflect.Name(toSnake(key)))
}

func fieldValue(fd protoreflect.FieldDescriptor, raw json.RawMessage, path string) (any, []error) {
	switch {
	case fd.IsMap():
		var entries map[string]json.RawMessage
		if json.Unmarshal(raw, &entries) != nil || entries == nil {
			return nil, []error{fmt.Errorf("%s: expected an object", path)}
		}
		out := make(map[string]any, len(entries))
		var errs []error
		for k, v := range entries { // keys are the distributor's own names, kept as sent
			nv, err := singleValue(fd.MapValue(), v, path+"."+k)
			errs = append(errs, err...)
			out[k] = nv
		}
		return out, errs
	case fd.IsList():
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) != nil {
			return nil, []error{fmt.Errorf("%s: expected an array", path)}
		}
		out := make([]any, len(elems))
		var errs []error
		for i, e := range elems {
			nv, err := singleValue(fd, e, path+"["+strconv.Itoa(i)+"]")
			errs = append(errs, err...)
			out[i] = nv
		}
		return out, errs
	}
	return singleValue(fd, raw, path)
}

// singleValue checks one value of fd's type (an element of a list or map
// included).
func singleValue(fd protoreflect.FieldDescriptor, raw json.RawMessage, path string) (any, []error) {
	fail := func(expected string) (any, []error) {
		return nil, []error{fmt.Errorf("%s: expected %s, got %s", path, expected, shorten(raw))}
	}
	trimmed := bytes.TrimSpace(raw)
	switch fd.Kind() {
	case protoreflect.StringKind:
		if isString(trimmed) {
			return raw, nil
		}
		if isNumber(trimmed) {
			return string(trimmed), nil // a decimal as a number: its digits as written, no float
		}
		return fail("text")
	case protoreflect.BoolKind:
		if string(trimmed) == "true" || string(trimmed) == "false" {
			return raw, nil
		}
		return fail("true or false")
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		if _, err := wholeNumber(raw, 32); err != nil {
			return nil, []error{fmt.Errorf("%s: %w", path, err)}
		}
		return raw, nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		if _, err := wholeNumber(raw, 64); err != nil {
			return nil, []error{fmt.Errorf("%s: %w", path, err)}
		}
		return raw, nil
	case protoreflect.EnumKind:
		return enumName(fd.Enum(), raw, path)
	case protoreflect.MessageKind, protoreflect.GroupKind:
		if fd.Message().FullName() == "google.protobuf.Timestamp" {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return fail("a time in RFC 3339 such as 2026-01-02T15:04:05Z")
			}
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				return fail("a time in RFC 3339 such as 2026-01-02T15:04:05Z")
			}
			return raw, nil
		}
		var fields map[string]json.RawMessage
		if json.Unmarshal(raw, &fields) != nil || fields == nil {
			return fail("an object")
		}
		return normalizeMessage(fd.Message(), fields, path+".")
	}
	// Kinds no record uses (floats, bytes, unsigned): protojson judges them.
	return raw, nil
}

// enumName maps an enum's word ("one_time") or full name
// ("BILLING_TYPE_ONE_TIME") onto the full name; the unspecified value is
// not one to give.
func enumName(enum protoreflect.EnumDescriptor, raw json.RawMessage, path string) (any, []error) {
	values := enum.Values()
	prefix := strings.TrimSuffix(string(values.ByNumber(0).Name()), "UNSPECIFIED")
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		name := s
		if s == strings.ToLower(s) {
			name = prefix + strings.ToUpper(s)
		}
		if v := values.ByName(protoreflect.Name(name)); v != nil && v.Number() != 0 {
			return name, nil
		}
	}
	var allowed []string
	for i := range values.Len() {
		if v := values.Get(i); v.Number() != 0 {
			allowed = append(allowed, strings.ToLower(strings.TrimPrefix(string(v.Name()), prefix)))
		}
	}
	slices.Sort(allowed)
	if s == "" {
		s = string(bytes.TrimSpace(raw))
	}
	return nil, []error{fmt.Errorf("%s %q must be one of %s", path, s, strings.Join(allowed, ", "))}
}

// wholeNumber reads a whole number of bits bits given as a JSON number or
// as a string of digits.
func wholeNumber(raw json.RawMessage, bits int) (int64, error) {
	text := string(bytes.TrimSpace(raw))
	var s string
	if json.Unmarshal(raw, &s) == nil {
		text = s
	}
	n, err := strconv.ParseInt(text, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("expected a whole number, got %s", shorten(raw))
	}
	return n, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func isString(b []byte) bool { return len(b) > 0 && b[0] == '"' }

func isNumber(b []byte) bool {
	var n json.Number
	return len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9') && json.Unmarshal(b, &n) == nil
}

// shorten quotes a value for an error message, cut to a readable length.
func shorten(raw json.RawMessage) string {
	s := []rune(string(bytes.TrimSpace(raw)))
	if len(s) > 40 {
		return string(s[:40]) + "..."
	}
	return string(s)
}

// toSnake turns "resellerId" and "first-name" into "reseller_id" and
// "first_name"; snake_case is unchanged.
func toSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r == '-' {
			b.WriteByte('_')
			continue
		}
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
