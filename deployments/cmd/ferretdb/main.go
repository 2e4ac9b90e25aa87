// Command ferretdb runs FerretDB (the MongoDB wire protocol over SQLite)
// as a process of its own, built from its Go module: the store of
// `make run-services`, where no MongoDB server can be installed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/resellerapi/platform/pkg/embedded"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:27017", "listen address")
	dir := flag.String("dir", ".data/ferretdb", "directory of the SQLite databases")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f, err := embedded.StartFerretDB(embedded.FerretDBConfig{Addr: *addr, Dir: *dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
	fmt.Println("ferretdb listening:", f.URI())
	<-ctx.Done()
	f.Shutdown()
}
