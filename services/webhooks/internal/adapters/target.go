// Package adapters connects the webhooks service to the outside: the
// HTTP client deliveries go out with (and the addresses it refuses), the
// signer, and the MongoDB store.
package adapters

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/resellerapi/platform/services/webhooks/internal/app"
)

// ErrForbiddenTarget is the error of a dial to an address deliveries may
// not reach.
var ErrForbiddenTarget = app.ErrForbiddenTarget

// forbiddenPrefixes are the ranges beyond what netip.Addr's own
// predicates name (loopback, private, link-local, multicast, unspecified)
// that a delivery must not reach: they are this network's, a carrier's or
// a cloud provider's own, or not routable on the internet.
var forbiddenPrefixes = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), `"this network"`},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT (and some clouds' metadata, 100.100.100.200)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (and broadcast)"},
	{netip.MustParsePrefix("64:ff9b::/96"), "NAT64 (maps to any IPv4 address)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local NAT64"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("2002::/16"), "6to4 (maps to any IPv4 address)"},
	{netip.MustParsePrefix("100::/64"), "discard"},
}

// ForbiddenAddress says why a delivery may not reach ip, or "" when it
// may. IPv4 addresses written as IPv6 are judged as IPv4.
func ForbiddenAddress(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid():
		return "not an IP address"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsPrivate():
		return "private"
	case ip.Is4() && ip.As4() == [4]byte{169, 254, 169, 254}:
		return "cloud metadata"
	case ip.IsLinkLocalUnicast():
		return "link-local (and cloud metadata, 169.254.169.254)"
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, p := range forbiddenPrefixes {
		if p.prefix.Contains(ip) {
			return p.why
		}
	}
	return ""
}

// DeliveryClientConfig configures the client deliveries are sent with.
type DeliveryClientConfig struct {
	// Timeout bounds one attempt, from dialling to the end of the
	// answer's (capped) body: 15 s by the specification.
	Timeout time.Duration
	// AllowPrivateTargets lifts the address policy
	// (WEBHOOKS_ALLOW_PRIVATE_TARGETS, for local runs and tests).
	AllowPrivateTargets bool
}

// NewDeliveryClient returns the HTTP client deliveries are sent with. It
// checks the address each connection actually dials, after DNS, so a name
// that resolves to an internal address (or is re-pointed at one between a
// check and the dial) is refused; it uses no proxy from the environment
// and follows no redirect (a 3xx answer is a failed attempt).
func NewDeliveryClient(cfg DeliveryClientConfig) *http.Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	dialer := &net.Dialer{Timeout: cfg.Timeout}
	if !cfg.AllowPrivateTargets {
		dialer.Control = refuseForbidden
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// refuseForbidden is a net.Dialer's Control: it runs for each address the
// dialer is about to connect to.
func refuseForbidden(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s is not an IP address and port", ErrForbiddenTarget, address)
	}
	if why := ForbiddenAddress(ap.Addr()); why != "" {
		return fmt.Errorf("%w: %s is %s", ErrForbiddenTarget, ap.Addr(), why)
	}
	return nil
}

// MaxResponseBody is how much of an endpoint's answer is read and kept
// in the delivery log.
const MaxResponseBody = 4 << 10

// ReadCapped reads at most MaxResponseBody bytes of body and discards
// (up to a bound) the rest so the connection can be reused.
func ReadCapped(ctx context.Context, body io.Reader) []byte {
	b, _ := io.ReadAll(io.LimitReader(body, MaxResponseBody))
	if ctx.Err() == nil {
		_, _ = io.CopyN(io.Discard, body, 64<<10)
	}
	return b
}
