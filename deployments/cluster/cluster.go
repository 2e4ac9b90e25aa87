// Package cluster runs the platform as separate OS processes on this
// machine, as it runs in Kubernetes: a 3-node nats-server JetStream
// cluster whose users may only publish and consume their own subjects, a
// FerretDB process, auth, two replicas each of directory, catalog,
// invoicing, edge and webhooks, and one public base URL (a reverse proxy,
// like the Ingress) with the admin API on a port of its own. Everything listens on
// loopback only. `make run-services` runs it; tests use it too.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/deployments/images"
	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/infra"
)

// Options configure a cluster.
type Options struct {
	// Root is the repository, whose commands are built.
	Root string
	// Dir holds the binaries, the data and a log file per process.
	Dir string
	// PublicAddr and AdminAddr are the proxy's and the admin API's
	// listen addresses ("127.0.0.1:0" for any free port).
	PublicAddr, AdminAddr string
	// Replicas of directory, catalog, invoicing, edge and webhooks
	// (default 2).
	Replicas int
	// BcryptCost of auth (default 10).
	BcryptCost int
	// SeedDemo publishes the demo data once everything is ready.
	SeedDemo bool
	Log      *slog.Logger
}

// Cluster is a running platform.
type Cluster struct {
	// URL is the public base URL, AdminURL the admin API's.
	URL, AdminURL string
	// AdminToken authenticates the admin API.
	AdminToken string
	// NATSURLs are the servers' client URLs; BackofficeNATSURL connects
	// as the back-office user (the only one that may publish its events).
	NATSURLs          []string
	BackofficeNATSURL string
	// MongoURI is the FerretDB process's.
	MongoURI string
	// Logs is the directory of the processes' logs.
	Logs string

	opts    Options
	mu      sync.Mutex
	procs   []*Process
	servers []*http.Server
}

// Process is one running OS process of the cluster.
type Process struct {
	Name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	env  []string
	path string
	args []string
	log  *os.File
	// HTTPAddr and OpsAddr are where it listens ("" if nowhere).
	HTTPAddr, OpsAddr string
}

// binaries the cluster runs, and their packages.
var binaries = map[string]string{
	"auth": "./services/auth/cmd/auth", "directory": "./services/directory/cmd/directory",
	"catalog": "./services/catalog/cmd/catalog", "invoicing": "./services/invoicing/cmd/invoicing",
	"edge": "./services/edge/cmd/edge", "webhooks": "./services/webhooks/cmd/webhooks",
	"backofficectl": "./services/backoffice/cmd/backofficectl",
	"ferretdb":      "./deployments/cmd/ferretdb", "nats-server": "github.com/nats-io/nats-server/v2",
}

// Start builds the binaries and starts every process, in order, each once
// the ones it needs are ready; it returns when the public URL serves.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	if o.Replicas <= 0 {
		o.Replicas = 2
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = 10
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	c := &Cluster{opts: o, Logs: filepath.Join(o.Dir, "logs")}
	for _, d := range []string{c.Logs, filepath.Join(o.Dir, "bin"), filepath.Join(o.Dir, "data")} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, err
		}
	}
	if err := c.build(ctx); err != nil {
		return nil, err
	}
	if err := c.start(ctx); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// build builds the binaries for this machine with the images' flags, so
// that on Linux the cluster and the images share every compiled package.
func (c *Cluster) build(ctx context.Context) error {
	return images.Build(ctx, c.opts.Root, filepath.Join(c.opts.Dir, "bin"), runtime.GOOS, runtime.GOARCH, binaries)
}

// Users are the NATS users and their permissions
// (subjects.Permissions); the Kubernetes manifests grant the same.
func Users() map[string]subjects.Permission { return subjects.Permissions(eventbus.InboxPrefix) }

func natsConfig(i int, client, cluster, monitor []int, dir string, passwords map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "server_name: n%d\nlisten: 127.0.0.1:%d\nhttp: 127.0.0.1:%d\n", i, client[i], monitor[i])
	fmt.Fprintf(&b, "jetstream { store_dir: %q }\n", dir)
	fmt.Fprintf(&b, "cluster {\n  name: resellerapi\n  listen: 127.0.0.1:%d\n  routes: [\n", cluster[i])
	for j := range cluster {
		if j != i {
			fmt.Fprintf(&b, "    nats://127.0.0.1:%d\n", cluster[j])
		}
	}
	b.WriteString("  ]\n}\nauthorization {\n  users: [\n")
	for name, perm := range Users() {
		fmt.Fprintf(&b, "    {user: %s, password: %q, permissions: {publish: {allow: %s}, subscribe: {allow: %s}}}\n",
			name, passwords[name], list(perm.Publish), list(perm.Subscribe))
	}
	b.WriteString("  ]\n}\n")
	return b.String()
}

