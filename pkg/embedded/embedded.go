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
	"net/url"
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

// NATSConfig says where nats-server listens, where JetStream keeps its
// files and who may connect.
type NATSConfig struct {
	// Addr is the listen address, "127.0.0.1:4222", or port 0 for a random
	// free port.
	Addr string
	// Dir holds JetStream's files.
	Dir string
	// Users may connect, each with its password and permissions; no one
	// else may. With no users, anyone who reaches Addr may do anything.
	Users []NATSUser
}

// NATSUser is a user of the embedded server. Nil Publish or Subscribe
// lists allow every subject.
type NATSUser struct {
	Name, Password     string
	Publish, Subscribe []string
}

// StartNATS starts nats-server with JetStream as cfg says.
func StartNATS(cfg NATSConfig) (*NATS, error) {
	host, portText, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("nats address %q: %w", cfg.Addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("nats port %q: %w", portText, err)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("nats store dir: %w", err)
	}
	opts := &server.Options{
		Host:      host,
		Port:      port,
		JetStream: true,
		StoreDir:  cfg.Dir,
		NoSigs:    true,
		NoLog:     true,
	}
	for _, u := range cfg.Users {
		user := &server.User{Username: u.Name, Password: u.Password}
		if u.Publish != nil || u.Subscribe != nil {
			user.Permissions = &server.Permissions{}
			if u.Publish != nil {
				user.Permissions.Publish = &server.SubjectPermission{Allow: u.Publish}
			}
			if u.Subscribe != nil {
				user.Permissions.Subscribe = &server.SubjectPermission{Allow: u.Subscribe}
			}
		}
		opts.Users = append(opts.Users, user)
	}
	srv, err := server.NewServer(opts)
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

// URLFor is the client URL with user's credentials in it.
func (n *NATS) URLFor(user, password string) string {
	u, err := url.Parse(n.srv.ClientURL())
	if err != nil {
		return n.srv.ClientURL()
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}

// URL is the client URL of the server, e.g. nats://127.0.0.1:4222,
// without credentials.
func (n *NATS) URL() string { return n.srv.ClientURL() }

// Shutdown stops the server and waits until it has stopped.
func (n *NATS) Shutdown() {
	n.srv.Shutdown()
	n.srv.WaitForShutdown()
}

// FerretDB is an embedded FerretDB.
type FerretDB struct {
	uri, tlsAddr string
	cancel       context.CancelFunc
	done         chan struct{}
}

// FerretDBConfig says where FerretDB listens and where it keeps its data.
// At least one listener is required.
type FerretDBConfig struct {
	// Addr is a TCP listen address without authentication ("127.0.0.1:0"
	// for a random port): for tests and for a store behind its own network
	// boundary.
	Addr string
	// Unix is the path of a Unix socket to listen on: only the processes
	// of users the file system lets in reach it.
	Unix string
	// TLS is a TLS listen address at which only clients presenting a
	// certificate signed by TLSCAFile are served (FerretDB has no
	// password authentication over its SQLite handler).
	TLS                                string
	TLSCertFile, TLSKeyFile, TLSCAFile string
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
	if cfg.TLS != "" && (cfg.TLSCertFile == "" || cfg.TLSKeyFile == "" || cfg.TLSCAFile == "") {
		return nil, errors.New("ferretdb: a TLS listener needs a certificate, its key and the CA of the clients' certificates")
	}
	unix := cfg.Unix
	if unix != "" {
		abs, err := filepath.Abs(unix)
		if err != nil {
			return nil, fmt.Errorf("ferretdb socket: %w", err)
		}
		// sockaddr_un holds 104 bytes on some systems, 108 on Linux.
		if len(abs) > 100 {
			return nil, fmt.Errorf("ferretdb socket path %s is longer than 100 bytes", abs)
		}
		_ = os.Remove(abs) // left by a process that was killed
		unix = abs
	}
	fc := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: cfg.Addr, Unix: unix, TLS: cfg.TLS,
			TLSCertFile: cfg.TLSCertFile, TLSKeyFile: cfg.TLSKeyFile, TLSCAFile: cfg.TLSCAFile},
		Logger: logger,
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
	// MongoDBURI waits for the listeners; it names the TLS one when there
	// is one, else TCP, else the socket.
	e := &FerretDB{uri: f.MongoDBURI(), cancel: cancel, done: done}
	switch {
	case unix != "":
		e.uri = "mongodb://" + url.QueryEscape(unix) + "/"
	case cfg.TLS != "":
		e.uri = "" // reached with a client certificate at TLSAddr
	}
	if cfg.TLS != "" {
		u, err := url.Parse(f.MongoDBURI())
		if err != nil {
			e.Shutdown()
			return nil, fmt.Errorf("ferretdb TLS address: %w", err)
		}
		e.tlsAddr = u.Host
	}
	return e, nil
}

// URI is the MongoDB connection string of the embedded server without
// TLS: its socket when it has one, else its TCP address; "" when it
// listens on TLS only.
func (f *FerretDB) URI() string { return f.uri }

// TLSAddr is the address of the TLS listener, "" when there is none.
func (f *FerretDB) TLSAddr() string { return f.tlsAddr }

// Shutdown stops FerretDB and waits until its backend is closed.
func (f *FerretDB) Shutdown() {
	f.cancel()
	<-f.done
}
