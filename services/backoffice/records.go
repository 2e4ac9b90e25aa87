// Package backoffice is the distributor's side of the platform: it turns
// back-office records (resellers, accounts, products, price lists,
// invoices, payments) into events and publishes them on NATS JetStream.
// A record is the event's own state message at a version (Record); each
// Kind parses, validates and publishes one event type. backofficectl is
// its command-line front end; the all-in-one binary uses it to seed demo
// data.
package backoffice

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// maxRecords bounds one input so a runaway file cannot exhaust memory.
const maxRecords = 100_000

// parseRecords reads one JSON object, a JSON array of objects, or a
// sequence of objects (one per line) and decodes each with decode, which
// returns the record, its id (empty when it could not tell) and whether
// it is valid. Every error names the record by position and, when known,
// id.
func parseRecords[T any](r io.Reader, kind string, decode func(json.RawMessage) (T, string, error)) ([]T, error) {
	br := bufio.NewReader(r)
	first, err := peekNonSpace(br)
	if err == io.EOF {
		return nil, fmt.Errorf("no %s records in input", kind)
	}
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(br)
	var raws []json.RawMessage
	if first == '[' {
		if err := dec.Decode(&raws); err != nil {
			return nil, fmt.Errorf("input is not a JSON array of %s objects: %w", kind, err)
		}
		if dec.More() {
			return nil, errors.New("unexpected data after the JSON array")
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, errors.New("unexpected data after the JSON array")
		}
	} else {
		for {
			var raw json.RawMessage
			err := dec.Decode(&raw)
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s record %d: not valid JSON: %w", kind, len(raws)+1, err)
			}
			raws = append(raws, raw)
			if len(raws) > maxRecords {
				return nil, fmt.Errorf("more than %d records in one input", maxRecords)
			}
		}
	}
	if len(raws) == 0 {
		return nil, fmt.Errorf("no %s records in input", kind)
	}
	if len(raws) > maxRecords {
		return nil, fmt.Errorf("more than %d records in one input", maxRecords)
	}

	out := make([]T, 0, len(raws))
	var errs []error
	for i, raw := range raws {
		rec, id, err := decode(raw)
		if err != nil && id == "" {
			errs = append(errs, fmt.Errorf("%s record %d: %s", kind, i+1, strings.ReplaceAll(err.Error(), "\n", "; ")))
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s record %d (id %q): %s", kind, i+1, id, strings.ReplaceAll(err.Error(), "\n", "; ")))
			continue
		}
		out = append(out, rec)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if !unicode.IsSpace(rune(b)) {
			return b, br.UnreadByte()
		}
	}
}
