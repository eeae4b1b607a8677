// Package api is the admin HTTP API under /api/v1: the API trigger, the
// local desk, dead letters and dry runs, behind bearer tokens with scopes.
package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"golang.org/x/time/rate"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/netguard"
)

// Scopes, each implying the ones before it.
const (
	ScopeRead    = "read"
	ScopeOperate = "operate"
	ScopeAdmin   = "admin"
)

// Tokens checks bearer tokens. Only their SHA-256 digests are kept in
// memory (the config may hold only the digest), every digest is compared
// in constant time, and a client that keeps presenting bad tokens is
// slowed down: after failureBurst failures its bad tokens get 429s,
// refilled at failureRate. A valid token is never throttled; guessing is
// made hopeless by the tokens' length, not by the throttle.
type Tokens struct {
	entries []tokenEntry
	trusted []netip.Prefix

	mu       sync.Mutex
	failures map[netip.Addr]*rate.Limiter
}

const (
	failureBurst = 10
	failureRate  = rate.Limit(1.0 / 6) // ten a minute
	maxTracked   = 10000
)

type tokenEntry struct {
	name   string
	digest [32]byte
	scopes []string
}

// NewTokens keeps the configured tokens' digests; trusted are the proxies
// whose X-Forwarded-For names the client whose failures are counted.
func NewTokens(cfg []config.Token, trusted []netip.Prefix) *Tokens {
	t := &Tokens{trusted: trusted, failures: map[netip.Addr]*rate.Limiter{}}
	for _, c := range cfg {
		e := tokenEntry{name: c.Name, digest: sha256.Sum256([]byte(c.Token)), scopes: c.Scopes}
		if c.TokenSHA256 != "" {
			b, _ := hex.DecodeString(c.TokenSHA256) // validated with the config
			copy(e.digest[:], b)
		}
		t.entries = append(t.entries, e)
	}
	return t
}

// throttled reports whether the client has used up its failures.
func (t *Tokens) throttled(ip netip.Addr) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, ok := t.failures[ip]
	return ok && l.Tokens() < 1
}

// failed counts a bad token from ip.
func (t *Tokens) failed(ip netip.Addr) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, ok := t.failures[ip]
	if !ok {
		if len(t.failures) >= maxTracked {
			clear(t.failures) // a flood of addresses: start over rather than grow
		}
		l = rate.NewLimiter(failureRate, failureBurst)
		t.failures[ip] = l
	}
	l.Allow()
}

// allows reports the token's name and whether it grants scope.
func (t *Tokens) allows(token, scope string) (string, bool, bool) {
	d := sha256.Sum256([]byte(token))
	var match *tokenEntry
	for i := range t.entries {
		if subtle.ConstantTimeCompare(d[:], t.entries[i].digest[:]) == 1 {
			match = &t.entries[i]
		}
	}
	if match == nil {
		return "", false, false
	}
	return match.name, true, grants(match.scopes, scope)
}

func grants(have []string, want string) bool {
	order := []string{ScopeRead, ScopeOperate, ScopeAdmin}
	need := slices.Index(order, want)
	for _, h := range have {
		if slices.Index(order, h) >= need {
			return true
		}
	}
	return false
}

// require wraps h so that it runs only for a bearer token granting scope.
func (t *Tokens) require(scope string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ip := netguard.ClientIP(r, t.trusted)
		auth := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(auth, "Bearer ")
		// A valid token is served even from an address that sent bad
		// ones (a shared proxy or NAT): the throttle only answers the bad.
		if name, known, allowed := t.allows(token, scope); known {
			if !allowed {
				writeError(w, http.StatusForbidden, "the token lacks the "+scope+" scope")
				return
			}
			h(w, r.WithContext(context.WithValue(r.Context(), tokenNameKey{}, name)))
			return
		}
		if t.throttled(ip) {
			w.Header().Set("Retry-After", "60")
			writeError(w, http.StatusTooManyRequests, "too many bad tokens from this address; wait a minute")
			return
		}
		if !ok || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ticketbridge"`)
			writeError(w, http.StatusUnauthorized, "a bearer token is required")
			return
		}
		t.failed(ip)
		writeError(w, http.StatusUnauthorized, "unknown token")
	}
}
