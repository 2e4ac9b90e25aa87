package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// walkRow walks the caller's whole account list twice, by pageToken and
// by pageIndex (pages of 100 by updatedAt), and prints the round trips and
// time of each: a pageToken page is one find, a pageIndex page a find and
// a count that skips ever more documents.
func walkRow(api *http.Client, base string) error {
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
	fmt.Printf("\nwalk of the caller's %d accounts, pages of 100 by updatedAt: by pageToken %d round trips in %.1f ms, by pageIndex %d in %.1f ms (%.2fx)\n",
		items, trips, ms(byToken), indexTrips, ms(byIndex), float64(byToken)/float64(byIndex))
	return nil
}
