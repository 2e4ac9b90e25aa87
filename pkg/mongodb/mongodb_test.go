package mongodb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/testkit"
)

var kit *testkit.Kit

func TestMain(m *testing.M) { testkit.Main(m, &kit) }

type doc struct {
	ID      string `bson:"_id"`
	Version int64  `bson:"version"`
	Name    string `bson:"name"`
	Owner   string `bson:"owner"`
}

func TestReplaceIfNewerKeepsTheNewestVersion(t *testing.T) {
	ctx := context.Background()
	coll := kit.Mongo.Database(kit.DatabaseName(t)).Collection("things")

	steps := []struct {
		version     int64
		name        string
		wantApplied bool
		wantName    string
	}{
		{2, "v2", true, "v2"},   // first seen: inserted
		{1, "v1", false, "v2"},  // older arrives late: ignored
		{2, "v2b", false, "v2"}, // redelivery of the same version: ignored
		{5, "v5", true, "v5"},   // newer: replaces
	}
	for _, s := range steps {
		applied, err := mongodb.ReplaceIfNewer(ctx, coll, "t1", s.version, doc{ID: "t1", Version: s.version, Name: s.name})
		if err != nil {
			t.Fatalf("version %d: %v", s.version, err)
		}
		if applied != s.wantApplied {
			t.Errorf("version %d: applied = %v, want %v", s.version, applied, s.wantApplied)
		}
		got, err := mongodb.FindOne[doc](ctx, coll, bson.D{{Key: "_id", Value: "t1"}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != s.wantName {
			t.Errorf("after version %d: name = %q, want %q", s.version, got.Name, s.wantName)
		}
	}
	if n, _ := coll.CountDocuments(ctx, bson.D{}); n != 1 {
		t.Errorf("%d documents, want 1", n)
	}
}

func TestFindPageFindOneFindAll(t *testing.T) {
	ctx := context.Background()
	coll := kit.Mongo.Database(kit.DatabaseName(t)).Collection("things")
	for i, name := range []string{"e", "b", "d", "a", "c"} {
		owner := "r1"
		if i == 0 {
			owner = "r2"
		}
		if _, err := coll.InsertOne(ctx, doc{ID: name, Version: 1, Name: name, Owner: owner}); err != nil {
			t.Fatal(err)
		}
	}
	page, total, err := mongodb.FindPage[doc](ctx, coll, mongodb.Page{
		Filter: bson.D{{Key: "owner", Value: "r1"}},
		Sort:   bson.D{{Key: "name", Value: 1}},
		Skip:   1, Limit: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if total != 4 {
		t.Errorf("total = %d, want 4", total)
	}
	if len(page) != 2 || page[0].Name != "b" || page[1].Name != "c" {
		t.Errorf("page = %+v, want b, c", page)
	}
	if _, err := mongodb.FindOne[doc](ctx, coll, bson.D{{Key: "_id", Value: "zz"}}); !errors.Is(err, mongodb.ErrNotFound) {
		t.Errorf("FindOne missing: err = %v, want ErrNotFound", err)
	}
	all, err := mongodb.FindAll[doc](ctx, coll, bson.D{{Key: "owner", Value: "r1"}}, options.Find().SetSort(bson.D{{Key: "name", Value: -1}}).SetLimit(3))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].Name != "d" || all[2].Name != "b" {
		t.Errorf("FindAll = %+v, want d, c, b", all)
	}
}

func TestEnsureIndexesTwice(t *testing.T) {
	ctx := context.Background()
	coll := kit.Mongo.Database(kit.DatabaseName(t)).Collection("things")
	models := []mongo.IndexModel{
		{Keys: bson.D{{Key: "owner", Value: 1}, {Key: "name", Value: 1}}},
		{Keys: bson.D{{Key: "owner", Value: 1}, {Key: "version", Value: -1}}},
	}
	// Every replica calls it at start-up: the second call must succeed and
	// create nothing new.
	for i := range 2 {
		if err := mongodb.EnsureIndexes(ctx, coll, models...); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	specs, err := coll.Indexes().ListSpecifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 3 { // _id + 2
		t.Errorf("%d indexes, want 3", len(specs))
	}
}

func TestScopedReadsOnlyTheirScope(t *testing.T) {
	ctx := context.Background()
	coll := kit.Mongo.Database(kit.DatabaseName(t)).Collection("things")
	if _, err := coll.InsertMany(ctx, []any{
		doc{ID: "a1", Version: 1, Name: "A1", Owner: "a"}, doc{ID: "a2", Version: 1, Name: "A2", Owner: "a"},
		doc{ID: "b1", Version: 1, Name: "B1", Owner: "b"}, doc{ID: "c1", Version: 1, Name: "C1", Owner: "c"},
	}); err != nil {
		t.Fatal(err)
	}
	s := mongodb.NewScoped(coll, "owner")
	page := mongodb.Page{Sort: bson.D{{Key: "_id", Value: 1}}, Limit: 10}
	docs, total, err := mongodb.ScopedFindPage[doc](ctx, s, []string{"a"}, page)
	if err != nil || total != 2 || len(docs) != 2 || docs[0].ID != "a1" {
		t.Errorf("scope a: %v, %d, %v", docs, total, err)
	}
	page.Filter = bson.D{{Key: "name", Value: "B1"}}
	if docs, total, err := mongodb.ScopedFindPage[doc](ctx, s, []string{"a", "b"}, page); err != nil || total != 1 || docs[0].ID != "b1" {
		t.Errorf("scope a,b with a filter: %v, %d, %v", docs, total, err)
	}
	if _, err := mongodb.ScopedFindOne[doc](ctx, s, []string{"a"}, bson.D{{Key: "_id", Value: "b1"}}); !errors.Is(err, mongodb.ErrNotFound) {
		t.Errorf("another scope's document: err = %v, want ErrNotFound", err)
	}
	if d, err := mongodb.ScopedFindOne[doc](ctx, s, []string{"b"}, bson.D{{Key: "_id", Value: "b1"}}); err != nil || d.Name != "B1" {
		t.Errorf("own document: %v, %v", d, err)
	}
	for _, scope := range [][]string{nil, {}, {""}, {"a", ""}} {
		if _, _, err := mongodb.ScopedFindPage[doc](ctx, s, scope, page); !errors.Is(err, mongodb.ErrNoScope) {
			t.Errorf("page with scope %q: err = %v, want ErrNoScope", scope, err)
		}
		if _, err := mongodb.ScopedFindOne[doc](ctx, s, scope, nil); !errors.Is(err, mongodb.ErrNoScope) {
			t.Errorf("find with scope %q: err = %v, want ErrNoScope", scope, err)
		}
	}
}

func TestReplicasEnsuringTheSameIndexesAtOnceBothSucceed(t *testing.T) {
	db := kit.Mongo.Database(kit.DatabaseName(t))
	for round := range 20 {
		coll := db.Collection(fmt.Sprintf("things_%d", round))
		model := mongo.IndexModel{Keys: bson.D{{Key: "reseller_id", Value: 1}, {Key: "name", Value: 1}}}
		errs := make(chan error, 4)
		for range 4 {
			go func() { errs <- mongodb.EnsureIndexes(context.Background(), coll, model) }()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}
