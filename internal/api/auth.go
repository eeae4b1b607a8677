// Package api is the admin HTTP API under /api/v1: the API trigger, the
// local desk, dead letters and dry runs, behind bearer tokens with scopes.
package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/config"
)

// Scopes, each implying the ones before it.
const (
	ScopeRead    = "read"
	ScopeOperate = "operate"
	ScopeAdmin   = "admin"
)

// Tokens checks bearer tokens. Only their SHA-256 digests are kept in
// memory, and every digest is compared in constant time.
type Tokens struct {
	entries []tokenEntry
}

type tokenEntry struct {
	name   string
	digest [32]byte
	scopes []string
}

// NewTokens keeps the configured tokens' digests.
func NewTokens(cfg []config.Token) *Tokens {
	t := &Tokens{}
	for _, c := range cfg {
		t.entries = append(t.entries, tokenEntry{name: c.Name, digest: sha256.Sum256([]byte(c.Token)), scopes: c.Scopes})
	}
	return t
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
		auth := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ticketbridge"`)
			writeError(w, http.StatusUnauthorized, "a bearer token is required")
			return
		}
		_, known, allowed := t.allows(token, scope)
		switch {
		case !known:
			writeError(w, http.StatusUnauthorized, "unknown token")
		case !allowed:
			writeError(w, http.StatusForbidden, "the token lacks the "+scope+" scope")
		default:
			h(w, r)
		}
	}
}