func list(subjects []string) string {
	quoted := make([]string, len(subjects))
	for i, s := range subjects {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// natsURL is the server list with user's credentials.
func (c *Cluster) natsURL(user, password string) string {
	urls := make([]string, len(c.NATSURLs))
	for i, u := range c.NATSURLs {
		urls[i] = "nats://" + user + ":" + password + "@" + strings.TrimPrefix(u, "nats://")
	}
	return strings.Join(urls, ",")
}

func (c *Cluster) start(ctx context.Context) error {
	ports, err := freePorts(9 + 4*c.opts.Replicas*2 + 3)
	if err != nil {
		return err
	}
	next := func() int { p := ports[0]; ports = ports[1:]; return p }
	client, cluster, monitor := []int{next(), next(), next()}, []int{next(), next(), next()}, []int{next(), next(), next()}
	passwords := map[string]string{}
	for name := range Users() {
		passwords[name] = randomHex(16)
	}
	for i := range 3 {
		c.NATSURLs = append(c.NATSURLs, fmt.Sprintf("nats://127.0.0.1:%d", client[i]))
	}
	// NATS: three servers routing to each other, JetStream on each.
	for i := range 3 {
		dir := filepath.Join(c.opts.Dir, "data", fmt.Sprintf("nats-%d", i))
		conf := filepath.Join(c.opts.Dir, fmt.Sprintf("nats-%d.conf", i))
		if err := os.WriteFile(conf, []byte(natsConfig(i, client, cluster, monitor, dir, passwords)), 0o600); err != nil {
			return err
		}
		if _, err := c.run(fmt.Sprintf("nats-%d", i), "nats-server", nil, "", fmt.Sprintf("127.0.0.1:%d", monitor[i]), "-c", conf); err != nil {
			return err
		}
	}
	for i := range 3 {
		if err := waitHTTP(ctx, fmt.Sprintf("http://127.0.0.1:%d/healthz?js-enabled-only=true", monitor[i])); err != nil {
			return fmt.Errorf("nats-%d: %w", i, err)
		}
	}
	c.BackofficeNATSURL = c.natsURL("backoffice", passwords["backoffice"])
	// The streams first, on the three servers: the services starting at
	// once then find them ready.
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: c.BackofficeNATSURL, Service: "backoffice", StreamReplicas: 3})
	if err != nil {
		return err
	}
	err = bus.EnsureStreams(infra.Streams()...)
	_ = bus.Close()
	if err != nil {
		return err
	}

	store := fmt.Sprintf("127.0.0.1:%d", next())
	if _, err := c.run("ferretdb", "ferretdb", nil, "", "", "-addr", store, "-dir", filepath.Join(c.opts.Dir, "data", "ferretdb")); err != nil {
		return err
	}
	if err := waitTCP(ctx, store); err != nil {
		return fmt.Errorf("ferretdb: %w", err)
	}
	mongoURI := "mongodb://" + store + "/"
	c.MongoURI = mongoURI

	// The public and admin listeners first: the issuer URL must be known.
	public, err := net.Listen("tcp", c.opts.PublicAddr)
	if err != nil {
		return err
	}
	admin, err := net.Listen("tcp", c.opts.AdminAddr)
	if err != nil {
		_ = public.Close()
		return err
	}
	c.URL, c.AdminURL = "http://"+public.Addr().String(), "http://"+admin.Addr().String()
	c.AdminToken = randomHex(24)

	key := filepath.Join(c.opts.Dir, "signing.pem")
	if err := writeSigningKey(key); err != nil {
		return err
	}
	eventKey, eventPublic := filepath.Join(c.opts.Dir, "events.pem"), filepath.Join(c.opts.Dir, "events.pub.pem")
	if err := writeEventKeys(eventKey, eventPublic); err != nil {
		return err
	}
	common := func(service string) []string {
		return []string{"NATS_URL=" + c.natsURL(service, passwords[service]), "NATS_STREAM_REPLICAS=3", "MONGODB_URI=" + mongoURI, "LOG_LEVEL=info"}
	}
	authHTTP, authOps, authAdmin := addr(next()), addr(next()), addr(next())
	authProc, err := c.run("auth", "auth", append(common("auth"), "HTTP_ADDR="+authHTTP, "OPS_ADDR="+authOps, "ADMIN_ADDR="+authAdmin,
		"ISSUER_URL="+c.URL, "ADMIN_TOKEN="+c.AdminToken, "CREDENTIALS_ENCRYPTION_KEY="+base64.StdEncoding.EncodeToString(randomBytes(32)),
		"SIGNING_KEY_FILES="+key, "EVENT_SIGNING_KEY_FILE="+eventKey, fmt.Sprintf("BCRYPT_COST=%d", c.opts.BcryptCost), "TRUSTED_PROXIES=127.0.0.1"), authHTTP, authOps)
	if err != nil {
		return err
	}
	pageTokenKey := base64.StdEncoding.EncodeToString(randomBytes(32)) // one for every edge replica
	secretsKey := base64.StdEncoding.EncodeToString(randomBytes(32))   // one for every webhooks replica
	// The edge and the webhooks service verify callers as auth issues them.
	callers := []string{"ISSUER_URL=" + c.URL, "AUTH_JWKS_URL=http://" + authHTTP + "/.well-known/jwks.json", "AUTH_EVENT_KEY_FILES=" + eventPublic}
	api := map[string][]*Process{}
	for _, service := range []string{"directory", "catalog", "invoicing", "edge", "webhooks"} {
		for r := range c.opts.Replicas {
			name := fmt.Sprintf("%s-%d", service, r)
			env, httpAddr, ops := common(service), "", addr(next())
			env = append(env, "OPS_ADDR="+ops)
			switch service {
			case "edge":
				httpAddr = addr(next())
				env = append(append(env, callers...), "HTTP_ADDR="+httpAddr, "PAGE_TOKEN_KEY="+pageTokenKey, "TRUSTED_PROXIES=127.0.0.1")
			case "webhooks":
				// The receivers of a local run listen on loopback.
				httpAddr = addr(next())
				env = append(append(env, callers...), "HTTP_ADDR="+httpAddr, "WEBHOOKS_SECRETS_KEY="+secretsKey,
					"WEBHOOKS_ALLOW_PRIVATE_TARGETS=true", "TRUSTED_PROXIES=127.0.0.1")
			}
			p, err := c.run(name, service, env, httpAddr, ops)
			if err != nil {
				return err
			}
			if httpAddr != "" {
				api[service] = append(api[service], p)
			}
		}
	}
	for _, p := range c.Processes() {
		if p.OpsAddr != "" && !strings.HasPrefix(p.Name, "nats-") {
			if err := p.waitReady(ctx); err != nil {
				logged, _ := os.ReadFile(filepath.Join(c.Logs, p.Name+".log"))
				return fmt.Errorf("%s not ready: %w; its log ends:\n%s", p.Name, err, tail(string(logged), 10))
			}
		}
	}
	c.serve(public, publicProxy(c.opts.Log, authProc, api["edge"], api["webhooks"]))
	c.serve(admin, proxyTo(c.opts.Log, []*Process{authProc}, authAdmin))
	if c.opts.SeedDemo {
		cmd := exec.CommandContext(ctx, filepath.Join(c.opts.Dir, "bin", "backofficectl"), "seed-demo")
		cmd.Env = append(os.Environ(), "NATS_URL="+c.BackofficeNATSURL)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("seed demo data: %w\n%s", err, out)
		}
	}
	return nil
}

