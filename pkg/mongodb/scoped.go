package mongodb

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ErrNoScope is returned by a Scoped read asked to run without a scope.
var ErrNoScope = errors.New("read without a reseller scope refused")

// Scoped is a collection whose every read is limited to the documents of
// the caller's resellers: the scope condition is added here, not by each
// query, and a read without a scope is refused, so an adapter cannot
// forget isolation. The scope field starts every index of the collection.
type Scoped struct {
	coll  *mongo.Collection
	field string
}

// NewScoped returns coll scoped on field (e.g. "reseller_id").
func NewScoped(coll *mongo.Collection, field string) Scoped {
	return Scoped{coll: coll, field: field}
}

// filter prepends the scope to filter: {field: id} for one reseller,
// {field: {$in: ids}} for several.
func (s Scoped) filter(scope []string, filter bson.D) (bson.D, error) {
	if len(scope) == 0 || s.field == "" {
		return nil, fmt.Errorf("%w (%s)", ErrNoScope, s.coll.Name())
	}
	for _, id := range scope {
		if id == "" {
			return nil, fmt.Errorf("%w (%s): empty reseller id", ErrNoScope, s.coll.Name())
		}
	}
	var cond any = scope[0]
	if len(scope) > 1 {
		cond = bson.D{{Key: "$in", Value: scope}}
	}
	return append(bson.D{{Key: s.field, Value: cond}}, filter...), nil
}

// ScopedFindPage is FindPage limited to scope; p.Filter must be a bson.D
// (or nil) of further conditions.
func ScopedFindPage[T any](ctx context.Context, s Scoped, scope []string, p Page) ([]T, int64, error) {
	extra, ok := p.Filter.(bson.D)
	if p.Filter != nil && !ok {
		return nil, 0, fmt.Errorf("scoped page on %s: filter must be a bson.D", s.coll.Name())
	}
	f, err := s.filter(scope, extra)
	if err != nil {
		return nil, 0, err
	}
	p.Filter = f
	return FindPage[T](ctx, s.coll, p)
}

// ScopedFindOne is FindOne limited to scope: a document outside it is
// ErrNotFound, exactly like a missing one.
func ScopedFindOne[T any](ctx context.Context, s Scoped, scope []string, filter bson.D) (T, error) {
	f, err := s.filter(scope, filter)
	if err != nil {
		var zero T
		return zero, err
	}
	return FindOne[T](ctx, s.coll, f)
}

// ScopedFindAll is FindAll limited to scope.
func ScopedFindAll[T any](ctx context.Context, s Scoped, scope []string, filter bson.D, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	f, err := s.filter(scope, filter)
	if err != nil {
		return nil, err
	}
	return FindAll[T](ctx, s.coll, f, opts...)
}
