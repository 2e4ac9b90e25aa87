// Package process runs one service binary the platform's way: JSON logs,
// configuration from the environment, a Prometheus registry, the
// operations endpoints on OPS_ADDR, and a graceful stop on SIGINT/SIGTERM.
package process

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/pkg/httpserver"
	"github.com/resellerapi/platform/pkg/logging"
)

// Component is a started service: Run blocks until ctx is cancelled.
type Component interface {
	Run(ctx context.Context) error
	// Checks are the readiness checks served on /readyz.
	Checks() map[string]httpserver.Check
	Close() error
}

// Env is what a service's start function gets.
type Env struct {
	Config   *config.Reader
	Logger   *slog.Logger
	Registry *prometheus.Registry
}

// Main runs the service named name and exits the process: 0 after a clean
// stop, 1 on a failure, 2 on invalid configuration. start reads its
// configuration from env.Config and returns the started component.
func Main(name string, start func(ctx context.Context, env Env) (Component, error)) {
	cfg := config.FromEnv()
	log := logging.New(os.Stdout, name, logging.ParseLevel(cfg.String("LOG_LEVEL", "info")))
	opsAddr := cfg.String("OPS_ADDR", ":9090")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	comp, err := start(ctx, Env{Config: cfg, Logger: log, Registry: reg})
	if err != nil {
		log.Error("start failed", "error", err.Error())
		var code = 1
		if errors.Is(err, ErrConfig) {
			code = 2
		}
		os.Exit(code)
	}
	if err := run(ctx, log, opsAddr, reg, comp); err != nil {
		log.Error("stopped with error", "error", err.Error())
		os.Exit(1)
	}
	log.Info("stopped")
}

// ErrConfig marks an error as a configuration problem (exit code 2).
var ErrConfig = errors.New("configuration")

// ConfigError returns err (from config.Reader.Err) marked as ErrConfig.
func ConfigError(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrConfig, err)
}

func run(ctx context.Context, log *slog.Logger, opsAddr string, reg *prometheus.Registry, comp Component) error {
	defer func() {
		if err := comp.Close(); err != nil {
			log.Warn("close", "error", err.Error())
		}
	}()
	ops := httpserver.New(opsAddr, httpserver.Ops(reg, comp.Checks()))
	ln, err := httpserver.Listen(ops)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- httpserver.Serve(ctx, ops, ln, log) }()
	go func() { errc <- comp.Run(ctx) }()
	err = <-errc
	cancel()
	return errors.Join(err, <-errc)
}

// WithHTTP returns comp extended to serve handler on addr while it runs.
func WithHTTP(comp Component, addr string, handler http.Handler, log *slog.Logger) Component {
	return withHTTP{Component: comp, srv: httpserver.New(addr, handler), log: log}
}

type withHTTP struct {
	Component
	srv *http.Server
	log *slog.Logger
}

func (w withHTTP) Run(ctx context.Context) error {
	ln, err := httpserver.Listen(w.srv)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- httpserver.Serve(ctx, w.srv, ln, w.log) }()
	go func() { errc <- w.Component.Run(ctx) }()
	err = <-errc
	cancel()
	return errors.Join(err, <-errc)
}
