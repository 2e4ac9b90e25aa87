// Package testkit starts the platform's real infrastructure inside a test
// process: nats-server with JetStream (one user, whose password NATSURL
// carries) and FerretDB over SQLite, both on random loopback ports with
// their data in a temporary directory. Only
// packages whose tests talk to NATS or MongoDB should import it: it links
// both servers into the test binary.
package testkit

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/protobuf/proto"

	"github.com/resellerapi/platform/pkg/embedded"
	"github.com/resellerapi/platform/pkg/mongodb"
)

// Kit is a running nats-server and FerretDB.
type Kit struct {
	NATSURL  string
	MongoURI string
	// Mongo is a client connected to MongoURI.
	Mongo *mongo.Client

	nats    *embedded.NATS
	ferret  *embedded.FerretDB
	dir     string
	ownsDir bool
	dbSeq   atomic.Int64
}

// New starts the servers with their data under dir (a new temporary
// directory when dir is ""). Close stops them. For TestMain; tests use Start.
func New(dir string) (*Kit, error) {
	k := &Kit{dir: dir}
	if dir == "" {
		d, err := os.MkdirTemp("", "testkit-*")
		if err != nil {
			return nil, err
		}
		k.dir, k.ownsDir = d, true
	}
	// One user who may do anything, with a password of this run: no other
	// process on the machine reaches the kit's bus.
	password := rand.Text()
	var err error
	if k.nats, err = embedded.StartNATS(embedded.NATSConfig{Addr: "127.0.0.1:0", Dir: filepath.Join(k.dir, "nats"),
		Users: []embedded.NATSUser{{Name: "kit", Password: password}}}); err != nil {
		k.Close()
		return nil, err
	}
	k.NATSURL = k.nats.URLFor("kit", password)
	if k.ferret, err = embedded.StartFerretDB(embedded.FerretDBConfig{
		Addr: "127.0.0.1:0", Dir: filepath.Join(k.dir, "ferretdb"),
		PostgreSQLURL: os.Getenv("FERRETDB_POSTGRESQL_URL"),
	}); err != nil {
		k.Close()
		return nil, err
	}
	k.MongoURI = k.ferret.URI()
	if k.Mongo, err = mongodb.Connect(context.Background(), k.MongoURI); err != nil {
		k.Close()
		return nil, err
	}
	return k, nil
}

// Main runs a test package's tests over one Kit stored in *kit, started
// before the first test and stopped after the last:
//
//	var kit *testkit.Kit
//
//	func TestMain(m *testing.M) { testkit.Main(m, &kit) }
//
// Tests sharing it use their own database (DatabaseName) and ids.
func Main(m *testing.M, kit **Kit) {
	k, err := New("")
	if err != nil {
		fmt.Fprintln(os.Stderr, "testkit:", err)
		os.Exit(1)
	}
	*kit = k
	code := m.Run()
	k.Close()
	os.Exit(code)
}

// Start starts a Kit for one test and stops it when the test ends.
func Start(tb testing.TB) *Kit {
	tb.Helper()
	k, err := New(tb.TempDir())
	if err != nil {
		tb.Fatalf("testkit: %v", err)
	}
	tb.Cleanup(k.Close)
	return k
}

// Close stops both servers and removes the data they own.
func (k *Kit) Close() {
	if k.Mongo != nil {
		_ = k.Mongo.Disconnect(context.Background())
	}
	if k.ferret != nil {
		k.ferret.Shutdown()
	}
	if k.nats != nil {
		k.nats.Shutdown()
	}
	if k.ownsDir {
		_ = os.RemoveAll(k.dir)
	}
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// DatabaseName returns a database name not used before in this Kit,
// derived from the test's name, so tests sharing a Kit do not collide.
func (k *Kit) DatabaseName(tb testing.TB) string {
	name := strings.Trim(nonName.ReplaceAllString(strings.ToLower(tb.Name()), "_"), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	return fmt.Sprintf("%s_%d", name, k.dbSeq.Add(1))
}

// Subscribe collects every message published on subject (wildcards
// allowed) from now on; the returned function reads what arrived so far.
func (k *Kit) Subscribe(tb testing.TB, subject string) func() []*nats.Msg {
	tb.Helper()
	return Subscribe(tb, k.NATSURL, subject)
}

// Subscribe is Kit.Subscribe for a NATS server started elsewhere.
func Subscribe(tb testing.TB, natsURL, subject string) func() []*nats.Msg {
	tb.Helper()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		tb.Fatalf("testkit: connect: %v", err)
	}
	tb.Cleanup(nc.Close)
	ch := make(chan *nats.Msg, 1024)
	if _, err := nc.ChanSubscribe(subject, ch); err != nil {
		tb.Fatalf("testkit: subscribe %s: %v", subject, err)
	}
	if err := nc.Flush(); err != nil {
		tb.Fatalf("testkit: flush: %v", err)
	}
	var got []*nats.Msg
	return func() []*nats.Msg {
		for {
			select {
			case m := <-ch:
				got = append(got, m)
			default:
				return got
			}
		}
	}
}

// PublishUnchecked publishes ev on subject straight to JetStream, without
// the event bus's rules: how tests send what a faulty publisher would.
func (k *Kit) PublishUnchecked(tb testing.TB, subject string, ev proto.Message) {
	tb.Helper()
	data, err := proto.Marshal(ev)
	if err != nil {
		tb.Fatal(err)
	}
	nc, err := nats.Connect(k.NATSURL)
	if err != nil {
		tb.Fatalf("testkit: connect: %v", err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		tb.Fatal(err)
	}
	msg := nats.NewMsg(subject)
	msg.Data = data
	msg.Header.Set("event_type", string(ev.ProtoReflect().Descriptor().FullName()))
	if _, err := js.PublishMsg(msg); err != nil {
		tb.Fatalf("testkit: publish %s: %v", subject, err)
	}
}

// CounterValue sums the counter name over the series of g whose label has
// value.
func CounterValue(tb testing.TB, g prometheus.Gatherer, name, label, value string) float64 {
	tb.Helper()
	families, err := g.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}

// Eventually polls cond every 20ms until it returns true or timeout passes,
// then fails the test with msg. It never sleeps longer than needed.
func Eventually(tb testing.TB, timeout time.Duration, cond func() bool, msg string, args ...any) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("condition not met within %v: %s", timeout, fmt.Sprintf(msg, args...))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Runner is a started service that consumes until its context ends.
type Runner interface {
	Run(ctx context.Context) error
	Running() <-chan struct{}
	Close() error
}

// Run runs r until the test ends, waits until its consumers are
// subscribed, and stops and closes it in cleanup.
func Run(tb testing.TB, r Runner) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var runErr error
	go func() {
		defer close(done)
		runErr = r.Run(ctx)
	}()
	tb.Cleanup(func() {
		cancel()
		<-done
		if runErr != nil {
			tb.Errorf("run: %v", runErr)
		}
		if err := r.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	select {
	case <-r.Running():
	case <-done:
		tb.Fatalf("stopped before running: %v", runErr)
	case <-time.After(15 * time.Second):
		tb.Fatal("not running after 15s")
	}
}
