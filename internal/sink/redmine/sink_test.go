package redmine_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/redmine"
	"github.com/ticketbridge/ticketbridge/internal/sink/redmine/redminefake"
)

var update = flag.Bool("update", false, "rewrite golden files")

func newSink(t *testing.T, srv *redminefake.Server, user redmine.IDName, mutate ...func(*redmine.Settings)) *redmine.Sink {
	t.Helper()
	s := redmine.Settings{URL: srv.URL(), APIKey: redminefake.Key(user), Project: redminefake.Project, CustomFields: map[string]int{"chat_link": 7}}
	for _, m := range mutate {
		m(&s)
	}
	sk, err := redmine.New("rm", s, sink.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

func draft(ext string) core.TicketDraft {
	return core.TicketDraft{
		ExternalID: ext, Title: "VPN drops\nevery hour", Description: "It drops at :00.",
		Priority: "high", Requester: core.Requester{Name: "Ann", Email: "ann@example.com"},
		Custom: map[string]any{"chat_link": "C123"},
	}
}

func TestCreateRequestGolden(t *testing.T) {
	t.Parallel()
	srv := redminefake.New(t, redminefake.Options{})
	s := newSink(t, srv, redminefake.Admin, func(st *redmine.Settings) { st.Tracker = "Support" })
	ref, err := s.Create(t.Context(), draft("tb-1"))
	if err != nil {
		t.Fatal(err)
	}
	if ref.Key != "1" || ref.URL != srv.URL()+"/issues/1" || ref.Status != "New" {
		t.Fatalf("ref = %+v", ref)
	}
	var body []byte
	for _, r := range srv.Requests() {
		if r.Method == "POST" && r.Path == "/issues.json" {
			body = r.Body
		}
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "create_request.golden.json")
	if *update {
		if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Fatalf("create body:\n%s\nwant:\n%s", pretty.Bytes(), want)
	}
}

func TestCallErrors(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		status    int
		header    http.Header
		key       string
		project   string
		permanent bool
		retry     time.Duration
		message   string
	}{
		"rate limited":  {status: 429, header: http.Header{"Retry-After": {"7"}}, retry: 7 * time.Second},
		"unavailable":   {status: 503, header: http.Header{"Retry-After": {"3"}}, retry: 3 * time.Second},
		"server error":  {status: 500},
		"wrong key":     {key: "nope", permanent: true, message: "API key is wrong"},
		"forbidden":     {status: 403, permanent: true, message: "may not do this"},
		"unprocessable": {project: "other", permanent: true, message: "Project cannot be blank"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := redminefake.New(t, redminefake.Options{})
			s := newSink(t, srv, redminefake.Admin, func(st *redmine.Settings) {
				if c.key != "" {
					st.APIKey = c.key
				}
				if c.project != "" {
					st.Project = c.project
				}
			})
			if c.status != 0 {
				srv.FailNextOn("POST", "/issues.json", 1, c.status, c.header)
			}
			_, err := s.Create(t.Context(), draft("tb-2"))
			var ce *core.CallError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v", err)
			}
			if ce.Permanent != c.permanent || ce.RetryAfter != c.retry || !strings.Contains(ce.Message, c.message) {
				t.Fatalf("err = %+v", ce)
			}
		})
	}
}

// A lost answer leaves an issue behind; the marker finds it, and a
// marker that merely starts the same way is not adopted.
func TestFindByExternalID(t *testing.T) {
	t.Parallel()
	srv := redminefake.New(t, redminefake.Options{})
	s := newSink(t, srv, redminefake.Admin)
	if _, err := s.Create(t.Context(), draft("tb-10")); err != nil {
		t.Fatal(err)
	}
	srv.LoseNextCreate()
	if _, err := s.Create(t.Context(), draft("tb-1")); err == nil || core.IsPermanent(err) {
		t.Fatalf("lost answer gave %v, want a transient error", err)
	}
	ref, ok, err := s.FindByExternalID(t.Context(), "tb-1")
	if err != nil || !ok || ref.Key != "2" {
		t.Fatalf("find tb-1 = %+v %v %v", ref, ok, err)
	}
	srv.SetStatus(2, redminefake.Agent, "Closed")
	if ref, ok, _ := s.FindByExternalID(t.Context(), "tb-1"); !ok || ref.Status != "Closed" {
		t.Fatalf("closed issue not found: %+v %v", ref, ok)
	}
	if _, ok, err := s.FindByExternalID(t.Context(), "tb-9"); ok || err != nil {
		t.Fatalf("tb-9 found: %v %v", ok, err)
	}
}

