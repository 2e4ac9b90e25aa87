package httpserver

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/resellerapi/platform/pkg/logging"
	"github.com/resellerapi/platform/pkg/problem"
	"github.com/resellerapi/platform/pkg/tracing"
)

// CorrelationHeader carries the correlation id of a request; it is echoed
// on the response and generated when the caller sent none (or a bad one).
const CorrelationHeader = "X-Correlation-ID"

// correlationKey is CorrelationHeader in canonical form, to index headers
// without canonicalising on every request.
var correlationKey = http.CanonicalHeaderKey(CorrelationHeader)

func firstValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

var correlationPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// Metrics are the HTTP metrics of one service.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec

	// series are the vectors' children by route, method and status, so
	// that a request does not hash its labels again.
	mu     sync.RWMutex
	series map[seriesKey]series
}

type seriesKey struct {
	route, method string
	status        int
}

type series struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// observe counts one request and its latency.
func (m *Metrics) observe(route, method string, status int, elapsed time.Duration) {
	method = methodLabel(method)
	k := seriesKey{route: route, method: method, status: status}
	m.mu.RLock()
	s, ok := m.series[k]
	m.mu.RUnlock()
	if !ok {
		s = series{requests: m.requests.WithLabelValues(route, method, strconv.Itoa(status)), duration: m.duration.WithLabelValues(route, method)}
		m.mu.Lock()
		m.series[k] = s
		m.mu.Unlock()
	}
	s.requests.Inc()
	s.duration.Observe(elapsed.Seconds())
}

// methodLabel is a request's method as a metric label: a client chooses
// the method, so any but the standard ones is "_OTHER" (as OpenTelemetry
// names it), or each made-up method would be a new series.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return method
	}
	return "_OTHER"
}

// NewMetrics creates and registers the HTTP metrics of service.
func NewMetrics(reg prometheus.Registerer, service string) (*Metrics, error) {
	labels := prometheus.Labels{"service": service}
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total", Help: "HTTP requests by route, method and status.", ConstLabels: labels,
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds", Help: "HTTP request latency by route and method.", ConstLabels: labels,
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
		series: map[seriesKey]series{},
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register http metrics: %w", err)
		}
	}
	return m, nil
}

// Middleware returns the gin middleware every service installs first:
// correlation id, security headers, panic recovery as a 500 problem,
// access log, metrics.
// Query strings are not logged: they could carry secrets.
func Middleware(log *slog.Logger, m *Metrics) gin.HandlerFunc {
	// The global tracer delegates to the provider tracing.Setup installs,
	// even when taken before it.
	tracer := tracing.Tracer()
	return func(c *gin.Context) {
		start := time.Now()
		id := firstValue(c.Request.Header, correlationKey)
		if !correlationPattern.MatchString(id) {
			id = newCorrelationID()
		}
		c.Writer.Header()[correlationKey] = []string{id}
		securityHeaders(c.Writer.Header())
		// A server span continuing the caller's trace (traceparent), named
		// for the route once it is known. With tracing off there is no
		// span to make (a non-recording one costs five allocations): the
		// caller's trace context is passed on as it came.
		ctx := otel.GetTextMapPropagator().Extract(c.Request.Context(), propagation.HeaderCarrier(c.Request.Header))
		span := trace.SpanFromContext(ctx)
		if tracing.Recording() {
			ctx, span = tracer.Start(ctx, c.Request.Method, serverSpan,
				trace.WithAttributes(attribute.String("http.request.method", c.Request.Method), attribute.String("url.path", c.Request.URL.Path)))
		}
		defer span.End()
		ctx = logging.WithCorrelationID(ctx, id)
		c.Request = c.Request.WithContext(ctx)

		defer func() {
			if r := recover(); r != nil {
				log.ErrorContext(ctx, "panic serving request", "panic", fmt.Sprint(r), "path", c.Request.URL.Path)
				p := problem.New(http.StatusInternalServerError, problem.TypeInternal, "An unexpected error occurred.")
				p.CorrelationID = id
				problem.Write(c.Writer, p)
				c.Abort()
			}
			route := c.FullPath()
			if route == "" {
				route = "unmatched"
			}
			status := c.Writer.Status()
			end := time.Now()
			elapsed := end.Sub(start)
			if span.IsRecording() {
				span.SetName(c.Request.Method + " " + route)
				span.SetAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", status))
				if status >= 500 {
					span.SetStatus(codes.Error, http.StatusText(status))
				}
			}
			if m != nil {
				m.observe(route, c.Request.Method, status, elapsed)
			}
			if log.Enabled(ctx, slog.LevelInfo) {
				// A record made here has no caller's PC: the access log has
				// no source to show, and taking it is a stack walk.
				r := slog.NewRecord(end, slog.LevelInfo, "http request", 0)
				r.AddAttrs(slog.String("method", c.Request.Method), slog.String("route", route),
					slog.String("path", c.Request.URL.Path), slog.Int("status", status), slog.Int64("duration_ms", elapsed.Milliseconds()))
				_ = log.Handler().Handle(ctx, r)
			}
		}()
		c.Next()
	}
}

