package service_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/resellerapi/platform/pkg/readmodel/directory"
)

// walk follows nextPageToken from path (a first page without pageIndex)
// to the end and returns every id in the order seen.
func (e env) walk(t *testing.T, path, token string) []string {
	t.Helper()
	var seen []string
	next := path
	for pages := 0; next != ""; pages++ {
		if pages > 50 {
			t.Fatal("the walk does not end")
		}
		resp, body := e.get(t, next, token)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", next, resp.StatusCode, body)
		}
		seen = append(seen, ids(body)...)
		tok, _ := body["nextPageToken"].(string)
		next = ""
		if tok != "" {
			if pages > 0 && !strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
				t.Errorf("page %d: Link %q has no next", pages, resp.Header.Get("Link"))
			}
			u, _ := url.Parse(path)
			q := u.Query()
			q.Set("pageToken", tok)
			u.RawQuery = q.Encode()
			next = u.String()
		}
	}
	return seen
}

// A walk by pageToken sees every account once, in the list's order, for
// every sort, with no count on its pages.
func TestCursorPagingWalksEveryAccountOnce(t *testing.T) {
	t.Parallel()
	e := start(t)
	r1 := e.tokens.mint(t, "r1", "accounts:read", time.Minute)
	for _, sort := range []string{"name", "-name", "updatedAt", "-updatedAt", "createdAt"} {
		_, byIndex := e.get(t, "/api/accounts?pageIndex=1&pageSize=100&sort="+sort, r1)
		want := ids(byIndex)
		got := e.walk(t, "/api/accounts?pageSize=5&sort="+sort, r1)
		if !slices.Equal(got, want) || len(got) != 12 {
			t.Errorf("sort %s: walked %v, want %v", sort, got, want)
		}
	}
	// A pageToken page counts nothing.
	_, first := e.get(t, "/api/accounts?pageSize=5", r1)
	tok := first["nextPageToken"].(string)
	_, second := e.get(t, "/api/accounts?pageSize=5&pageToken="+url.QueryEscape(tok), r1)
	if _, counted := second["pagination"]; counted || len(ids(second)) != 5 {
		t.Errorf("second page = %v", second)
	}
	// Filters hold across the walk.
	if got := e.walk(t, "/api/accounts?pageSize=2&status=suspended", r1); strings.Join(got, ",") != "r1-acc-03,r1-acc-07,r1-acc-11" {
		t.Errorf("suspended accounts walked = %v", got)
	}
}

// A token is good only for the list, filters and caller it was issued
// for, and unchanged: anything else is a 400 problem.
func TestPageTokensAreBoundAndTamperEvident(t *testing.T) {
	t.Parallel()
	e := start(t)
	r1 := e.tokens.mint(t, "r1", "accounts:read", time.Minute)
	other := e.tokens.mintFor(t, "r1", "another-user", "accounts:read", time.Now(), time.Minute)
	r2 := e.tokens.mint(t, "r2", "accounts:read", time.Minute)
	_, first := e.get(t, "/api/accounts?pageSize=5", r1)
	tok, _ := first["nextPageToken"].(string)
	if tok == "" {
		t.Fatalf("first page has no nextPageToken: %v", first)
	}
	flipped := []byte(tok)
	flipped[3] ^= 0x01
	for name, c := range map[string]struct{ path, token string }{
		"tampered":         {"/api/accounts?pageToken=" + url.QueryEscape(string(flipped)), r1},
		"another filter":   {"/api/accounts?status=active&pageToken=" + url.QueryEscape(tok), r1},
		"another sort":     {"/api/accounts?sort=-name&pageToken=" + url.QueryEscape(tok), r1},
		"another user":     {"/api/accounts?pageToken=" + url.QueryEscape(tok), other},
		"another reseller": {"/api/accounts?pageToken=" + url.QueryEscape(tok), r2},
		"with pageIndex":   {"/api/accounts?pageIndex=2&pageToken=" + url.QueryEscape(tok), r1},
		"not a token":      {"/api/accounts?pageToken=abc", r1},
		"over the length":  {"/api/accounts?pageToken=" + strings.Repeat("A", 1100), r1},
	} {
		resp, body := e.get(t, c.path, c.token)
		if resp.StatusCode != 400 || body["type"] == nil {
			t.Errorf("%s: %d %v, want a 400 problem", name, resp.StatusCode, body)
		}
	}
}

