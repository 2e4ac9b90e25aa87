package backoffice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"

	"github.com/resellerapi/platform/pkg/eventbus"
)

// Record is one back-office record: an aggregate's whole state at Version,
// as its event carries it. State is the event's own message from
// proto-events (eventsv1.Reseller, eventsv1.Invoice, ...): the back-office
// has no parallel type of its own.
type Record[M proto.Message] struct {
	Version int64
	State   M
}

// At returns state as a record at version.
func At[M proto.Message](version int64, state M) Record[M] {
	return Record[M]{Version: version, State: state}
}

// Kind is one kind of back-office record: the event its records become.
// Resellers, Accounts, Products, PriceLists, Invoices and Payments return
// the platform's kinds.
type Kind[M proto.Message] struct {
	name string
	id   func(M) string
	// event wraps a record's state with meta into its event on its topic,
	// filling in what the back-office may leave out (a status) on a copy.
	event func(meta *eventsv1.EventMeta, state M) eventbus.Publication
	// shorthands rewrites a record's top-level fields before they are
	// decoded: fields of the input that the event spells differently.
	shorthands func(fields map[string]json.RawMessage) error
}

// newKind makes the kind of records of the event E on topic: wrap puts a
// state and its envelope into the event; defaults, when given, fills in on
// a copy of the state what the back-office may leave out (a status).
func newKind[M proto.Message, E eventbus.Event](name string, id func(M) string, topic eventbus.Topic[E],
	wrap func(*eventsv1.EventMeta, M) E, defaults func(M)) Kind[M] {
	return Kind[M]{name: name, id: id, event: func(meta *eventsv1.EventMeta, state M) eventbus.Publication {
		if defaults != nil {
			state = proto.CloneOf(state)
			defaults(state)
		}
		return eventbus.On(topic, wrap(meta, state))
	}}
}

// Name is how errors name a record of the kind ("price list").
func (k Kind[M]) Name() string { return k.name }

// ID is the id of the record's aggregate.
func (k Kind[M]) ID(r Record[M]) string { return k.id(r.State) }

// Validate checks r the way its consumers will: it builds the event (with
// the record's id and version in its envelope) and applies the rules of
// the event's topic, the ones declared once in proto-events/rules.
func (k Kind[M]) Validate(r Record[M]) error {
	meta := &eventsv1.EventMeta{EventId: "unpublished", OccurredAt: timestamppb.Now(), AggregateId: k.id(r.State), Version: r.Version}
	return k.event(meta, r.State).Err()
}

// Parse reads records from r and validates each. The input is one JSON
// object, a JSON array of objects, or one object per line. An object is
// the protojson form of the kind's state message plus "version": field
// names as in the .proto (snake_case) or camelCase, enum values as their
// lower-case word ("active", "one_time") or full name, decimals (a tax
// rate) as a JSON number or string, times in RFC 3339. Every error names
// the record by position and id and the field as the input spells it.
func (k Kind[M]) Parse(r io.Reader) ([]Record[M], error) {
	return parseRecords(r, k.name, func(raw json.RawMessage) (Record[M], string, error) {
		rec, ok, err := k.decode(raw)
		if !ok {
			return rec, "", err
		}
		// What could be decoded is checked too, so that every problem of a
		// record is reported at once; a value that could not be decoded is
		// left out (an enum then takes its default).
		return rec, k.id(rec.State), errors.Join(err, k.Validate(rec))
	})
}

// decode decodes one record, refusing unknown fields, fields given twice
// and values of the wrong type with messages in the input's terms. ok is
// false when raw is not an object at all; otherwise rec holds every field
// that could be decoded, also when err reports others.
func (k Kind[M]) decode(raw json.RawMessage) (rec Record[M], ok bool, err error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return rec, false, errors.New("not a JSON object")
	}
	var errs []error
	if v, given := fields["version"]; given {
		delete(fields, "version")
		n, err := wholeNumber(v, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("version: %w", err))
		}
		rec.Version = n
	}
	if k.shorthands != nil {
		errs = append(errs, k.shorthands(fields))
	}
	var zero M
	msg := zero.ProtoReflect().New()
	normalized, fieldErrs := normalizeMessage(msg.Descriptor(), fields, "")
	errs = append(errs, fieldErrs...)
	body, err := json.Marshal(normalized)
	if err == nil {
		err = protojson.Unmarshal(body, msg.Interface())
	}
	if err != nil && len(fieldErrs) == 0 {
		// normalizeMessage checked every value, so this is unexpected.
		errs = append(errs, errors.New(strings.TrimPrefix(err.Error(), "proto: ")))
	}
	rec.State = msg.Interface().(M)
	return rec, true, errors.Join(errs...)
}

// Publish publishes one event per record of kind k, in order, stopping at
// the first failure (an event that breaks its rules is refused by the
// bus). It returns how many were published. The events share one
// correlation id.
func Publish[M proto.Message](ctx context.Context, p *Publisher, k Kind[M], records []Record[M]) (int, error) {
	ctx = batch(ctx)
	for i, r := range records {
		meta, err := p.meta(ctx, k.id(r.State), r.Version)
		if err == nil {
			err = p.bus.Publish(ctx, k.event(meta, r.State))
		}
		if err != nil {
			return i, fmt.Errorf("%s %q: %w", k.name, k.id(r.State), err)
		}
	}
	return len(records), nil
}
