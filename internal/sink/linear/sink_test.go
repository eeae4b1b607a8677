package linear_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app/apptest"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/linear"
	"github.com/ticketbridge/ticketbridge/internal/sink/linear/linearfake"
)

var clock = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func newSink(t *testing.T, srv *linearfake.Server, mutate ...func(*linear.Settings)) *linear.Sink {
	t.Helper()
	o := srv.Options()
	s := linear.Settings{URL: srv.URL(), APIKey: o.APIKey, TeamID: linearfake.TeamID, WebhookSecret: o.WebhookSecret, MaxAttachmentBytes: 64}
	for _, m := range mutate {
		m(&s)
	}
	sk, err := linear.New("lin", s, sink.Deps{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

func draft(ext string) core.TicketDraft {
	return core.TicketDraft{ExternalID: ext, Title: "VPN drops", Description: "Every hour.", Priority: "urgent",
		Requester: core.Requester{Name: "Ann", Email: "ann@example.com"}}
}

func TestIssueLifecycle(t *testing.T) {
	t.Parallel()
	srv := linearfake.New(t, linearfake.Options{MaxFileBytes: 40})
	s := newSink(t, srv)
	ctx := t.Context()
	ref, err := s.Create(ctx, draft("tb-1"))
	if err != nil {
		t.Fatal(err)
	}
	is := srv.Issues()[0]
	if ref.Key != linear.IssueID("tb-1") || is.ID != ref.Key || is.Priority != 1 || linear.ExternalIDOf(is.Description) != "tb-1" {
		t.Fatalf("ref %+v issue %+v", ref, is)
	}
	// The id is ours: a lost answer and a retried create give one issue.
	srv.LoseNextCreate()
	again, err := s.Create(ctx, draft("tb-2"))
	if err != nil || again.Key != linear.IssueID("tb-2") || len(srv.Issues()) != 2 {
		t.Fatalf("create after a lost answer: %+v %v, %d issues", again, err, len(srv.Issues()))
	}
	if dup, err := s.Create(ctx, draft("tb-2")); err != nil || dup.Key != again.Key || len(srv.Issues()) != 2 {
		t.Fatalf("second create of tb-2: %+v %v", dup, err)
	}
	if _, ok, err := s.FindByExternalID(ctx, "tb-3"); ok || err != nil {
		t.Fatalf("tb-3 found: %v %v", ok, err)
	}
	if err := s.Comment(ctx, ref, core.Comment{Body: "note", Public: false}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		file core.File
		body string
		big  bool
	}{
		{core.File{Name: "a.txt", Size: 5}, "hello", false},
		{core.File{Name: "b.txt"}, "streamed", false},
		{core.File{Name: "c.txt", Size: 65}, strings.Repeat("x", 65), true},
		{core.File{Name: "d.txt"}, strings.Repeat("x", 65), true},
		{core.File{Name: "e.txt", Size: 50}, strings.Repeat("x", 50), true}, // the store's limit
	} {
		err := s.Attach(ctx, ref, f.file, strings.NewReader(f.body))
		if f.big != errors.Is(err, sink.ErrTooLarge) || !f.big && err != nil {
			t.Fatalf("attach %s: %v", f.file.Name, err)
		}
	}
	as := srv.Issues()[0].Attachments
	if len(as) != 2 || as[0].Title != "a.txt" || as[0].Size != 5 || as[1].Size != 8 {
		t.Fatalf("attachments = %+v", as)
	}
	for _, step := range []struct {
		state, want string
	}{{core.StateInProgress, "In Progress"}, {core.StateResolved, "Done"}, {core.StateClosed, "Done"}, {core.StateOpen, "Todo"}} {
		if err := s.Transition(ctx, ref, step.state); err != nil {
			t.Fatalf("%s: %v", step.state, err)
		}
		if st, _ := s.Status(ctx, ref); st != step.want {
			t.Fatalf("%s gave %q, want %q", step.state, st, step.want)
		}
	}
	bad := newSink(t, srv, func(st *linear.Settings) { st.StateNames = map[string]string{"waiting_on_customer": "Waiting"} })
	if err := bad.Transition(ctx, ref, core.StateWaitingOnCustomer); !core.IsPermanent(err) || !strings.Contains(err.Error(), `"Waiting"`) {
		t.Fatalf("unknown state: %v", err)
	}
}

func TestCallErrors(t *testing.T) {
	t.Parallel()
	reset := strconv.FormatInt(clock.Add(12*time.Second).UnixMilli(), 10)
	cases := map[string]struct {
		code      string
		status    int
		header    http.Header
		key       string
		permanent bool
		wait      time.Duration
	}{
		"rate limited": {code: "RATELIMITED", status: 400, header: http.Header{"X-Ratelimit-Requests-Reset": {reset}}, wait: 12 * time.Second},
		"bad key":      {key: "nope", permanent: true},
		"internal":     {code: "INTERNAL_SERVER_ERROR", status: 500},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := linearfake.New(t, linearfake.Options{})
			if c.code != "" {
				srv.FailNextOp("IssueCreate", c.code, c.status, c.header)
				srv.FailNextOp("Issue", c.code, c.status, c.header)
			}
			s := newSink(t, srv, func(st *linear.Settings) {
				if c.key != "" {
					st.APIKey = c.key
				}
			})
			_, err := s.Create(t.Context(), draft("tb-9"))
			var ce *core.CallError
			if !errors.As(err, &ce) || ce.Permanent != c.permanent || ce.RetryAfter != c.wait {
				t.Fatalf("err = %+v", err)
			}
		})
	}
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	srv := linearfake.New(t, linearfake.Options{Now: func() time.Time { return clock }})
	s := newSink(t, srv)
	if _, err := s.ValidateMapping(t.Context(), sink.MappingSpec{}); err != nil {
		t.Fatal(err)
	}
	ref, err := s.Create(t.Context(), draft("tb-5"))
	if err != nil {
		t.Fatal(err)
	}
	type delivery struct {
		r    *http.Request
		body []byte
	}
	var got []delivery
	catch := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, delivery{r, b})
	}))
	defer catch.Close()
	ctx := t.Context()
	for _, send := range []func() (*http.Response, error){
		func() (*http.Response, error) {
			return srv.SendComment(ctx, catch.URL, "lin", ref.Key, "Fixed.", linearfake.AgentID)
		},
		func() (*http.Response, error) {
			return srv.SendComment(ctx, catch.URL, "lin", ref.Key, "ours", linearfake.ViewerID)
		},
		func() (*http.Response, error) {
			return srv.SendState(ctx, catch.URL, "lin", ref.Key, "Canceled", linearfake.AgentID)
		},
	} {
		resp, err := send()
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var out []string
	for _, d := range got {
		evs, err := s.ParseWebhook(d.r, d.body)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			line := string(e.Kind) + " " + e.To + " " + e.Ticket.Key[:8]
			if e.Comment != nil {
				line += " " + e.Comment.Body
			}
			if e.Ours {
				line += " ours"
			}
			if st, ok := s.StateOf(e); ok {
				line += " =" + st
			}
			out = append(out, line)
		}
	}
	k := ref.Key[:8]
	want := "comment_added  " + k + " Fixed.|comment_added  " + k + " ours ours|status_changed Canceled " + k + " =closed"
	if strings.Join(out, "|") != want {
		t.Fatalf("events:\n%s\nwant\n%s", strings.Join(out, "|"), want)
	}
	d := got[0]
	if _, err := s.ParseWebhook(d.r, append(d.body, ' ')); !errors.Is(err, core.ErrBadSignature) {
		t.Fatalf("tampered: %v", err)
	}
	clockLate := clock.Add(2 * time.Minute)
	late, _ := linear.New("lin", linear.Settings{URL: srv.URL(), APIKey: "k", TeamID: linearfake.TeamID, WebhookSecret: srv.Options().WebhookSecret},
		sink.Deps{Now: func() time.Time { return clockLate }})
	if _, err := late.ParseWebhook(d.r, d.body); !errors.Is(err, core.ErrStale) {
		t.Fatalf("two minutes late: %v", err)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	srv := linearfake.New(t, linearfake.Options{})
	if err := newSink(t, srv).Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := newSink(t, srv, func(s *linear.Settings) { s.APIKey = "bad" }).Check(t.Context()); err == nil || !strings.Contains(err.Error(), "AUTHENTICATION_ERROR") {
		t.Fatalf("bad key: %v", err)
	}
	if err := newSink(t, srv, func(s *linear.Settings) { s.TeamID = "00000000-0000-0000-0000-000000000000" }).Check(t.Context()); err == nil || !strings.Contains(err.Error(), "team_id") {
		t.Fatalf("bad team: %v", err)
	}
	for want, m := range map[string]func(*linear.Settings){
		"api_key: required":        func(s *linear.Settings) { s.APIKey = "" },
		"team_id: \"ENG\"":         func(s *linear.Settings) { s.TeamID = "ENG" },
		"webhook_secret: required": func(s *linear.Settings) { s.WebhookSecret = "" },
		"state_names.done":         func(s *linear.Settings) { s.StateNames = map[string]string{"done": "Done"} },
	} {
		st := linear.Settings{APIKey: "k", TeamID: linearfake.TeamID, WebhookSecret: "w"}
		m(&st)
		if _, err := linear.New("lin", st, sink.Deps{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
}

// A chat command makes an issue; the agent's comment and the cancelling
// come back as signed webhooks; our own comment does not.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	srv := linearfake.New(t, linearfake.Options{})
	o := srv.Options()
	c := config.NewConnector("sinks[1]", "lin", linear.Type)
	for k, v := range map[string]any{"url": srv.URL(), "api_key": o.APIKey, "team_id": linearfake.TeamID, "webhook_secret": o.WebhookSecret} {
		c.Set(k, v)
	}
	b := apptest.Start(t, c)
	b.Say("c1", "/ticket the VPN drops every hour")
	got := b.Replies(1)
	is := srv.Issues()
	if len(is) != 1 || !strings.Contains(got[0], is[0].URL) {
		t.Fatalf("notice %q", got[0])
	}
	ctx, url, id := t.Context(), b.Srv.URL, is[0].ID
	b.Delivered(srv.SendComment(ctx, url, "lin", id, "echo of ours", linearfake.ViewerID))
	b.Delivered(srv.SendComment(ctx, url, "lin", id, "We replaced the VPN gateway.", linearfake.AgentID))
	got = b.Replies(2)
	if !strings.Contains(got[1], "We replaced the VPN gateway.") {
		t.Fatalf("comment notice %q", got[1])
	}
	b.Delivered(srv.SendState(ctx, url, "lin", id, "In Progress", linearfake.AgentID))
	got = b.Replies(3)
	if !strings.Contains(strings.ToLower(got[2]), "in progress") {
		t.Fatalf("state notice %q", got[2])
	}
	b.Quiet(3)
	if strings.Contains(strings.Join(got, "\n"), "echo") {
		t.Fatalf("our comment echoed: %q", got)
	}
}
