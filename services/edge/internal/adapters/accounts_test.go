package adapters

import (
	"slices"
	"testing"

	"github.com/resellerapi/platform/pkg/readmodel/catalog"
	"github.com/resellerapi/platform/pkg/readmodel/directory"
)

// Every sort the API offers is one the directory indexes.
func TestSortFieldsAreIndexed(t *testing.T) {
	for api, field := range sortFields {
		if !slices.Contains(directory.AccountSortFields(), field) {
			t.Errorf("sort %s maps to %s, which directory.AccountIndexes does not cover", api, field)
		}
	}
}

// Every product sort the API offers is one the catalog indexes.
func TestProductSortFieldsAreIndexed(t *testing.T) {
	for api, field := range productSortFields {
		if !slices.Contains(catalog.OfferSortFields(), field) {
			t.Errorf("sort %s maps to %s, which catalog.OfferIndexes does not cover", api, field)
		}
	}
}