func TestComment(t *testing.T) {
	t.Parallel()
	srv := redminefake.New(t, redminefake.Options{})
	s := newSink(t, srv, redminefake.Admin)
	ref, err := s.Create(t.Context(), draft("tb-3"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []core.Comment{{Body: "public", Public: true}, {Body: "internal"}} {
		if err := s.Comment(t.Context(), ref, c); err != nil {
			t.Fatal(err)
		}
	}
	js := srv.Issues()[0].Journals
	if len(js) != 2 || js[0].PrivateNotes || !js[1].PrivateNotes || js[1].Notes != "internal" {
		t.Fatalf("journals = %+v", js)
	}
	for _, bad := range []struct {
		ref core.TicketRef
		c   core.Comment
	}{{ref, core.Comment{Body: " "}}, {core.TicketRef{Key: "OPS-1"}, core.Comment{Body: "x"}}, {core.TicketRef{Key: "99"}, core.Comment{Body: "x"}}} {
		if err := s.Comment(t.Context(), bad.ref, bad.c); !core.IsPermanent(err) {
			t.Fatalf("comment %+v on %q: %v, want permanent", bad.c, bad.ref.Key, err)
		}
	}
}

func TestAttach(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		size     int64 // declared; 0 unknown
		body     string
		tooLarge bool
	}{
		"declared":             {size: 5, body: "hello"},
		"unknown size":         {body: "hello"},
		"exactly at the limit": {body: strings.Repeat("x", 16)},
		"declared over":        {size: 17, body: strings.Repeat("x", 17), tooLarge: true},
		"read over":            {body: strings.Repeat("x", 17), tooLarge: true},
		"redmine refuses":      {body: strings.Repeat("x", 12), tooLarge: true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := redminefake.New(t, redminefake.Options{MaxUploadBytes: 10})
			limit := int64(16)
			if name != "redmine refuses" {
				srv = redminefake.New(t, redminefake.Options{MaxUploadBytes: 100})
			}
			s := newSink(t, srv, redminefake.Admin, func(st *redmine.Settings) { st.MaxAttachmentBytes = limit })
			ref, err := s.Create(t.Context(), draft("tb-4"))
			if err != nil {
				t.Fatal(err)
			}
			err = s.Attach(t.Context(), ref, core.File{Name: "log.txt", ContentType: "text/plain", Size: c.size}, strings.NewReader(c.body))
			if c.tooLarge != errors.Is(err, sink.ErrTooLarge) || !c.tooLarge && err != nil {
				t.Fatalf("err = %v, too large %v", err, c.tooLarge)
			}
			as := srv.Issues()[0].Attachments
			if c.tooLarge != (len(as) == 0) {
				t.Fatalf("attachments = %+v", as)
			}
			if !c.tooLarge && (as[0].Filename != "log.txt" || as[0].Filesize != int64(len(c.body)) || as[0].ContentType != "text/plain") {
				t.Fatalf("attachment = %+v", as[0])
			}
		})
	}
}

