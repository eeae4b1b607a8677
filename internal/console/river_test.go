package console

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/api"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// riverTestArgs is a job only these tests insert; nothing works it.
type riverTestArgs struct {
	Note string `json:"note"`
}

func (riverTestArgs) Kind() string { return "console_river_test" }

// riverFixture is a console with River's UI on st (a fresh store of
// either backend), one session per scope and one available job.
type riverFixture struct {
	c        *Console
	st       store.Store
	q        store.Queue
	srv      *httptest.Server
	sessions map[string]string
	job      int64
}

func newRiverFixture(t *testing.T, st store.Store) *riverFixture {
	t.Helper()
	cs, ok := st.(Store)
	if !ok {
		t.Fatalf("%T is not a console store", st)
	}
	q, err := st.Queue(nil)
	if err != nil {
		t.Fatal(err)
	}
	ui, err := NewRiverUI(q, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Not started, as the app mounts it (no background counts).
	now := time.Now()
	f := &riverFixture{
		c:  &Console{Tokens: api.NewTokens(testTokens, nil), Store: cs, Queue: q, RiverUI: ui, Now: func() time.Time { return now }},
		st: st, q: q, sessions: map[string]string{},
	}
	mux := http.NewServeMux()
	if err := f.c.Register(mux); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	for _, tk := range testTokens {
		id := randomHex(32)
		s := store.ConsoleSession{IDHash: hashID(id), Actor: tk.Name, CSRF: randomHex(32), ExpiresAt: now.Add(time.Hour)}
		if err := cs.ConsoleSessionCreate(t.Context(), s); err != nil {
			t.Fatal(err)
		}
		f.sessions[tk.Name] = id
	}
	res, err := q.Insert(t.Context(), riverTestArgs{Note: "stuck"}, &river.InsertOpts{Queue: "river_ui_test"})
	if err != nil {
		t.Fatal(err)
	}
	f.job = res.Job.ID
	return f
}

// do sends a request as who ("" for no session) and returns the status,
// Location and body. Extra headers come in pairs.
func (f *riverFixture) do(t *testing.T, method, path, who, body string, headers ...string) (int, string, string) {
	t.Helper()
	r, err := http.NewRequestWithContext(t.Context(), method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	if who != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: f.sessions[who]})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func (f *riverFixture) audit(t *testing.T, action string) []store.AuditEntry {
	t.Helper()
	entries, err := f.st.(store.Audit).AuditList(t.Context(), store.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func (f *riverFixture) state(t *testing.T) rivertype.JobState {
	t.Helper()
	job, err := f.q.JobGet(t.Context(), f.job)
	if err != nil {
		t.Fatal(err)
	}
	return job.State
}

// TestRiverUI runs River's UI in the console on SQLite and PostgreSQL:
// who reaches it, what it shows, and how its changes are guarded and
// audited.
func TestRiverUI(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st store.Store) {
		f := newRiverFixture(t, st)
		jobs := "/console/river/api/jobs?state=available"

		t.Run("refused", func(t *testing.T) {
			for name, tc := range map[string]struct {
				method, path, who, body string
				want                    int
			}{
				"page, no session":        {"GET", "/console/river/", "", "", http.StatusSeeOther},
				"job page, no session":    {"GET", "/console/river/jobs/" + strconv.FormatInt(f.job, 10), "", "", http.StatusSeeOther},
				"api, no session":         {"GET", jobs, "", "", http.StatusUnauthorized},
				"change, no session":      {"POST", "/console/river/api/jobs/cancel", "", `{"ids":["1"]}`, http.StatusUnauthorized},
				"page, agent":             {"GET", "/console/river/", "agent", "", http.StatusForbidden},
				"api, agent":              {"GET", jobs, "agent", "", http.StatusForbidden},
				"change, agent":           {"POST", "/console/river/api/jobs/cancel", "agent", `{"ids":["1"]}`, http.StatusForbidden},
				"change, read only":       {"POST", "/console/river/api/jobs/cancel", "reader", `{"ids":["1"]}`, http.StatusForbidden},
				"queue pause, read only":  {"PUT", "/console/river/api/queues/river_ui_test/pause", "reader", "", http.StatusForbidden},
				"unknown change, operate": {"POST", "/console/river/api/jobs/explode", "operator", `{"ids":["1"]}`, http.StatusNotFound},
				"change without ids":      {"POST", "/console/river/api/jobs/retry", "operator", `{}`, http.StatusBadRequest},
			} {
				code, loc, body := f.do(t, tc.method, tc.path, tc.who, tc.body)
				if code != tc.want {
					t.Errorf("%s: %d, want %d; %.200s", name, code, tc.want, body)
					continue
				}
				if code == http.StatusSeeOther && !strings.HasPrefix(loc, "/console/signin?next=%2Fconsole%2Friver%2F") {
					t.Errorf("%s: sent to %q, want the sign-in page", name, loc)
				}
				if strings.Contains(body, "console_river_test") || strings.Contains(body, `id="root"`) {
					t.Errorf("%s: a refused request was shown River's UI or a job: %.200s", name, body)
				}
				if strings.Contains(tc.path, "/api/") && code != http.StatusSeeOther && !strings.Contains(body, `"message"`) {
					t.Errorf("%s: API refusal is not River UI's JSON error: %.200s", name, body)
				}
			}
			if got := f.state(t); got != rivertype.JobStateAvailable {
				t.Fatalf("after the refusals the job is %s", got)
			}
		})

		t.Run("read scope sees the UI and its API", func(t *testing.T) {
			code, _, body := f.do(t, "GET", "/console/river/", "reader", "")
			if code != http.StatusOK || !strings.Contains(body, `id="root"`) || !strings.Contains(body, `/console/river/api`) {
				t.Fatalf("index: %d %.300s", code, body)
			}
			// The SPA's own routes answer with its index too.
			if code, _, body = f.do(t, "GET", "/console/river/jobs/"+strconv.FormatInt(f.job, 10), "reader", ""); code != http.StatusOK || !strings.Contains(body, `id="root"`) {
				t.Fatalf("job page: %d %.300s", code, body)
			}
			code, _, body = f.do(t, "GET", jobs, "reader", "")
			var list struct {
				Data []struct {
					ID    json.Number `json:"id"`
					Kind  string      `json:"kind"`
					State string      `json:"state"`
				} `json:"data"`
			}
			if code != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil {
				t.Fatalf("jobs: %d %.300s", code, body)
			}
			if len(list.Data) != 1 || list.Data[0].Kind != "console_river_test" || list.Data[0].ID.String() != strconv.FormatInt(f.job, 10) {
				t.Fatalf("jobs: %+v", list.Data)
			}
			for _, path := range []string{"/console/river/api/jobs/" + strconv.FormatInt(f.job, 10), "/console/river/api/states", "/console/river/api/queues"} {
				if code, _, body := f.do(t, "GET", path, "reader", ""); code != http.StatusOK {
					t.Errorf("GET %s: %d %.300s", path, code, body)
				}
			}
		})

		t.Run("a cross-site change is refused", func(t *testing.T) {
			body := `{"ids":["` + strconv.FormatInt(f.job, 10) + `"]}`
			for name, h := range map[string][]string{
				"fetch metadata": {"Sec-Fetch-Site", "cross-site"},
				"origin":         {"Origin", "https://evil.example"},
			} {
				code, _, resp := f.do(t, "POST", "/console/river/api/jobs/cancel", "operator", body, h...)
				if code != http.StatusForbidden {
					t.Errorf("%s: %d, want 403; %.200s", name, code, resp)
				}
			}
			if got := f.state(t); got != rivertype.JobStateAvailable {
				t.Fatalf("the cross-site request changed the job: %s", got)
			}
			if got := f.audit(t, "console.river.job_cancel"); len(got) != 0 {
				t.Fatalf("refused requests were audited: %+v", got)
			}
		})

		t.Run("operate scope cancels, audited", func(t *testing.T) {
			id := strconv.FormatInt(f.job, 10)
			code, _, body := f.do(t, "POST", "/console/river/api/jobs/cancel", "operator", `{"ids":["`+id+`"]}`,
				"Sec-Fetch-Site", "same-origin", "Origin", f.srv.URL)
			if code != http.StatusOK {
				t.Fatalf("cancel: %d %.300s", code, body)
			}
			if got := f.state(t); got != rivertype.JobStateCancelled {
				t.Fatalf("after cancel the job is %s", got)
			}
			got := f.audit(t, "console.river.job_cancel")
			if len(got) != 1 || got[0].Actor != "operator" || got[0].Target != "job/"+id ||
				got[0].Detail["via"] != "console" || got[0].Detail["ui"] != "river" {
				t.Fatalf("audit: %+v", got)
			}
			// River refuses a queue it does not know: nothing changed,
			// nothing audited.
			if code, _, body := f.do(t, "PUT", "/console/river/api/queues/no_such_queue/pause", "operator", ""); code != http.StatusNotFound {
				t.Fatalf("pause of an unknown queue: %d %.300s", code, body)
			}
			if got := f.audit(t, "console.river.queue_pause"); len(got) != 0 {
				t.Fatalf("a refused pause was audited: %+v", got)
			}
			// Delete the cancelled job: audited too.
			if code, _, body := f.do(t, "POST", "/console/river/api/jobs/delete", "operator", `{"ids":[`+id+`]}`); code != http.StatusOK {
				t.Fatalf("delete: %d %.300s", code, body)
			}
			if got := f.audit(t, "console.river.job_delete"); len(got) != 1 || got[0].Target != "job/"+id {
				t.Fatalf("delete audit: %+v", got)
			}
		})

		t.Run("navigation links River UI", func(t *testing.T) {
			if _, _, body := f.do(t, "GET", "/console/ops/health", "reader", ""); !strings.Contains(body, `href="/console/river/"`) {
				t.Fatal("the operations navigation lacks River UI")
			}
		})
	})
}

// TestRiverUIAbsent: without a River client the route says so, after the
// same sign-in and scope checks, and the navigation leaves it out.
func TestRiverUIAbsent(t *testing.T) {
	f := newFixture(t)
	for name, tc := range map[string]struct {
		path, who string
		want      int
		text      string
	}{
		"no session": {"/console/river/", "", http.StatusSeeOther, ""},
		"agent":      {"/console/river/", "agent", http.StatusForbidden, ""},
		"reader":     {"/console/river/", "reader", http.StatusNotFound, html.EscapeString(catalogs["en"]["err.noriver"])},
		"api":        {"/console/river/api/jobs", "reader", http.StatusNotFound, `"message"`},
	} {
		w := f.do(http.MethodGet, tc.path, f.sessions[tc.who], "")
		if w.Code != tc.want || !strings.Contains(w.Body.String(), tc.text) {
			t.Errorf("%s: %d, want %d with %q; %.300s", name, w.Code, tc.want, tc.text, w.Body.String())
		}
	}
	if w := f.do(http.MethodGet, "/console/ops/health", f.sessions["reader"], ""); strings.Contains(w.Body.String(), "/console/river/") {
		t.Error("the navigation links River UI, which is not mounted")
	}
}

// TestNewRiverUIRefusesOtherQueues: only River's own clients build it.
func TestNewRiverUIRefusesOtherQueues(t *testing.T) {
	if _, err := NewRiverUI(nil, nil); err == nil {
		t.Fatal("NewRiverUI(nil) built a handler")
	}
}
