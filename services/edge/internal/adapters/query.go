package adapters

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/pagetoken"
)

// listFilter holds the conditions every list endpoint offers besides its
// own equality filters: a case-insensitive name search and updatedSince.
func listFilter(filter bson.D, search string, updatedSince time.Time) bson.D {
	if search != "" {
		filter = append(filter, bson.E{Key: "name", Value: bson.D{
			{Key: "$regex", Value: regexp.QuoteMeta(search)}, {Key: "$options", Value: "i"},
		}})
	}
	if !updatedSince.IsZero() {
		filter = append(filter, bson.E{Key: "updated_at", Value: bson.D{{Key: "$gte", Value: updatedSince.UTC()}}})
	}
	return filter
}

// sortBy is the sort of a list: the API's field mapped onto a stored one
// (fields, name by default), then _id in the same direction so that pages
// never overlap or skip an item. Each is served by an index ending with
// the field and _id.
func sortBy(fields map[string]string, field string, desc bool) bson.D {
	stored, ok := fields[field]
	if !ok {
		stored = "name"
	}
	dir := 1
	if desc {
		dir = -1
	}
	return bson.D{{Key: stored, Value: dir}, {Key: "_id", Value: dir}}
}

// valueKind is how a sort key's value is kept in a page token (as text)
// and in the store.
type valueKind int

const (
	kindString valueKind = iota
	kindTime             // RFC 3339 with nanoseconds; a date in the store
	kindInt              // decimal; an int64 in the store
)

// keyset is the filter of the items after position p in sort (a stored
// field, then _id, in one direction, as sortBy makes it): those whose
// field is past p's value, and those with the same value whose _id is past
// p's id. kinds names the fields whose values are not strings; a value that
// does not parse as its kind is pagetoken.ErrInvalid.
func keyset(sort bson.D, p *pagetoken.Position, kinds map[string]valueKind) (bson.E, error) {
	field, dir := sort[0].Key, sort[0].Value
	past := "$gt"
	if dir == -1 {
		past = "$lt"
	}
	var value any = p.Value
	switch kinds[field] {
	case kindTime:
		t, err := time.Parse(time.RFC3339Nano, p.Value)
		if err != nil {
			return bson.E{}, fmt.Errorf("%w: %v", pagetoken.ErrInvalid, err)
		}
		value = t
	case kindInt:
		n, err := strconv.ParseInt(p.Value, 10, 64)
		if err != nil {
			return bson.E{}, fmt.Errorf("%w: %v", pagetoken.ErrInvalid, err)
		}
		value = n
	}
	return bson.E{Key: "$or", Value: bson.A{
		bson.D{{Key: field, Value: bson.D{{Key: past, Value: value}}}},
		bson.D{{Key: field, Value: value}, {Key: "_id", Value: bson.D{{Key: past, Value: p.ID}}}},
	}}, nil
}

// findAfter returns up to limit documents of coll within scope that match
// filter and follow after in sort (all from the start when after is nil):
// one find, no count. kinds are the sort keys' kinds (keyset); opts adds
// to the find (a projection).
func findAfter[T any](ctx context.Context, coll mongodb.Scoped, scope []string, filter, sort bson.D, after *pagetoken.Position,
	kinds map[string]valueKind, limit int, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	if after != nil {
		seek, err := keyset(sort, after, kinds)
		if err != nil {
			return nil, err
		}
		filter = append(filter, seek)
	}
	return mongodb.ScopedFindAll[T](ctx, coll, scope, filter, append(opts, options.Find().SetSort(sort).SetLimit(int64(limit)))...)
}