func TestTransition(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		user      redmine.IDName
		start     string
		state     string
		want      string
		permanent string // part of the error, "" for none
		puts      int
	}{
		"close":               {user: redminefake.Admin, start: "New", state: core.StateClosed, want: "Closed", puts: 1},
		"in progress":         {user: redminefake.Admin, start: "New", state: core.StateInProgress, want: "In Progress", puts: 1},
		"already there":       {user: redminefake.Admin, start: "In Progress", state: core.StateInProgress, want: "In Progress"},
		"rejected is closed":  {user: redminefake.Admin, start: "Rejected", state: core.StateResolved, want: "Rejected"},
		"workflow ignores it": {user: redminefake.Reporter, start: "New", state: core.StateInProgress, want: "New", permanent: "workflow", puts: 1},
		"reporter may close":  {user: redminefake.Reporter, start: "New", state: core.StateClosed, want: "Closed", puts: 1},
		"status name unknown": {user: redminefake.Admin, start: "New", state: core.StateWaitingOnCustomer, want: "New", permanent: "no status \"Waiting\""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := redminefake.New(t, redminefake.Options{})
			s := newSink(t, srv, c.user, func(st *redmine.Settings) {
				st.StatusNames = map[string]string{core.StateWaitingOnCustomer: "Waiting"}
			})
			ref, err := s.Create(t.Context(), draft("tb-5"))
			if err != nil {
				t.Fatal(err)
			}
			if c.start != "New" {
				srv.SetStatus(1, redminefake.Admin, c.start)
			}
			err = s.Transition(t.Context(), ref, c.state)
			if c.permanent == "" && err != nil || c.permanent != "" && (!core.IsPermanent(err) || !strings.Contains(err.Error(), c.permanent)) {
				t.Fatalf("err = %v, want %q", err, c.permanent)
			}
			if got, _ := s.Status(t.Context(), ref); got != c.want {
				t.Fatalf("status %q, want %q", got, c.want)
			}
			if n := srv.RequestsTo("PUT", "/issues/1.json"); n != c.puts {
				t.Fatalf("%d PUTs, want %d", n, c.puts)
			}
		})
	}
}

