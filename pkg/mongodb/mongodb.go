// Package mongodb holds the platform's MongoDB conventions on top of the
// official driver: connecting, index bootstrap, the version-guarded upsert
// every projection uses, and the one-find-one-count page query every list
// endpoint uses. Everything here works on MongoDB 7+ and on FerretDB 1.24.
package mongodb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Connect opens a client for uri and checks that the server answers.
func Connect(ctx context.Context, uri string) (*mongo.Client, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetTimeout(30 * time.Second).SetMonitor(commandSpans()))
	if err != nil {
		return nil, fmt.Errorf("connect to mongodb: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := client.Ping(pingCtx, nil); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("ping mongodb: %w", err)
	}
	return client, nil
}

// EnsureIndexes creates those of the given indexes that coll does not
// have yet (compared by keys), so every replica may call it at start-up.
// Existing indexes are not sent again: FerretDB 1.24 drops the connection
// when createIndexes names an index that already exists.
func EnsureIndexes(ctx context.Context, coll *mongo.Collection, models ...mongo.IndexModel) error {
	// Replicas starting at once may both find an index missing; the one
	// that creates it second finds it there (FerretDB closes the
	// connection then): look again, a few times.
	var err error
	for attempt := range 3 {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
		}
		if err = ensureIndexes(ctx, coll, models); err == nil || ctx.Err() != nil {
			return err
		}
	}
	return err
}

func ensureIndexes(ctx context.Context, coll *mongo.Collection, models []mongo.IndexModel) error {
	specs, err := coll.Indexes().ListSpecifications(ctx)
	if err != nil {
		return fmt.Errorf("list indexes of %s: %w", coll.Name(), err)
	}
	var missing []mongo.IndexModel
	for _, m := range models {
		keys, err := bson.Marshal(m.Keys)
		if err != nil {
			return fmt.Errorf("index keys %v: %w", m.Keys, err)
		}
		exists := false
		for _, s := range specs {
			exists = exists || bytes.Equal(s.KeysDocument, keys)
		}
		if !exists {
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := coll.Indexes().CreateMany(ctx, missing); err != nil {
		return fmt.Errorf("create indexes on %s: %w", coll.Name(), err)
	}
	return nil
}

// ReplaceIfNewer stores doc under id unless a document with the same id and
// a version >= version is already stored. It is one round trip: a replace
// filtered on {_id, version < v} with upsert. When a newer or equal version
// exists the filter matches nothing, the upsert collides with the existing
// _id and the server answers duplicate key (11000): that is reported as
// applied == false, not as an error.
func ReplaceIfNewer(ctx context.Context, coll *mongo.Collection, id any, version int64, doc any) (applied bool, err error) {
	filter := bson.D{{Key: "_id", Value: id}, {Key: "version", Value: bson.D{{Key: "$lt", Value: version}}}}
	_, err = coll.ReplaceOne(ctx, filter, doc, options.Replace().SetUpsert(true))
	switch {
	case err == nil:
		return true, nil
	case mongo.IsDuplicateKeyError(err):
		return false, nil
	default:
		return false, fmt.Errorf("replace %s %v at version %d: %w", coll.Name(), id, version, err)
	}
}

// Page selects one page of a list query. Skip and Limit come from the
// caller's validated paging parameters.
type Page struct {
	Filter any
	Sort   bson.D
	Skip   int64
	Limit  int64
	// Projection, when set, limits the fields returned (e.g. {lines: 0}).
	Projection bson.D
}

// FindPage returns one page of documents matching p.Filter, decoded as T,
// and the total number of matching documents: one find and one count.
func FindPage[T any](ctx context.Context, coll *mongo.Collection, p Page) ([]T, int64, error) {
	opts := options.Find().SetSkip(p.Skip).SetLimit(p.Limit)
	if len(p.Sort) > 0 {
		opts.SetSort(p.Sort)
	}
	if len(p.Projection) > 0 {
		opts.SetProjection(p.Projection)
	}
	cur, err := coll.Find(ctx, p.Filter, opts)
	if err != nil {
		return nil, 0, fmt.Errorf("find in %s: %w", coll.Name(), err)
	}
	items := make([]T, 0, p.Limit)
	if err := cur.All(ctx, &items); err != nil {
		return nil, 0, fmt.Errorf("decode %s: %w", coll.Name(), err)
	}
	total, err := coll.CountDocuments(ctx, p.Filter)
	if err != nil {
		return nil, 0, fmt.Errorf("count in %s: %w", coll.Name(), err)
	}
	return items, total, nil
}

// FindAll decodes every document matching filter into a []T, in the order
// and up to the limit opts set: one find.
func FindAll[T any](ctx context.Context, coll *mongo.Collection, filter any, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	cur, err := coll.Find(ctx, filter, opts...)
	if err != nil {
		return nil, fmt.Errorf("find in %s: %w", coll.Name(), err)
	}
	var items []T
	if err := cur.All(ctx, &items); err != nil {
		return nil, fmt.Errorf("decode %s: %w", coll.Name(), err)
	}
	return items, nil
}

// FindOne decodes the single document matching filter into a T. It returns
// ErrNotFound when none matches.
func FindOne[T any](ctx context.Context, coll *mongo.Collection, filter any) (T, error) {
	var v T
	err := coll.FindOne(ctx, filter).Decode(&v)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return v, ErrNotFound
	}
	if err != nil {
		return v, fmt.Errorf("find one in %s: %w", coll.Name(), err)
	}
	return v, nil
}

// ErrNotFound is returned by FindOne when no document matches.
var ErrNotFound = errors.New("not found")
