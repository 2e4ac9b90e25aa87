package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/resellerapi/platform/pkg/readmodel/directory"
)

// walkRow tops the caller's (res-0's) accounts up to n, walks the whole
// list twice, by pageToken and by pageIndex (pages of 100 by updatedAt),
// and prints the round trips and time of each: a pageToken page is one
// find, a pageIndex page a find and a count that skips ever more
// documents. n is at most 10,000, the deepest pageIndex reaches.
func walkRow(ctx context.Context, api *http.Client, base string, accounts *mongo.Collection, n int) error {
	have, err := accounts.CountDocuments(ctx, bson.D{{Key: "reseller_id", Value: "res-0"}})
	if err != nil {
		return fmt.Errorf("walk: %w", err)
	}
	all, err := accounts.CountDocuments(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("walk: %w", err)
	}
	now := time.Now().UTC()
	var batch []any
	for i := int(have); i < n; i++ {
		batch = append(batch, directory.Account{ID: fmt.Sprintf("acc-0-w%05d", i), ResellerID: "res-0",
			Name: fmt.Sprintf("Walked customer %05d", i), Email: "it@example.test", Status: "active", Country: "GR",
			CreatedAt: now, UpdatedAt: now.Add(time.Duration(i) * time.Millisecond), Version: 1})
		if len(batch) == 500 || i == n-1 {
			if _, err := accounts.InsertMany(ctx, batch); err != nil {
				return fmt.Errorf("walk: %w", err)
			}
			batch = batch[:0]
		}
	}
	type page struct {
		Data          []json.RawMessage `json:"data"`
		NextPageToken string            `json:"nextPageToken"`
		Pagination    *struct {
			TotalPages int64 `json:"totalPages"`
		} `json:"pagination"`
	}
	get := func(u string) (page, error) {
		var p page
		resp, err := api.Get(u)
		if err != nil {
			return p, err
		}
		defer func() { _ = resp.Body.Close() }()
		if resp.StatusCode != http.StatusOK {
			return p, fmt.Errorf("GET %s: %d", u, resp.StatusCode)
		}
		return p, json.NewDecoder(resp.Body).Decode(&p)
	}
	list := base + "/api/accounts?pageSize=100&sort=updatedAt"
	start, trips, items := time.Now(), 0, 0
	for next := list; next != ""; trips++ {
		p, err := get(next)
		if err != nil {
			return err
		}
		items += len(p.Data)
		next = ""
		if p.NextPageToken != "" {
			next = list + "&pageToken=" + url.QueryEscape(p.NextPageToken)
		}
	}
	byToken := time.Since(start)
	start, indexTrips := time.Now(), 0
	for i := int64(1); ; i++ {
		p, err := get(fmt.Sprintf("%s&pageIndex=%d", list, i))
		indexTrips++
		if err != nil {
			return err
		}
		if p.Pagination == nil || i >= p.Pagination.TotalPages {
			break
		}
	}
	byIndex := time.Since(start)
	fmt.Printf("\nwalk of the caller's %d accounts (the collection holds %d more), pages of 100 by updatedAt, concurrency 1: by pageToken %d round trips in %.1f s (%.0f ms a page), by pageIndex %d in %.1f s (%.0f ms a page): %.2fx\n",
		items, all-have, trips, byToken.Seconds(), ms(byToken)/float64(trips), indexTrips, byIndex.Seconds(), ms(byIndex)/float64(indexTrips), float64(byToken)/float64(byIndex))
	return nil
}
