package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/api"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// fixture is a console on a fresh store with one signed-in session per
// scope, made directly in the store.
type fixture struct {
	c        *Console
	mux      *http.ServeMux
	sessions map[string]string // scope → cookie value
	csrf     map[string]string
}

var testTokens = []config.Token{
	{Name: "agent", Token: strings.Repeat("a", 32), Scopes: []string{api.ScopeAgent}},
	{Name: "reader", Token: strings.Repeat("r", 32), Scopes: []string{api.ScopeRead}},
	{Name: "operator", Token: strings.Repeat("o", 32), Scopes: []string{api.ScopeOperate}},
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := teststore.SQLite(t)
	now := time.Now()
	f := &fixture{
		c:   &Console{Tokens: api.NewTokens(testTokens, nil), Store: st, Now: func() time.Time { return now }},
		mux: http.NewServeMux(), sessions: map[string]string{}, csrf: map[string]string{},
	}
	if err := f.c.Register(f.mux); err != nil {
		t.Fatal(err)
	}
	for _, tk := range append(testTokens, config.Token{Name: "gone"}) {
		id := randomHex(32)
		cs := store.ConsoleSession{IDHash: hashID(id), Actor: tk.Name, CSRF: randomHex(32), ExpiresAt: now.Add(time.Hour)}
		if err := st.ConsoleSessionCreate(t.Context(), cs); err != nil {
			t.Fatal(err)
		}
		f.sessions[tk.Name], f.csrf[tk.Name] = id, cs.CSRF
	}
	expired := store.ConsoleSession{IDHash: hashID("expired"), Actor: "operator", CSRF: "x", ExpiresAt: now.Add(-time.Minute)}
	if err := st.ConsoleSessionCreate(t.Context(), expired); err != nil {
		t.Fatal(err)
	}
	f.sessions["expired"], f.csrf["expired"] = "expired", "x"
	return f
}

// do sends method to the route's pattern (with {key} filled in) as who
// ("" for no cookie), with the CSRF value csrf when it is a form.
func (f *fixture) do(method, pattern, cookie, csrf string) *httptest.ResponseRecorder {
	path := strings.ReplaceAll(pattern, "{key}", "LOCAL-1")
	var body url.Values
	if method != http.MethodGet {
		body = url.Values{"csrf": {csrf}}
	}
	r := httptest.NewRequest(method, path, strings.NewReader(body.Encode()))
	if body != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
	}
	w := httptest.NewRecorder()
	f.mux.ServeHTTP(w, r)
	return w
}

// TestEveryRouteRefuses walks the route table: no session, an unknown,
// expired or orphaned session, a scope too low and a missing or wrong CSRF
// token are all refused, and nothing is shown.
func TestEveryRouteRefuses(t *testing.T) {
	f := newFixture(t)
	for _, rt := range f.c.routes() {
		method, pattern, _ := strings.Cut(rt.pattern, " ")
		anon := http.StatusUnauthorized
		if method == http.MethodGet {
			anon = http.StatusSeeOther
		}
		cases := map[string]struct {
			cookie, csrf string
			want         int
		}{
			"no session":      {"", "", anon},
			"unknown session": {"not-a-session", "", anon},
			"expired session": {f.sessions["expired"], f.csrf["expired"], anon},
			"token removed":   {f.sessions["gone"], f.csrf["gone"], anon},
		}
		if low := lowScope(rt.right); low != "" {
			cases["scope too low"] = struct {
				cookie, csrf string
				want         int
			}{f.sessions[low], f.csrf[low], http.StatusForbidden}
		}
		if method != http.MethodGet {
			cases["no csrf"] = struct {
				cookie, csrf string
				want         int
			}{f.sessions["operator"], "", http.StatusForbidden}
			cases["wrong csrf"] = struct {
				cookie, csrf string
				want         int
			}{f.sessions["operator"], f.csrf["agent"], http.StatusForbidden}
		}
		for name, tc := range cases {
			t.Run(rt.pattern+"/"+name, func(t *testing.T) {
				w := f.do(method, pattern, tc.cookie, tc.csrf)
				if w.Code != tc.want {
					t.Fatalf("status = %d, want %d; body: %.300s", w.Code, tc.want, w.Body.String())
				}
				if w.Code == http.StatusSeeOther && !strings.HasPrefix(w.Header().Get("Location"), "/console/signin?next=") {
					t.Fatalf("redirect to %q, want the sign-in page", w.Header().Get("Location"))
				}
				if strings.Contains(w.Body.String(), "<table") {
					t.Fatalf("a refused request was shown data: %.300s", w.Body.String())
				}
			})
		}
	}
}

// lowScope names a session whose token lacks the right, "" when every
// signed-in session has it.
func lowScope(r right) string {
	switch r {
	case deskEdit:
		return "reader"
	case opsView, opsEdit:
		return "agent"
	case adminEdit:
		return "operator"
	}
	return ""
}

func TestScopes(t *testing.T) {
	for name, tc := range map[string]struct {
		scopes []string
		may    []right
		mayNot []right
	}{
		"agent":   {[]string{"agent"}, []right{deskView, deskEdit}, []right{opsView, opsEdit, adminEdit}},
		"read":    {[]string{"read"}, []right{deskView, opsView}, []right{deskEdit, opsEdit, adminEdit}},
		"operate": {[]string{"operate"}, []right{deskView, deskEdit, opsView, opsEdit}, []right{adminEdit}},
		"admin":   {[]string{"admin"}, []right{deskView, deskEdit, opsView, opsEdit, adminEdit}, nil},
	} {
		s := &session{scopes: tc.scopes}
		for _, r := range tc.may {
			if !s.may(r) {
				t.Errorf("%s: may not %d, want may", name, r)
			}
		}
		for _, r := range tc.mayNot {
			if s.may(r) {
				t.Errorf("%s: may %d, want may not", name, r)
			}
		}
	}
}

func TestCatalogsHaveTheSameKeys(t *testing.T) {
	for key := range catalogs["en"] {
		if _, ok := catalogs["zh"][key]; !ok {
			t.Errorf("zh lacks %q", key)
		}
	}
	for key := range catalogs["zh"] {
		if _, ok := catalogs["en"][key]; !ok {
			t.Errorf("en lacks %q", key)
		}
	}
}

func TestLanguage(t *testing.T) {
	for name, tc := range map[string]struct {
		header, cookie, want string
	}{
		"none":               {"", "", "en"},
		"chinese first":      {"zh-CN,zh;q=0.9,en;q=0.8", "", "zh"},
		"english first":      {"en-US,zh;q=0.5", "", "en"},
		"other then chinese": {"fr-FR, zh-TW;q=0.7", "", "zh"},
		"cookie wins":        {"zh-CN", "en", "en"},
		"bad cookie ignored": {"zh-CN", "xx", "zh"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/console/desk", nil)
		r.Header.Set("Accept-Language", tc.header)
		if tc.cookie != "" {
			r.AddCookie(&http.Cookie{Name: langCookie, Value: tc.cookie})
		}
		if got := language(r); got != tc.want {
			t.Errorf("%s: language = %q, want %q", name, got, tc.want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/console/desk/LOCAL-1":   "/console/desk/LOCAL-1",
		"https://evil.example/x":  "/console/desk",
		"//evil.example/console/": "/console/desk",
		"/console/\\evil":         "/console/desk",
		"":                        "/console/desk",
		"/api/v1/audit":           "/console/desk",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
