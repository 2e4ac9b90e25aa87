// Command edgebench prints what the edge itself costs per request, as a
// ratio to a bare gin handler writing the same JSON, measured in one run:
// the real engine with its middleware, authentication (a reused token,
// whose verification is cached, and a first-seen one), request validation
// against the OpenAPI document, scoping, paging and the JSON answer, over
// an in-memory account reader (no store). `make bench` runs it.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"

	"github.com/resellerapi/platform/services/edge/internal/edgebench"
)

func main() {
	rounds := flag.Int("rounds", 5, "rounds of the three cases, in turn; the median round is shown")
	flag.Parse()
	results, err := edgebench.Measure(*rounds)
	if err != nil {
		fmt.Fprintln(os.Stderr, "edgebench:", err)
		os.Exit(1)
	}
	fmt.Printf("edge's own cost: GET %s, 10 items, in-memory reader, concurrency 1, GOMAXPROCS %d, median of %d rounds\n",
		edgebench.Path, runtime.GOMAXPROCS(0), *rounds)
	fmt.Printf("%-32s %12s %10s %10s %8s\n", "measurement", "us/op", "allocs/op", "B/op", "ratio")
	for _, r := range results {
		fmt.Printf("%-32s %12.1f %10d %10d %7.2fx\n", r.Name, float64(r.NsPerOp)/1000, r.Allocs, r.BytesOp, r.Ratio)
	}
}
