// Package process runs one service binary the platform's way: JSON logs,
// configuration from the environment (refused with every problem named
// before anything connects), a Prometheus registry, the operations
// endpoints on OPS_ADDR, the service's own routes on HTTP_ADDR, and a
// graceful stop on SIGINT/SIGTERM.
package process

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/logging"
	"github.com/resellerapi/platform/pkg/tracing"
)

// Component is a started service: Run blocks until ctx is cancelled.
type Component interface {
	Run(ctx context.Context) error
	// Checks are the readiness checks served on /readyz.
	Checks() map[string]httpserver.Check
	Close() error
}

// HTTPComponent is a component that also serves routes.
type HTTPComponent interface {
	Component
	Register(r gin.IRouter)
}

// AdminComponent is an HTTP component that may serve an admin API on a
// listener of its own (when AdminAddr is not empty).
type AdminComponent interface {
	HTTPComponent
	AdminAddr() string
	RegisterAdmin(r gin.IRouter)
}

// Start starts a service from its configuration.
type Start[C any, T Component] func(ctx context.Context, cfg C, log *slog.Logger, reg prometheus.Registerer) (T, error)

// Main runs the service named name and exits the process: 0 after a clean
// stop, 1 on a failure, 2 on invalid configuration. configure reads the
// service's configuration; start starts it.
func Main[C any, T Component](name string, configure func(*config.Reader) C, start Start[C, T]) {
	os.Exit(runMain(name, configure, func(ctx context.Context, cfg C, env environment) (Component, error) {
		return start(ctx, cfg, env.log, env.reg)
	}))
}

// MainHTTP is Main for a service that serves routes: they are served on
// HTTP_ADDR (default :8080) with the platform's middleware.
func MainHTTP[C any, T HTTPComponent](name string, configure func(*config.Reader) C, start Start[C, T]) {
	os.Exit(runMain(name, configure, func(ctx context.Context, cfg C, env environment) (Component, error) {
		comp, err := start(ctx, cfg, env.log, env.reg)
		if err != nil {
			return nil, err
		}
		metrics, err := httpserver.NewMetrics(env.reg, name)
		if err != nil {
			_ = comp.Close()
			return nil, err
		}
		engine := httpserver.NewEngine(env.log, metrics)
		if err := httpserver.TrustProxies(engine, env.trustedProxies); err != nil {
			_ = comp.Close()
			return nil, err
		}
		comp.Register(engine)
		servers := []*http.Server{httpserver.New(env.httpAddr, engine)}
		if admin, ok := any(comp).(AdminComponent); ok && admin.AdminAddr() != "" {
			adminEngine := httpserver.NewEngine(env.log, metrics)
			admin.RegisterAdmin(adminEngine)
			servers = append(servers, httpserver.New(admin.AdminAddr(), adminEngine))
		}
		return withHTTP{Component: comp, servers: servers, log: env.log}, nil
	}))
}

type environment struct {
	log      *slog.Logger
	reg      *prometheus.Registry
	httpAddr string
	// trustedProxies (TRUSTED_PROXIES, comma-separated addresses or CIDR
	// ranges) may set the client address with X-Forwarded-For.
	trustedProxies []string
}

func runMain[C any](name string, configure func(*config.Reader) C, start func(context.Context, C, environment) (Component, error)) int {
	env := config.FromEnv()
	log := logging.New(os.Stdout, name, logging.ParseLevel(env.String("LOG_LEVEL", "info")))
	opsAddr := env.String("OPS_ADDR", ":9090")
	httpAddr := env.String("HTTP_ADDR", ":8080")
	var trusted []string
	for _, p := range strings.Split(env.String("TRUSTED_PROXIES", ""), ",") {
		if p = strings.TrimSpace(p); p != "" {
			trusted = append(trusted, p)
		}
	}
	cfg := configure(env)
	if err := env.Err(); err != nil {
		log.Error("refusing to start", "error", err.Error())
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	shutdownTracing, err := tracing.Setup(ctx, name)
	if err != nil {
		log.Error("refusing to start", "error", err.Error())
		return 2
	}
	defer func() {
		flush, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := shutdownTracing(flush); err != nil {
			log.Warn("traces not flushed", "error", err.Error())
		}
	}()

	comp, err := start(ctx, cfg, environment{log: log, reg: reg, httpAddr: httpAddr, trustedProxies: trusted})
	if err != nil {
		log.Error("start failed", "error", err.Error())
		return 1
	}
	if err := run(ctx, log, opsAddr, reg, comp); err != nil {
		log.Error("stopped with error", "error", err.Error())
		return 1
	}
	log.Info("stopped")
	return 0
}

func run(ctx context.Context, log *slog.Logger, opsAddr string, reg *prometheus.Registry, comp Component) error {
	defer func() {
		if err := comp.Close(); err != nil {
			log.Warn("close", "error", err.Error())
		}
	}()
	ops := httpserver.New(opsAddr, httpserver.Ops(reg, comp.Checks()))
	return runAll(ctx, comp.Run, serve(ops, log))
}

// serve returns a run function serving srv until its context ends.
func serve(srv *http.Server, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		ln, err := httpserver.Listen(srv)
		if err != nil {
			return err
		}
		return httpserver.Serve(ctx, srv, ln, log)
	}
}

// runAll runs every function until the first returns, then stops the
// others and waits for them.
func runAll(ctx context.Context, fns ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(fns))
	for _, f := range fns {
		go func() { errc <- f(ctx) }()
	}
	var errs []error
	for range fns {
		errs = append(errs, <-errc)
		cancel()
	}
	return errors.Join(errs...)
}

// withHTTP is a component that also serves its servers while it runs.
type withHTTP struct {
	Component
	servers []*http.Server
	log     *slog.Logger
}

func (w withHTTP) Run(ctx context.Context) error {
	fns := []func(context.Context) error{w.Component.Run}
	for _, srv := range w.servers {
		fns = append(fns, serve(srv, w.log))
	}
	return runAll(ctx, fns...)
}
