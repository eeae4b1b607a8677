package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"

	"github.com/ticketbridge/ticketbridge/internal/netguard"
)

// ScopeAgent lets a token work the local desk in the web console and
// nothing else: it grants none of the admin API's scopes.
const ScopeAgent = "agent"

// Why a token was refused at the console's sign-in.
var (
	ErrThrottled    = errors.New("too many bad tokens from this address; wait a minute")
	ErrUnknownToken = errors.New("unknown token")
)

// Identify checks a token presented by r's client, counting failures
// toward the same throttle as bearer tokens; it returns the token's name.
func (t *Tokens) Identify(r *http.Request, token string) (string, error) {
	ip := netguard.ClientIP(r, t.trusted)
	if t.throttled(ip) {
		return "", ErrThrottled
	}
	d := sha256.Sum256([]byte(token))
	name := ""
	for i := range t.entries {
		if subtle.ConstantTimeCompare(d[:], t.entries[i].digest[:]) == 1 {
			name = t.entries[i].name
		}
	}
	if name == "" || token == "" {
		t.failed(ip)
		return "", ErrUnknownToken
	}
	return name, nil
}

// Scopes returns the scopes of the named token as configured now, so a
// session ends when its token leaves the configuration.
func (t *Tokens) Scopes(name string) ([]string, bool) {
	for _, e := range t.entries {
		if e.name == name {
			return slices.Clone(e.scopes), true
		}
	}
	return nil, false
}

// Grants reports whether scopes include want or a scope above it; agent
// is outside that order and granted only by itself.
func Grants(scopes []string, want string) bool {
	if want == ScopeAgent {
		return slices.Contains(scopes, ScopeAgent)
	}
	return grants(scopes, want)
}
