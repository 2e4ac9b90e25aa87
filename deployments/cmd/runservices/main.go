// Command runservices runs every service as its own OS process against a
// 3-node NATS cluster and a FerretDB process, with two replicas of
// directory, catalog, invoicing and edge behind one public base URL, on
// loopback only: `make run-services`. Ctrl-C stops all of it.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/resellerapi/platform/deployments/cluster"
)

func main() {
	publicAddr := flag.String("addr", "127.0.0.1:8080", "the public base URL's listen address (loopback)")
	adminAddr := flag.String("admin-addr", "127.0.0.1:8081", "the admin API's listen address (loopback)")
	dir := flag.String("dir", ".data/run-services", "binaries, data and logs")
	replicas := flag.Int("replicas", 2, "replicas of directory, catalog, invoicing and edge")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := cluster.Start(ctx, cluster.Options{Root: ".", Dir: *dir, PublicAddr: *publicAddr, AdminAddr: *adminAddr,
		Replicas: *replicas, SeedDemo: true, Log: log})
	if err != nil {
		log.Error("not started", "error", err.Error())
		os.Exit(1)
	}
	fmt.Printf(`
The platform runs as %d processes (logs in %s):
  public API  %s   (/oauth, /.well-known, /api, /apidocs)
  admin API   %s   (ADMIN_TOKEN=%s)
  console     %s/console/   (sign in with the admin token)
  NATS        %v (users with subject permissions; the back-office's: %s)

  export API=%s ADMIN=%s ADMIN_TOKEN=%s
  curl -s -X POST $ADMIN/admin/v1/reseller-api/credentials -H "Authorization: Bearer $ADMIN_TOKEN"

Ctrl-C stops all of it.
`, len(c.Processes()), c.Logs, c.URL, c.AdminURL, c.AdminToken, c.AdminURL, c.NATSURLs, c.BackofficeNATSURL, c.URL, c.AdminURL, c.AdminToken)
	<-ctx.Done()
	log.Info("stopping")
	c.Stop()
}
