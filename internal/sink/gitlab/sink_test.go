package gitlab_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app/apptest"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/gitlab"
	"github.com/ticketbridge/ticketbridge/internal/sink/gitlab/gitlabfake"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

func newSink(t *testing.T, srv *gitlabfake.Server, mutate ...func(*gitlab.Settings)) *gitlab.Sink {
	t.Helper()
	o := srv.Options()
	s := gitlab.Settings{URL: srv.URL(), Token: o.Token, Project: o.Project, WebhookToken: o.WebhookToken,
		Labels: []string{"from-chat"}, PriorityLabels: map[string]string{"high": "P1"}, MaxAttachmentBytes: 32}
	for _, m := range mutate {
		m(&s)
	}
	sk, err := gitlab.New("gl", s, sink.Deps{Now: func() time.Time { return time.Unix(1_700_000_000, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

func draft(ext string) core.TicketDraft {
	return core.TicketDraft{ExternalID: ext, Title: "VPN drops", Description: "Every hour.", Priority: "high",
		Labels: []string{"vpn, wifi"}, Requester: core.Requester{Name: "Ann", Email: "ann@example.com"}}
}

func TestIssueLifecycle(t *testing.T) {
	t.Parallel()
	srv := gitlabfake.New(t, gitlabfake.Options{})
	s := newSink(t, srv)
	ctx := t.Context()
	ref, err := s.Create(ctx, draft("tb-1"))
	if err != nil {
		t.Fatal(err)
	}
	is := srv.Issues()[0]
	if ref.Key != "1" || ref.Status != "opened" || strings.Join(is.Labels, "|") != "from-chat|vpn wifi|P1" ||
		sinkhttp.ExternalIDOf(is.Description) != "tb-1" || strings.Contains(is.Description, "ann@") {
		t.Fatalf("ref %+v issue %+v", ref, is.Issue)
	}
	srv.LoseNextCreate()
	if _, err := s.Create(ctx, draft("tb-12")); err == nil || core.IsPermanent(err) {
		t.Fatalf("lost answer: %v", err)
	}
	if got, ok, err := s.FindByExternalID(ctx, "tb-12"); err != nil || !ok || got.Key != "2" {
		t.Fatalf("find = %+v %v %v", got, ok, err)
	}
	if _, ok, _ := s.FindByExternalID(ctx, "tb-"); ok {
		t.Fatal("a prefix of the marker was adopted")
	}
	for _, c := range []core.Comment{{Body: "public", Public: true}, {Body: "internal"}} {
		if err := s.Comment(ctx, ref, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Attach(ctx, ref, core.File{Name: "log.txt"}, strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	for _, over := range []struct {
		f    core.File
		body string
	}{{core.File{Name: "a", Size: 33}, strings.Repeat("x", 33)}, {core.File{Name: "b"}, strings.Repeat("x", 33)}} {
		if err := s.Attach(ctx, ref, over.f, strings.NewReader(over.body)); !errors.Is(err, sink.ErrTooLarge) {
			t.Fatalf("over the limit: %v", err)
		}
	}
	notes := srv.Issues()[0].Notes
	if len(notes) != 3 || notes[0].Internal || !notes[1].Internal || !notes[2].Internal ||
		!strings.Contains(notes[2].Body, "[log.txt](/uploads/") || !strings.HasSuffix(notes[0].Body, gitlab.NoteMarker) {
		t.Fatalf("notes = %+v", notes)
	}
	if up := srv.Uploads(); len(up) != 1 || up[0].Size != 5 {
		t.Fatalf("uploads = %+v", up)
	}
	if err := s.Transition(ctx, ref, core.StateResolved); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Status(ctx, ref); st != "closed" {
		t.Fatalf("status %q", st)
	}
	if err := s.Transition(ctx, ref, core.StateWaitingOnCustomer); !core.IsPermanent(err) {
		t.Fatalf("waiting: %v", err)
	}
}

func TestCallErrors(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		status    int
		header    http.Header
		body      string
		token     string
		permanent bool
		wait      time.Duration
		message   string
	}{
		"429 retry-after": {status: 429, header: http.Header{"Retry-After": {"9"}}, wait: 9 * time.Second},
		"429 reset":       {status: 429, header: http.Header{"Ratelimit-Reset": {"1700000030"}}, wait: 30 * time.Second},
		"bad token":       {token: "nope", permanent: true, message: "401 Unauthorized"},
		"validation":      {status: 400, body: `{"message":{"title":["is too long"],"labels":["bad"]}}`, permanent: true, message: "labels [bad]; title [is too long]"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := gitlabfake.New(t, gitlabfake.Options{})
			if c.status != 0 {
				srv.FailNextOn("POST", "/projects/acme%2Fsupport/issues", c.status, c.header, c.body)
			}
			s := newSink(t, srv, func(st *gitlab.Settings) {
				if c.token != "" {
					st.Token = c.token
				}
			})
			_, err := s.Create(t.Context(), draft("tb-2"))
			var ce *core.CallError
			if !errors.As(err, &ce) || ce.Permanent != c.permanent || ce.RetryAfter != c.wait || !strings.Contains(ce.Message, c.message) {
				t.Fatalf("err = %+v", err)
			}
		})
	}
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	srv := gitlabfake.New(t, gitlabfake.Options{})
	s := newSink(t, srv)
	if _, err := s.ValidateMapping(t.Context(), sink.MappingSpec{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(t.Context(), draft("tb-3")); err != nil {
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
		func() (*http.Response, error) { return srv.SendNote(ctx, catch.URL, "gl", 1, "Fixed.", "agent", false) },
		func() (*http.Response, error) {
			return srv.SendNote(ctx, catch.URL, "gl", 1, "check logs", "agent", true)
		},
		func() (*http.Response, error) {
			return srv.SendNote(ctx, catch.URL, "gl", 1, "ours\n\n"+gitlab.NoteMarker, "tb-bot", false)
		},
		func() (*http.Response, error) { return srv.SendState(ctx, catch.URL, "gl", 1, "close", "tb-bot") },
		func() (*http.Response, error) { return srv.SendState(ctx, catch.URL, "gl", 1, "reopen", "agent") },
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
			line := string(e.Kind) + " " + e.To + " " + e.ExternalID
			if e.Comment != nil {
				line += " " + e.Comment.Body + map[bool]string{true: " public", false: " internal"}[e.Comment.Public]
			}
			if e.Ours {
				line += " ours"
			}
			out = append(out, line)
		}
	}
	want := "comment_added  tb-3 Fixed. public|comment_added  tb-3 check logs internal|comment_added  tb-3 ours public ours|" +
		"status_changed closed tb-3 ours|status_changed opened tb-3"
	if strings.Join(out, "|") != want {
		t.Fatalf("events:\n%s\nwant\n%s", strings.Join(out, "|"), want)
	}
	d := got[0]
	d.r.Header.Set(gitlab.HeaderToken, "wrong")
	if _, err := s.ParseWebhook(d.r, d.body); !errors.Is(err, core.ErrBadSignature) {
		t.Fatalf("wrong token: %v", err)
	}
	d.r.Header.Del(gitlab.HeaderToken)
	if _, err := s.ParseWebhook(d.r, d.body); !errors.Is(err, core.ErrBadSignature) {
		t.Fatalf("no token: %v", err)
	}
}

func TestCheckAndSettings(t *testing.T) {
	t.Parallel()
	srv := gitlabfake.New(t, gitlabfake.Options{})
	if err := newSink(t, srv).Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := newSink(t, srv, func(s *gitlab.Settings) { s.Project = "acme/none" }).Check(t.Context()); err == nil || !strings.Contains(err.Error(), "404 Project Not Found") {
		t.Fatalf("unknown project: %v", err)
	}
	for want, m := range map[string]func(*gitlab.Settings){
		"token: required":         func(s *gitlab.Settings) { s.Token = "" },
		"project: required":       func(s *gitlab.Settings) { s.Project = " " },
		"webhook_token: required": func(s *gitlab.Settings) { s.WebhookToken = "" },
		"labels: \"a,b\"":         func(s *gitlab.Settings) { s.Labels = []string{"a,b"} },
	} {
		st := gitlab.Settings{Token: "t", Project: "a/b", WebhookToken: "w"}
		m(&st)
		if _, err := gitlab.New("gl", st, sink.Deps{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
}

// A chat command opens an issue; an agent's public note and the closing
// come back as hooks and reach the chat; the internal note and our own
// note do not.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	srv := gitlabfake.New(t, gitlabfake.Options{})
	o := srv.Options()
	c := config.NewConnector("sinks[1]", "gl", gitlab.Type)
	for k, v := range map[string]any{"url": srv.URL(), "token": o.Token, "project": o.Project, "webhook_token": o.WebhookToken} {
		c.Set(k, v)
	}
	b := apptest.Start(t, c)
	b.Say("c1", "/ticket the VPN drops every hour")
	got := b.Replies(1)
	if is := srv.Issues(); len(is) != 1 || !strings.Contains(got[0], is[0].WebURL) {
		t.Fatalf("notice %q", got[0])
	}
	ctx, url := t.Context(), b.Srv.URL
	b.Delivered(srv.SendNote(ctx, url, "gl", 1, "internal: check the logs", "agent", true))
	b.Delivered(srv.SendNote(ctx, url, "gl", 1, "echo\n\n"+gitlab.NoteMarker, "tb-bot", false))
	b.Delivered(srv.SendNote(ctx, url, "gl", 1, "We replaced the VPN gateway.", "agent", false))
	got = b.Replies(2)
	if !strings.Contains(got[1], "We replaced the VPN gateway.") {
		t.Fatalf("note notice %q", got[1])
	}
	b.Delivered(srv.SendState(ctx, url, "gl", 1, "close", "agent"))
	got = b.Replies(3)
	if !strings.Contains(strings.ToLower(got[2]), "closed") {
		t.Fatalf("state notice %q", got[2])
	}
	b.Quiet(3)
	if all := strings.Join(got, "\n"); strings.Contains(all, "internal") || strings.Contains(all, "echo") {
		t.Fatalf("leaked: %q", got)
	}
}
