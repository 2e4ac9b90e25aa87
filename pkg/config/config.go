// Package config reads typed service configuration from environment
// variables (12-factor). A Reader collects every problem it finds so that a
// misconfigured service reports all of them at once, then refuses to start.
package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Reader reads variables from a lookup function (os.LookupEnv by default)
// and remembers every invalid value it meets.
type Reader struct {
	lookup func(string) (string, bool)
	errs   []error
}

// FromEnv returns a Reader over the process environment.
func FromEnv() *Reader { return &Reader{lookup: os.LookupEnv} }

// FromMap returns a Reader over a fixed map, for tests and embedding.
func FromMap(m map[string]string) *Reader {
	return &Reader{lookup: func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}}
}

func (r *Reader) raw(name string) (string, bool) {
	v, ok := r.lookup(name)
	if !ok {
		return "", false
	}
	v = strings.TrimSpace(v)
	return v, v != ""
}

// String returns the variable's value, or def when it is unset or empty.
func (r *Reader) String(name, def string) string {
	if v, ok := r.raw(name); ok {
		return v
	}
	return def
}

// Required returns the variable's value and records an error when it is
// unset or empty.
func (r *Reader) Required(name string) string {
	v, ok := r.raw(name)
	if !ok {
		r.errs = append(r.errs, fmt.Errorf("%s is required", name))
	}
	return v
}

// Int returns the variable as an integer, or def when unset.
func (r *Reader) Int(name string, def int) int {
	v, ok := r.raw(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s=%q is not an integer", name, v))
		return def
	}
	return n
}

// Duration returns the variable as a time.Duration ("15m", "90s"), or def
// when unset. Zero and negative durations are refused.
func (r *Reader) Duration(name string, def time.Duration) time.Duration {
	v, ok := r.raw(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.errs = append(r.errs, fmt.Errorf("%s=%q is not a positive duration such as 15m or 90s", name, v))
		return def
	}
	return d
}

// Check records err (if not nil) as a configuration problem; for checks
// that involve several variables.
func (r *Reader) Check(err error) {
	if err != nil {
		r.errs = append(r.errs, err)
	}
}

// Err returns every problem found so far, joined, or nil.
func (r *Reader) Err() error {
	if len(r.errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid configuration: %w", errors.Join(r.errs...))
}