// While accounts change, a walk by updatedAt sees every account that
// existed when it started; pageIndex skips the one that moved past its
// page.
func TestACursorWalkDoesNotSkipWhatPageIndexSkips(t *testing.T) {
	t.Parallel()
	e := start(t)
	r1 := e.tokens.mint(t, "r1", "accounts:read", time.Minute)
	_, first := e.get(t, "/api/accounts?pageSize=4&sort=updatedAt", r1)
	page1 := ids(first)
	tok := first["nextPageToken"].(string)
	// The first account of page 1 changes: it moves to the end of the list.
	coll := kit.Mongo.Database(e.cfg.DirectoryDatabase).Collection(directory.AccountsCollection)
	if _, err := coll.UpdateOne(context.Background(), bson.D{{Key: "_id", Value: page1[0]}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "updated_at", Value: time.Now().UTC()}, {Key: "version", Value: 2}}}}); err != nil {
		t.Fatal(err)
	}
	_, byIndex := e.get(t, "/api/accounts?pageIndex=2&pageSize=4&sort=updatedAt", r1)
	_, byToken := e.get(t, "/api/accounts?pageSize=4&sort=updatedAt&pageToken="+url.QueryEscape(tok), r1)
	fifth := "r1-acc-04" // the first account of page 2 when the walk started
	if slices.Contains(ids(byIndex), fifth) {
		t.Errorf("pageIndex page 2 = %v: expected it to skip %s, which moved to page 1 (the test would not show the difference)", ids(byIndex), fifth)
	}
	if got := ids(byToken); len(got) == 0 || got[0] != fifth {
		t.Errorf("pageToken page 2 = %v, want it to start at %s", got, fifth)
	}
	rest := e.walk(t, "/api/accounts?pageSize=4&sort=updatedAt&pageToken="+url.QueryEscape(tok), r1)
	all := append(slices.Clone(page1), rest...)
	for _, id := range []string{"r1-acc-00", "r1-acc-01", "r1-acc-04", "r1-acc-11"} {
		if !slices.Contains(all, id) {
			t.Errorf("the walk never saw %s: %v", id, all)
		}
	}
	if all[len(all)-1] != page1[0] {
		t.Errorf("the changed account %s was not seen again at the end: %v", page1[0], all)
	}
}

// Invoices page by cursor too, for every sort; a token of the account list
// is not one of the invoice list.
func TestCursorPagingOverInvoices(t *testing.T) {
	t.Parallel()
	e := start(t)
	r1 := e.tokens.mint(t, "r1", "accounts:read invoices:read", time.Minute)
	for _, sort := range []string{"", "&sort=issueDate", "&sort=-dueDate", "&sort=number", "&sort=-total", "&sort=updatedAt"} {
		_, byIndex := e.get(t, "/api/invoices?pageIndex=1&pageSize=100"+sort, r1)
		want := ids(byIndex)
		got := e.walk(t, "/api/invoices?pageSize=2"+sort, r1)
		if len(want) < 3 || !slices.Equal(got, want) {
			t.Errorf("sort %q: walked %v, want %v", sort, got, want)
		}
	}
	_, accounts := e.get(t, "/api/accounts?pageSize=5", r1)
	tok := accounts["nextPageToken"].(string)
	if resp, body := e.get(t, "/api/invoices?pageToken="+url.QueryEscape(tok), r1); resp.StatusCode != 400 {
		t.Errorf("an account list's token on the invoice list: %d %v", resp.StatusCode, body)
	}
}

// Products page by cursor too, at the caller's prices, for every sort.
func TestCursorPagingOverProducts(t *testing.T) {
	t.Parallel()
	e := start(t)
	r1 := e.tokens.mint(t, "r1", "products:read", time.Minute)
	for _, sort := range []string{"", "&sort=-name", "&sort=vendor", "&sort=category", "&sort=updatedAt"} {
		_, byIndex := e.get(t, "/api/products?pageIndex=1&pageSize=100"+sort, r1)
		want := ids(byIndex)
		got := e.walk(t, "/api/products?pageSize=2"+sort, r1)
		if len(want) < 3 || !slices.Equal(got, want) {
			t.Errorf("sort %q: walked %v, want %v", sort, got, want)
		}
	}
}

