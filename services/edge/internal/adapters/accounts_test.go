package adapters

import (
	"slices"
	"testing"

	"github.com/resellerapi/platform/pkg/readmodel"
)

// Every sort the API offers is one the directory indexes.
func TestSortFieldsAreIndexed(t *testing.T) {
	for api, field := range sortFields {
		if !slices.Contains(readmodel.AccountSortFields(), field) {
			t.Errorf("sort %s maps to %s, which readmodel.AccountIndexes does not cover", api, field)
		}
	}
}

// Every product sort the API offers is one the catalog indexes.
func TestProductSortFieldsAreIndexed(t *testing.T) {
	for api, field := range productSortFields {
		if !slices.Contains(readmodel.OfferSortFields(), field) {
			t.Errorf("sort %s maps to %s, which readmodel.OfferIndexes does not cover", api, field)
		}
	}
}