// publicProxy routes the public base URL as the Ingress does: the OAuth
// endpoints and the JWKS to auth, /api/webhooks to the webhooks replicas,
// the rest of the API and its docs to the edge replicas, each in turn;
// /admin is not served there.
func publicProxy(log *slog.Logger, auth *Process, edges, webhooks []*Process) http.Handler {
	toAuth, toEdge, toWebhooks := proxyTo(log, []*Process{auth}, ""), proxyTo(log, edges, ""), proxyTo(log, webhooks, "")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case strings.HasPrefix(p, "/oauth/"), strings.HasPrefix(p, "/.well-known/"):
			toAuth.ServeHTTP(w, r)
		case p == "/api/webhooks" || strings.HasPrefix(p, "/api/webhooks/"):
			toWebhooks.ServeHTTP(w, r)
		case p == "/api" || strings.HasPrefix(p, "/api/"), p == "/apidocs" || strings.HasPrefix(p, "/apidocs/"):
			toEdge.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

// proxyTo balances requests over the processes' HTTP addresses (or addr,
// when given) in turn. A read whose replica cannot be reached (stopped,
// or gone mid-request) is tried on the next, as a Service's endpoints
// drop a replica that stopped. What cannot be proxied is logged at info
// level (a replica killed on purpose makes many such lines).
func proxyTo(log *slog.Logger, procs []*Process, addr string) http.Handler {
	var n atomic.Uint64
	return &httputil.ReverseProxy{
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelInfo),
		Rewrite: func(r *httputil.ProxyRequest) {
			target := addr
			if target == "" {
				target = procs[int(n.Add(1))%len(procs)].HTTPAddr
			}
			r.SetURL(&url.URL{Scheme: "http", Host: target})
			r.SetXForwarded()
		},
		Transport: retryReads{next: http.DefaultTransport, targets: func() []string {
			if addr != "" {
				return nil
			}
			out := make([]string, len(procs))
			for i, p := range procs {
				out[i] = p.HTTPAddr
			}
			return out
		}},
	}
}