// The JSON:API reseller list walks by page[cursor] as the BSS lists walk
// by pageToken: every reseller once, by name then id, with self and next
// links only; its cursors are bound like page tokens.
func TestCursorPagingOverResellers(t *testing.T) {
	t.Parallel()
	root := "walk-" + uuid.NewString()[:8]
	tree := [][3]string{{root, "", ""}}
	for i := range 11 {
		tree = append(tree, [3]string{fmt.Sprintf("%s-%02d", root, i), root, ""})
	}
	publishResellers(t, tree...)
	e := start(t)
	var docs []any
	for i, r := range tree {
		// Pairs share a name, so the walk's order needs the id too.
		docs = append(docs, directory.Reseller{ID: r[0], ParentID: r[1], Name: fmt.Sprintf("Walker %02d", (len(tree)-i)/2),
			Status: []string{"active", "suspended"}[i%2], Version: 1})
	}
	if _, err := kit.Mongo.Database(e.cfg.DirectoryDatabase).Collection(directory.ResellersCollection).InsertMany(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	token := e.tokens.mint(t, root, "resellers:read", time.Minute)
	jsonAPIWalk := func(path string, total float64) []string {
		var seen []string
		for pages := 0; path != ""; pages++ {
			if pages > 20 {
				t.Fatal("the walk does not end")
			}
			resp, doc := e.get(t, path, token)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %d %v", path, resp.StatusCode, doc)
			}
			seen = append(seen, ids(doc)...)
			links, meta := doc["links"].(map[string]any), doc["meta"].(map[string]any)
			next, _ := links["next"].(string)
			if pages == 0 {
				cursor, _ := meta["nextCursor"].(string)
				if cursor == "" || meta["total"] != total {
					t.Fatalf("first page: meta %v", meta)
				}
				next = path + "&page[cursor]=" + url.QueryEscape(cursor)
			} else if meta["total"] != nil || links["first"] != nil || links["last"] != nil ||
				(next == "") != (meta["nextCursor"] == nil) {
				t.Errorf("cursor page %d: links %v, meta %v", pages, links, meta)
			}
			path = next
		}
		return seen
	}
	_, byNumber := e.get(t, "/api/v3/resellers?page[size]=100", token)
	want := ids(byNumber)
	if got := jsonAPIWalk("/api/v3/resellers?page[size]=5", 12); !slices.Equal(got, want) || len(got) != 12 {
		t.Errorf("walked %v, want %v", got, want)
	}
	if got := jsonAPIWalk("/api/v3/resellers?page[size]=2&filter[status]=suspended", 6); len(got) != 6 {
		t.Errorf("suspended resellers walked = %v", got)
	}

	_, first := e.get(t, "/api/v3/resellers?page[size]=5", token)
	cursor := first["meta"].(map[string]any)["nextCursor"].(string)
	flipped := []byte(cursor)
	flipped[3] ^= 0x01
	for name, c := range map[string]struct{ path, token string }{
		"tampered":          {"/api/v3/resellers?page[cursor]=" + url.QueryEscape(string(flipped)), token},
		"another filter":    {"/api/v3/resellers?filter[status]=active&page[cursor]=" + url.QueryEscape(cursor), token},
		"another reseller":  {"/api/v3/resellers?page[cursor]=" + url.QueryEscape(cursor), e.tokens.mint(t, "r1", "resellers:read", time.Minute)},
		"with page[number]": {"/api/v3/resellers?page[number]=2&page[cursor]=" + url.QueryEscape(cursor), token},
		"not a cursor":      {"/api/v3/resellers?page[cursor]=abc", token},
	} {
		resp, doc := e.get(t, c.path, c.token)
		if errs, _ := doc["errors"].([]any); resp.StatusCode != 400 || len(errs) != 1 {
			t.Errorf("%s: %d %v, want a 400 JSON:API error", name, resp.StatusCode, doc)
		}
	}
}