// Poll reads journals by updated_on over every status, marks our own
// changes, keeps private notes internal, and gives the same event ids
// when a window is read again.
func TestPoll(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	srv := redminefake.New(t, redminefake.Options{Now: func() time.Time { return clock }})
	s, err := redmine.New("rm", redmine.Settings{URL: srv.URL(), APIKey: redminefake.Key(redminefake.Admin), Project: redminefake.Project},
		sink.Deps{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := s.Create(t.Context(), draft("tb-6"))
	if err != nil {
		t.Fatal(err)
	}
	_, cursor, err := s.Poll(t.Context(), "")
	if err != nil || cursor != "2026-03-01T09:00:00Z" {
		t.Fatalf("first poll: %q %v", cursor, err)
	}
	clock = clock.Add(5 * time.Second)
	if err := s.Comment(t.Context(), ref, core.Comment{Body: "our note", Public: true}); err != nil {
		t.Fatal(err)
	}
	srv.AddNote(1, redminefake.Agent, "looking", false)
	srv.AddNote(1, redminefake.Agent, "check the logs", true)
	clock = clock.Add(time.Second)
	srv.SetStatus(1, redminefake.Agent, "Closed")
	evs, next, err := s.Poll(t.Context(), cursor)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id, kind, to, body string
		public, ours       bool
	}
	var got []row
	for _, e := range evs {
		r := row{id: e.EventID, kind: string(e.Kind), to: e.To, ours: e.Ours}
		if e.Comment != nil {
			r.body, r.public = e.Comment.Body, e.Comment.Public
		}
		if e.ExternalID != "tb-6" || e.Ticket.Key != "1" {
			t.Fatalf("event %+v", e)
		}
		got = append(got, r)
	}
	want := []row{
		{id: "journal-1-notes", kind: "comment_added", body: "our note", public: true, ours: true},
		{id: "journal-2-notes", kind: "comment_added", body: "looking", public: true},
		{id: "journal-3-notes", kind: "comment_added", body: "check the logs"},
		{id: "journal-4-status", kind: "status_changed", to: "Closed"},
	}
	if len(got) != len(want) {
		t.Fatalf("events = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if next != "2026-03-01T09:00:06Z" {
		t.Fatalf("cursor %q", next)
	}
	// The closed issue is still listed (status_id=*), and the window's
	// last second is read again with the same ids.
	again, _, err := s.Poll(t.Context(), next)
	if err != nil || len(again) != 1 || again[0].EventID != "journal-4-status" {
		t.Fatalf("re-poll = %+v %v", again, err)
	}
	if st, ok := s.StateOf(again[0]); !ok || st != core.StateClosed {
		t.Fatalf("StateOf = %q %v", st, ok)
	}
}

func TestCheckAndMapping(t *testing.T) {
	t.Parallel()
	srv := redminefake.New(t, redminefake.Options{})
	if err := newSink(t, srv, redminefake.Admin).Check(t.Context()); err != nil {
		t.Fatalf("good config: %v", err)
	}
	bad := map[string]func(*redmine.Settings){
		"api_key":                  func(s *redmine.Settings) { s.APIKey = "nope" },
		`project "nope"`:           func(s *redmine.Settings) { s.Project = "nope" },
		`tracker "Incident"`:       func(s *redmine.Settings) { s.Tracker = "Incident" },
		"status_names.in_progress": func(s *redmine.Settings) { s.StatusNames = map[string]string{"in_progress": "Doing"} },
	}
	for want, m := range bad {
		err := newSink(t, srv, redminefake.Admin, m).Check(t.Context())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("check with bad %s: %v", want, err)
		}
	}
	s := newSink(t, srv, redminefake.Admin, func(st *redmine.Settings) { st.PriorityMap = map[string]string{"urgent": "Blocker"} })
	ps, err := s.ValidateMapping(t.Context(), sink.MappingSpec{Route: "r", Priorities: []string{"normal", "urgent", "whenever"}, CustomFields: []string{"chat_link", "team"}})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(ps, "\n")
	for _, want := range []string{`"urgent" maps to "Blocker"`, `"whenever" has no entry`, "mapping.custom.team"} {
		if !strings.Contains(joined, want) {
			t.Errorf("problems %q lack %q", joined, want)
		}
	}
	if len(ps) != 3 {
		t.Errorf("problems = %q", ps)
	}
}

func TestSettings(t *testing.T) {
	t.Parallel()
	ok := redmine.Settings{URL: "https://redmine.example.com/sub", APIKey: "k", Project: "ops"}
	cases := map[string]func(*redmine.Settings){
		"url: required":                   func(s *redmine.Settings) { s.URL = "" },
		"url: must be an absolute":        func(s *redmine.Settings) { s.URL = "redmine.example.com" },
		"api_key: required":               func(s *redmine.Settings) { s.APIKey = "" },
		"project: required":               func(s *redmine.Settings) { s.Project = "" },
		"project: \"OPS\"":                func(s *redmine.Settings) { s.Project = "OPS" },
		"status_names.done":               func(s *redmine.Settings) { s.StatusNames = map[string]string{"done": "Closed"} },
		"custom_fields.x":                 func(s *redmine.Settings) { s.CustomFields = map[string]int{"x": 0} },
		"poll_interval: must be at least": func(s *redmine.Settings) { s.PollInterval = time.Millisecond },
	}
	if _, err := redmine.New("rm", ok, sink.Deps{}); err != nil {
		t.Fatalf("good settings: %v", err)
	}
	for want, m := range cases {
		s := ok
		m(&s)
		if _, err := redmine.New("rm", s, sink.Deps{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v", want, err)
		}
	}
}

func TestNoWebhooks(t *testing.T) {
	t.Parallel()
	s := newSink(t, redminefake.New(t, redminefake.Options{}), redminefake.Admin)
	r, _ := http.NewRequest("POST", "/hooks/tickets/rm", nil)
	if _, err := s.ParseWebhook(r, []byte("{}")); !errors.Is(err, core.ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
}