// retryReads retries a GET or HEAD that failed to reach its replica on
// the other replicas.
type retryReads struct {
	next    http.RoundTripper
	targets func() []string
}

func (t retryReads) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return resp, err
	}
	for _, target := range t.targets() {
		if target == r.URL.Host {
			continue
		}
		retry := r.Clone(r.Context())
		retry.URL.Host = target
		if resp, err2 := t.next.RoundTrip(retry); err2 == nil {
			return resp, nil
		}
	}
	return nil, err
}

func (c *Cluster) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	c.mu.Lock()
	c.servers = append(c.servers, srv)
	c.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// run starts binary as process name with env, logging to its own file.
func (c *Cluster) run(name, binary string, env []string, httpAddr, opsAddr string, args ...string) (*Process, error) {
	log, err := os.Create(filepath.Join(c.Logs, name+".log"))
	if err != nil {
		return nil, err
	}
	p := &Process{Name: name, env: env, path: filepath.Join(c.opts.Dir, "bin", binary), args: args, log: log, HTTPAddr: httpAddr, OpsAddr: opsAddr}
	if err := p.start(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	c.opts.Log.Info("started", "process", name, "pid", p.cmd.Process.Pid)
	return p, nil
}

func (p *Process) start() error {
	cmd := exec.Command(p.path, p.args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, p.env...)
	cmd.Stdout, cmd.Stderr = p.log, p.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return nil
}

// Kill stops the process at once (SIGKILL), as a crash would.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Restart starts the process again, with the same configuration.
func (p *Process) Restart() error { return p.start() }

// stop asks the process to stop (SIGTERM) and kills it after timeout.
func (p *Process) stop(timeout time.Duration) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.Kill()
	}
}

// Processes lists the running processes, in the order they started.
func (c *Cluster) Processes() []*Process {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Process(nil), c.procs...)
}

// Process returns the process named name (nil if none).
func (c *Cluster) Process(name string) *Process {
	for _, p := range c.Processes() {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Stop stops the proxy and every process, the last started first.
func (c *Cluster) Stop() {
	c.mu.Lock()
	servers, procs := c.servers, c.procs
	c.mu.Unlock()
	for _, s := range servers {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.Shutdown(ctx)
		cancel()
	}
	var wg sync.WaitGroup
	for i := len(procs) - 1; i >= 0; i-- {
		p := procs[i]
		if strings.HasPrefix(p.Name, "nats-") || p.Name == "ferretdb" {
			continue // the services first, then the infrastructure
		}
		wg.Go(func() { p.stop(15 * time.Second) })
	}
	wg.Wait()
	for _, p := range procs {
		if strings.HasPrefix(p.Name, "nats-") || p.Name == "ferretdb" {
			wg.Go(func() { p.stop(15 * time.Second) })
		}
	}
	wg.Wait()
	for _, p := range procs {
		_ = p.log.Close()
	}
}

// waitReady waits until the process reports ready on /readyz, or exits.
func (p *Process) waitReady(ctx context.Context) error {
	exited := errors.New("exited")
	probe := probeClient()
	err := poll(ctx, func() bool {
		select {
		case <-p.done:
			return true
		default:
		}
		resp, err := probe.Get("http://" + p.OpsAddr + "/readyz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	select {
	case <-p.done:
		return fmt.Errorf("%w: %v", exited, p.err)
	default:
	}
	return err
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}

func addr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

// freePorts finds n free loopback ports.
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			_ = ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func waitTCP(ctx context.Context, address string) error {
	return poll(ctx, func() bool {
		conn, err := net.DialTimeout("tcp", address, time.Second)
		if err == nil {
			_ = conn.Close()
		}
		return err == nil
	})
}

func waitHTTP(ctx context.Context, u string) error {
	probe := probeClient()
	return poll(ctx, func() bool {
		resp, err := probe.Get(u)
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// probeClient is the client of the readiness polls: a listener that
// accepts and never answers (a port another process took) fails one poll
// instead of hanging the whole start.
func probeClient() *http.Client { return &http.Client{Timeout: 2 * time.Second} }

func poll(ctx context.Context, ok func() bool) error {
	deadline := time.Now().Add(2 * time.Minute)
	for !ok() {
		if time.Now().After(deadline) {
			return errors.New("not ready within 2 minutes")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }
