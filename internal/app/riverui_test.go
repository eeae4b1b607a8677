package app_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/jobs"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// consoleUser is an HTTP client with a cookie jar, signed in to the web
// console with a token.
type consoleUser struct {
	t    *testing.T
	base string
	c    *http.Client
}

// signIn opens path signed out, lands on the sign-in form, signs in with
// token and wants to be sent back to path.
func signIn(t *testing.T, h *harness, path, token string) *consoleUser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u := &consoleUser{t: t, base: h.srv.URL, c: &http.Client{Jar: jar}}
	code, page := u.do(http.MethodGet, path)
	m := csrfInput.FindStringSubmatch(page)
	if code != http.StatusOK || m == nil {
		t.Fatalf("%s signed out: %d %.300s", path, code, page)
	}
	resp, err := u.c.PostForm(h.srv.URL+"/console/signin", url.Values{"csrf": {m[1]}, "next": {path}, "token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != path {
		t.Fatalf("sign-in led to %d %s, want %s", resp.StatusCode, resp.Request.URL.Path, path)
	}
	return u
}

func (u *consoleUser) do(method, path string) (int, string) {
	u.t.Helper()
	req, err := http.NewRequestWithContext(u.t.Context(), method, u.base+path, nil)
	if err != nil {
		u.t.Fatal(err)
	}
	resp, err := u.c.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRiverUIMounted: the app mounts River's own UI in the console on
// both stores; a reader gets its page and its job list, an operator
// pauses and resumes a queue of the running app, audited.
func TestRiverUIMounted(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st store.Store) {
		h := start(t, st)
		viewer := signIn(t, h, "/console/river/", "viewer-token-0123456789")
		if code, page := viewer.do(http.MethodGet, "/console/river/"); code != http.StatusOK || !strings.Contains(page, `id="root"`) {
			t.Fatalf("River UI: %d %.300s", code, page)
		}
		if code, body := viewer.do(http.MethodGet, "/console/river/api/jobs?state=completed"); code != http.StatusOK || !strings.HasPrefix(body, `{"data":[`) {
			t.Fatalf("River UI's job list: %d %.300s", code, body)
		}
		pause := "/console/river/api/queues/" + jobs.QueueIngest + "/pause"
		if code, _ := viewer.do(http.MethodPut, pause); code != http.StatusForbidden {
			t.Fatalf("a reader paused a queue: %d", code)
		}

		ops := signIn(t, h, "/console/river/", adminToken)
		// The queue's row appears once its producer has started.
		h.eventually("the ingest queue", func() bool {
			code, _ := ops.do(http.MethodGet, "/console/river/api/queues/"+jobs.QueueIngest)
			return code == http.StatusOK
		})
		for _, verb := range []string{"pause", "resume"} {
			path := "/console/river/api/queues/" + jobs.QueueIngest + "/" + verb
			if code, body := ops.do(http.MethodPut, path); code != http.StatusOK {
				t.Fatalf("%s: %d %.300s", verb, code, body)
			}
			got, err := st.AuditList(t.Context(), store.AuditFilter{Action: "console.river.queue_" + verb})
			if err != nil || len(got) != 1 || got[0].Actor != "ops" || got[0].Target != "queue/"+jobs.QueueIngest {
				t.Fatalf("audit of %s: %+v %v", verb, got, err)
			}
		}
	})
}
