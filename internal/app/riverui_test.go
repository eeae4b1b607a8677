package app_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestRiverUIMounted: the app mounts River's own UI in the console on
// both stores; a signed-in reader gets its page and its job list.
func TestRiverUIMounted(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st store.Store) {
		h := start(t, st)
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		get := func(path string) (int, string) {
			t.Helper()
			resp, err := c.Get(h.srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		// Signed out, the page leads to the sign-in form.
		code, page := get("/console/river/")
		m := csrfInput.FindStringSubmatch(page)
		if code != http.StatusOK || m == nil {
			t.Fatalf("signed out: %d %.300s", code, page)
		}
		resp, err := c.PostForm(h.srv.URL+"/console/signin", url.Values{"csrf": {m[1]}, "next": {"/console/river/"},
			"token": {"viewer-token-0123456789"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `id="root"`) {
			t.Fatalf("River UI after sign-in: %d %.300s", resp.StatusCode, b)
		}
		if code, body := get("/console/river/api/jobs?state=completed"); code != http.StatusOK || !strings.HasPrefix(body, `{"data":[`) {
			t.Fatalf("River UI's job list: %d %.300s", code, body)
		}
	})
}
