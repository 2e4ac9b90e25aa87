package ports

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/resellerapi/platform/pkg/httpserver"
	"golang.org/x/time/rate"

	"github.com/resellerapi/platform/services/auth/internal/audit"
)

// RateLimiter limits requests per client address with a token bucket
// each (in the memory of one replica). Buckets not used for 10 minutes
// are forgotten.
type RateLimiter struct {
	perSecond rate.Limit
	burst     int
	now       func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	limiter *rate.Limiter
	last    time.Time
}

// NewRateLimiter allows perSecond requests a second per address, with
// bursts of burst.
func NewRateLimiter(perSecond float64, burst int) *RateLimiter {
	return &RateLimiter{perSecond: rate.Limit(perSecond), burst: max(burst, 1), now: time.Now, buckets: map[string]*bucket{}}
}

// allow takes a token of addr's bucket; it returns whether one was left,
// how many remain and how long until the next one.
func (r *RateLimiter) allow(addr string) (ok bool, remaining int, wait time.Duration) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.lastSweep) > time.Minute {
		for a, b := range r.buckets {
			if now.Sub(b.last) > 10*time.Minute {
				delete(r.buckets, a)
			}
		}
		r.lastSweep = now
	}
	b := r.buckets[addr]
	if b == nil {
		b = &bucket{limiter: rate.NewLimiter(r.perSecond, r.burst)}
		r.buckets[addr] = b
	}
	b.last = now
	ok = b.limiter.AllowN(now, 1)
	tokens := b.limiter.TokensAt(now)
	if !ok {
		wait = time.Duration((1 - tokens) / float64(r.perSecond) * float64(time.Second))
	}
	return ok, int(math.Max(0, math.Floor(tokens))), wait
}

// middleware answers 429 (RFC 6585) with Retry-After once the caller's
// address has used its bucket, and tells every caller where it stands in
// RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers).
func (r *RateLimiter) middleware(c *gin.Context) {
	ok, remaining, wait := r.allow(c.ClientIP())
	reset := int(math.Ceil(float64(r.burst-remaining) / float64(r.perSecond)))
	c.Header("RateLimit-Policy", fmt.Sprintf("%d;w=%d", r.burst, int(math.Ceil(float64(r.burst)/float64(r.perSecond)))))
	c.Header("RateLimit", fmt.Sprintf("limit=%d, remaining=%d, reset=%d", r.burst, remaining, reset))
	if !ok {
		retry := int(math.Ceil(wait.Seconds()))
		c.Header("Retry-After", strconv.Itoa(max(retry, 1)))
		oauthError(c, http.StatusTooManyRequests, "temporarily_unavailable",
			"Too many token requests from this address; retry after the time in Retry-After.")
		c.Abort()
		return
	}
	c.Next()
}

// WithRateLimit limits the token, revocation and introspection requests
// per client address with r.
func (o *OAuth) WithRateLimit(r *RateLimiter) *OAuth {
	o.limiter = r
	return o
}

// limited runs h after the rate limit, if any, let the request through.
// It bounds the request body (every OAuth endpoint goes through it) and
// puts the client address and client id into the context for the login
// back-off and the audit trail.
func (o *OAuth) limited(c *gin.Context, h func(*gin.Context)) {
	// A token request is a few hundred bytes of form fields; bound it
	// before anything reads it.
	switch ok, err := httpserver.ReadBody(c, maxTokenRequest); {
	case !ok:
		oauthError(c, http.StatusRequestEntityTooLarge, "invalid_request",
			"The body is larger than "+httpserver.Size(maxTokenRequest)+", the most this endpoint accepts.")
		return
	case err != nil:
		oauthError(c, http.StatusBadRequest, "invalid_request", "The body could not be read.")
		return
	}
	ctx := audit.WithClientAddress(c.Request.Context(), c.ClientIP())
	// The client named by the request (fosite authenticates it before any
	// login is checked), for the audit trail.
	if id, _, _, err := clientCredentials(c.Request); err == nil && id != "" {
		ctx = audit.WithClientID(ctx, id)
	}
	c.Request = c.Request.WithContext(ctx)
	if o.limiter != nil {
		o.limiter.middleware(c)
		if c.IsAborted() {
			return
		}
	}
	h(c)
}
