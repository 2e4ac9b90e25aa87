package adapters

import (
	"sync"
	"time"
)

// LoginThrottle backs off failed logins per key (a username, a client
// address): after MaxFailures failures in a row a key is locked for
// BaseDelay, doubling with every further failure up to MaxDelay. It lives
// in the memory of one replica: with N replicas an attacker gets N times
// the attempts, still few per second.
type LoginThrottle struct {
	maxFailures         int
	baseDelay, maxDelay time.Duration
	now                 func() time.Time

	mu        sync.Mutex
	keys      map[string]*loginState
	lastSweep time.Time
}

type loginState struct {
	failures    int
	lockedUntil time.Time
	last        time.Time
}

// NewLoginThrottle returns a throttle (defaults: 5 failures, 1s doubling
// up to 15 minutes).
func NewLoginThrottle(maxFailures int, baseDelay, maxDelay time.Duration) *LoginThrottle {
	if maxFailures <= 0 {
		maxFailures = 5
	}
	if baseDelay <= 0 {
		baseDelay = time.Second
	}
	if maxDelay < baseDelay {
		maxDelay = max(15*time.Minute, baseDelay)
	}
	return &LoginThrottle{maxFailures: maxFailures, baseDelay: baseDelay, maxDelay: maxDelay, now: time.Now, keys: map[string]*loginState{}}
}

// Locked returns how long the longest lock among keys lasts yet (0: none).
func (t *LoginThrottle) Locked(keys ...string) time.Duration {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		if s := t.keys[k]; s != nil && s.lockedUntil.After(now) {
			wait = max(wait, s.lockedUntil.Sub(now))
		}
	}
	return wait
}

// Failed counts a failed login of every key and locks those with too many.
func (t *LoginThrottle) Failed(keys ...string) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)
	for _, k := range keys {
		s := t.keys[k]
		if s == nil {
			s = &loginState{}
			t.keys[k] = s
		}
		s.failures++
		s.last = now
		if extra := s.failures - t.maxFailures; extra >= 0 {
			delay := t.maxDelay
			if extra < 30 {
				delay = min(t.baseDelay<<extra, t.maxDelay)
			}
			s.lockedUntil = now.Add(delay)
		}
	}
}

// Succeeded forgets the failures of key (a username after a good login).
func (t *LoginThrottle) Succeeded(key string) {
	t.mu.Lock()
	delete(t.keys, key)
	t.mu.Unlock()
}

// sweep forgets, at most once a minute, keys whose last failure is older
// than the longest lock, so the map holds only recent attackers.
func (t *LoginThrottle) sweep(now time.Time) {
	if now.Sub(t.lastSweep) < time.Minute {
		return
	}
	t.lastSweep = now
	for k, s := range t.keys {
		if now.Sub(s.last) > t.maxDelay && !s.lockedUntil.After(now) {
			delete(t.keys, k)
		}
	}
}
