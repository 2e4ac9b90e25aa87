package mongodb_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/resellerapi/platform/pkg/mongodb"
	"github.com/resellerapi/platform/pkg/testkit"
)

var kit *testkit.Kit

func TestMain(m *testing.M) {
	var err error
	if kit, err = testkit.New(""); err != nil {
		panic(err)
	}
	code := m.Run()
	kit.Close()
	os.Exit(code)
}

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

func TestFindPageAndFindOne(t *testing.T) {
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
