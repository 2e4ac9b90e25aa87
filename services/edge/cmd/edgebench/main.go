// Command edgebench prints what the edge itself costs per request, as a
// ratio to a bare gin handler writing the same JSON, measured in one run:
// the real engine with its middleware, authentication (a reused token,
// whose verification is cached, and a first-seen one), request validation
// against the OpenAPI document, scoping, paging and the JSON answer, over
// an in-memory account reader (no store). Each case's requests alternate
// with the bare handler's, so that both see the machine at the same speed.
// `make bench` runs it.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"

	"github.com/resellerapi/platform/services/edge/internal/edgebench"
)

func main() {
	requests := flag.Int("requests", 50_000, "requests of each case, alternated with as many of the bare handler")
	flag.Parse()
	results, err := edgebench.Measure(*requests)
	if err != nil {
		fmt.Fprintln(os.Stderr, "edgebench:", err)
		os.Exit(1)
	}
	fmt.Printf("edge's own cost: GET %s, 10 items, in-memory reader, concurrency 1, GOMAXPROCS %d, %d requests of each case alternated with the bare handler's\n",
		edgebench.Path, runtime.GOMAXPROCS(0), *requests)
	fmt.Printf("%-32s %12s %10s %10s %8s %18s\n", "measurement", "us/op", "allocs/op", "B/op", "ratio", "ratio by tenths")
	for _, r := range results {
		fmt.Printf("%-32s %12.1f %10d %10d %7.2fx %8.2fx-%.2fx\n", r.Name, float64(r.NsPerOp)/1000, r.Allocs, r.BytesOp, r.Ratio, r.Spread[0], r.Spread[1])
	}
}
