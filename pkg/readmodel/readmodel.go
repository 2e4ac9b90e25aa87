// Package readmodel holds what the read-model documents of every owner
// share. Each owner's documents are a package of their own, the contract
// between the projecting service (their only writer) and the edge (which
// reads them with a read-only role): readmodel/directory (accounts,
// resellers), readmodel/catalog (products, price lists, offers) and
// readmodel/invoicing (invoices, payments). Changing a field there is
// changing that contract.
package readmodel

import "go.mongodb.org/mongo-driver/v2/bson"

// SortIndexes are, for every sort field, {reseller_id, field, _id} and
// {reseller_id, status, field, _id}.
func SortIndexes(fields []string) []bson.D {
	var out []bson.D
	for _, f := range fields {
		out = append(out,
			bson.D{{Key: "reseller_id", Value: 1}, {Key: f, Value: 1}, {Key: "_id", Value: 1}},
			bson.D{{Key: "reseller_id", Value: 1}, {Key: "status", Value: 1}, {Key: f, Value: 1}, {Key: "_id", Value: 1}},
		)
	}
	return out
}
