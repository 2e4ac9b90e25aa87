// Package embedded runs the platform's infrastructure inside the current
// process: a real nats-server with JetStream and FerretDB (MongoDB wire
// protocol) over SQLite or PostgreSQL. The test kit and the all-in-one
// binary use it; production points the services at real servers instead.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/nats-io/nats-server/v2/server"
)

// NATS is an embedded nats-server with JetStream.
type NATS struct {
	srv *server.Server
}

// StartNATS starts nats-server on addr ("127.0.0.1:4222", or port 0 for a
// random free port) with JetStream storing its files under storeDir.
func StartNATS(addr, storeDir string) (*NATS, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("nats address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("nats port %q: %w", portText, err)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	if err := os.MkdirAll(storeDir, 0o750); err != nil {
		return nil, fmt.Errorf("nats store dir: %w", err)
	}
	srv, err := server.NewServer(&server.Options{
		Host:      host,
		Port:      port,
		JetStream: true,
		StoreDir:  storeDir,
		NoSigs:    true,
		NoLog:     true,
	})
	if err != nil {
		return nil, fmt.Errorf("new nats-server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("nats-server not ready after 10s")
	}
	return &NATS{srv: srv}, nil
}

// URL is the client URL of the server, e.g. nats://127.0.0.1:4222.
func (n *NATS) URL() string { return n.srv.ClientURL() }

// Shutdown stops the server and waits until it has stopped.
func (n *NATS) Shutdown() {
	n.srv.Shutdown()
	n.srv.WaitForShutdown()
}

// FerretDB is an embedded FerretDB listening on TCP.
type FerretDB struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
}

// FerretDBConfig says where FerretDB listens and where it keeps its data.
type FerretDBConfig struct {
	// Addr is the TCP listen address, "127.0.0.1:0" for a random port.
	Addr string
	// Dir holds the SQLite databases (one file per MongoDB database).
	Dir string
	// PostgreSQLURL, when set, selects the PostgreSQL handler instead of
	// SQLite.
	PostgreSQLURL string
	// Logger receives FerretDB's own logs; nil discards them.
	Logger *slog.Logger
}

// StartFerretDB starts FerretDB and returns once it accepts connections.
func StartFerretDB(cfg FerretDBConfig) (*FerretDB, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	fc := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: cfg.Addr},
		Logger:   logger,
	}
	if cfg.PostgreSQLURL != "" {
		fc.Handler = "postgresql"
		fc.PostgreSQLURL = cfg.PostgreSQLURL
	} else {
		dir, err := filepath.Abs(cfg.Dir)
		if err != nil {
			return nil, fmt.Errorf("ferretdb dir: %w", err)
		}
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("ferretdb dir: %w", err)
		}
		fc.Handler = "sqlite"
		fc.SQLiteURL = "file:" + dir + "/"
	}
	f, err := ferretdb.New(fc)
	if err != nil {
		return nil, fmt.Errorf("new ferretdb: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	return &FerretDB{uri: f.MongoDBURI(), cancel: cancel, done: done}, nil
}

// URI is the MongoDB connection string of the embedded server.
func (f *FerretDB) URI() string { return f.uri }

// Shutdown stops FerretDB and waits until its backend is closed.
func (f *FerretDB) Shutdown() {
	f.cancel()
	<-f.done
}
