package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/api"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

const (
	sessionCookie = "tb_console"
	// preCookie carries the sign-in form's CSRF value (double submit):
	// there is no session yet to tie it to.
	preCookie  = "tb_console_pre"
	sessionTTL = 12 * time.Hour
)

// right is what a page or action needs.
type right int

const (
	anyone    right = iota // any signed-in session
	deskView               // agent, or read and above
	deskEdit               // agent, or operate and above
	opsView                // read and above
	opsEdit                // operate and above
	adminEdit              // admin only (config reload)
)

// session is a signed-in user with the scopes their token has now.
type session struct {
	store.ConsoleSession
	scopes []string
}

func (s *session) may(r right) bool {
	switch r {
	case deskView:
		return api.Grants(s.scopes, api.ScopeAgent) || api.Grants(s.scopes, api.ScopeRead)
	case deskEdit:
		return api.Grants(s.scopes, api.ScopeAgent) || api.Grants(s.scopes, api.ScopeOperate)
	case opsView:
		return api.Grants(s.scopes, api.ScopeRead)
	case opsEdit:
		return api.Grants(s.scopes, api.ScopeOperate)
	case adminEdit:
		return api.Grants(s.scopes, api.ScopeAdmin)
	}
	return true
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func hashID(id string) string {
	d := sha256.Sum256([]byte(id))
	return hex.EncodeToString(d[:])
}

func (c *Console) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/console/", MaxAge: maxAge, HttpOnly: true,
		Secure: r.TLS != nil || c.SecureCookies, SameSite: http.SameSiteLaxMode}
}

var errNoSession = errors.New("not signed in")

// session returns the request's session, or errNoSession when there is
// none, it expired, or its token is no longer configured.
func (c *Console) session(r *http.Request) (*session, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil, errNoSession
	}
	cs, err := c.Store.ConsoleSessionGet(r.Context(), hashID(ck.Value), c.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	scopes, ok := c.Tokens.Scopes(cs.Actor)
	if !ok {
		return nil, errNoSession
	}
	return &session{ConsoleSession: cs, scopes: scopes}, nil
}

// guard runs h for a session with the right; a change (any method but
// GET) must also carry the session's CSRF token.
func (c *Console) guard(need right, h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		secureHeaders(w)
		s, err := c.session(r)
		reading := r.Method == http.MethodGet || r.Method == http.MethodHead
		switch {
		case errors.Is(err, errNoSession) && reading:
			http.Redirect(w, r, "/console/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		case errors.Is(err, errNoSession):
			c.fail(w, r, nil, http.StatusUnauthorized, "err.signin")
			return
		case err != nil:
			c.fail(w, r, nil, http.StatusServiceUnavailable, "err.store")
			return
		}
		if !s.may(need) {
			c.fail(w, r, s, http.StatusForbidden, "err.scope")
			return
		}
		if !reading && !sameToken(r.PostFormValue("csrf"), s.CSRF) {
			c.fail(w, r, s, http.StatusForbidden, "err.csrf")
			return
		}
		h(w, r, s)
	}
}

func sameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// secureHeaders keep the pages out of frames and caches, allow only our
// own scripts and styles, and keep URLs out of Referer headers.
func secureHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w)
	pre := randomHex(16)
	http.SetCookie(w, c.cookie(r, preCookie, pre, 3600))
	c.render(w, r, http.StatusOK, "signin.html", nil, signInView{Next: safeNext(r.URL.Query().Get("next")), Pre: pre})
}

type signInView struct {
	Next, Pre string
	Error     string
}

func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w)
	next := safeNext(r.PostFormValue("next"))
	pre, err := r.Cookie(preCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf"), pre.Value) {
		c.fail(w, r, nil, http.StatusForbidden, "err.csrf")
		return
	}
	name, err := c.Tokens.Identify(r, r.PostFormValue("token"))
	if err != nil {
		status, key := http.StatusUnauthorized, "err.token"
		if errors.Is(err, api.ErrThrottled) {
			w.Header().Set("Retry-After", "60")
			status, key = http.StatusTooManyRequests, "err.throttled"
		}
		c.render(w, r, status, "signin.html", nil, signInView{Next: next, Pre: pre.Value, Error: key})
		return
	}
	id := randomHex(32)
	now := c.now()
	cs := store.ConsoleSession{IDHash: hashID(id), Actor: name, CSRF: randomHex(32), ExpiresAt: now.Add(sessionTTL), CreatedAt: now}
	if err := c.Store.ConsoleSessionCreate(r.Context(), cs); err != nil {
		c.fail(w, r, nil, http.StatusServiceUnavailable, "err.store")
		return
	}
	c.audit(r, &session{ConsoleSession: cs}, "console.signin", name, nil)
	http.SetCookie(w, c.cookie(r, preCookie, "", -1))
	http.SetCookie(w, c.cookie(r, sessionCookie, id, int(sessionTTL/time.Second)))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request, s *session) {
	if err := c.Store.ConsoleSessionDelete(r.Context(), s.IDHash); err != nil {
		c.fail(w, r, s, http.StatusServiceUnavailable, "err.store")
		return
	}
	c.audit(r, s, "console.signout", s.Actor, nil)
	http.SetCookie(w, c.cookie(r, sessionCookie, "", -1))
	http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
}
