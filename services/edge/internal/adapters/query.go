package adapters

import (
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
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