// serverSpan is the start option of every request's span.
var serverSpan = trace.WithSpanKind(trace.SpanKindServer)

// newCorrelationID is a random UUID (version 4) for a request that came
// without a correlation id. It draws from math/rand/v2's generator, which
// is seeded per thread from the system and needs no system call: an id
// must be unique, and is not a secret.
func newCorrelationID() string {
	var u uuid.UUID
	binary.LittleEndian.PutUint64(u[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(u[8:], rand.Uint64())
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	return u.String()
}

// securityHeaders are set on every response: no content sniffing, no
// framing (clickjacking). Documents add DocumentHeaders.
func securityHeaders(h http.Header) {
	// Canonical keys and values shared by every response: set without
	// canonicalising or allocating per request (net/http never changes
	// them; an Add would copy).
	for k, v := range securityHeaderValues {
		h[k] = v
	}
}

var securityHeaderValues = http.Header{
	"X-Content-Type-Options":  {"nosniff"},
	"X-Frame-Options":         {"DENY"},
	"Content-Security-Policy": {"frame-ancestors 'none'"},
}

// DocumentHeaders are the headers of an HTML page, beside those of every
// response: no referrer leaking the page's URL, with its ids, to the
// sites its links and resources lead to. An API answer goes without: a
// browser sends a Referer only from a document, and a page of a list
// already has eight headers, as many as a Go map holds before it grows
// (a ninth cost the edge ~2 us a request, measured by its bench).
func DocumentHeaders(h http.Header) {
	h["Referrer-Policy"] = noReferrer
}

var noReferrer = []string{"no-referrer"}

// Problem writes p as the response of c, naming the request's path and
// correlation id, and aborts the handler chain.
func Problem(c *gin.Context, p problem.Problem) {
	p.Instance = c.Request.URL.Path
	p.CorrelationID = logging.CorrelationID(c.Request.Context())
	problem.Write(c.Writer, p)
	c.Abort()
}

// Renderer writes an error response in the style of a group of routes.
// Problem is the default; jsonapi.Errors is the JSON:API style.
type Renderer func(c *gin.Context, p problem.Problem)

const rendererKey = "httpserver.renderer"

// Errors returns middleware that makes r the error style of the routes it
// is installed on: every Fail on them renders with r.
func Errors(r Renderer) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Set(rendererKey, r)
		c.Next()
	}
}

// Fail answers c with the error p in the style of its route group (see
// Errors; problem documents by default) and aborts the handler chain.
// Shared building blocks (authentication, validation) fail through it so
// that each group keeps its style.
func Fail(c *gin.Context, p problem.Problem) {
	if r, ok := c.Get(rendererKey); ok {
		if render, ok := r.(Renderer); ok {
			render(c, p)
			c.Abort()
			return
		}
	}
	Problem(c, p)
}

// NewEngine returns a gin engine with Middleware installed and unknown
// routes and methods answered with problem documents.
func NewEngine(log *slog.Logger, m *Metrics) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	// No proxy is trusted unless TrustProxies says so: a client's own
	// X-Forwarded-For must not choose the address that rate limits and
	// login back-off count it under.
	_ = e.SetTrustedProxies(nil)
	e.HandleMethodNotAllowed = true
	e.RedirectTrailingSlash = true
	e.Use(Middleware(log, m))
	e.NoRoute(func(c *gin.Context) {
		Problem(c, problem.New(http.StatusNotFound, problem.TypeNotFound, "No such endpoint; see /apidocs/."))
	})
	e.NoMethod(func(c *gin.Context) {
		Problem(c, problem.New(http.StatusMethodNotAllowed, problem.TypeMethodNotAllowed,
			"This endpoint does not support "+c.Request.Method+"."))
	})
	return e
}

// TrustProxies makes e take the client's address from X-Forwarded-For
// when the connection comes from one of cidrs (addresses or CIDR ranges,
// e.g. the ingress controller's), and only then.
func TrustProxies(e *gin.Engine, cidrs []string) error {
	if len(cidrs) == 0 {
		return e.SetTrustedProxies(nil)
	}
	if err := e.SetTrustedProxies(cidrs); err != nil {
		return fmt.Errorf("trusted proxies: %w", err)
	}
	return nil
}

// BadParameter answers a parameter that could not be bound (the error
// handler of oapi-codegen's gin wrappers).
func BadParameter(c *gin.Context, err error, status int) {
	Fail(c, problem.New(status, problem.TypeInvalidParameter, err.Error()+"."))
}
