package zammad_test

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
	"github.com/ticketbridge/ticketbridge/internal/sink/zammad"
	"github.com/ticketbridge/ticketbridge/internal/sink/zammad/zammadfake"
)

func newSink(t *testing.T, srv *zammadfake.Server, mutate ...func(*zammad.Settings)) *zammad.Sink {
	t.Helper()
	o := srv.Options()
	s := zammad.Settings{URL: srv.URL(), Token: o.Token, Group: o.Group, FallbackCustomer: "chat@example.com",
		WebhookSecret: o.WebhookSecret, Tags: []string{"chat"}, MaxAttachmentBytes: 100}
	for _, m := range mutate {
		m(&s)
	}
	sk, err := zammad.New("zd", s, sink.Deps{Now: func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

func draft(ext, email string) core.TicketDraft {
	return core.TicketDraft{ExternalID: ext, Title: "VPN drops", Description: "Every hour.", Priority: "urgent",
		Labels: []string{"vpn,wifi"}, Requester: core.Requester{Name: "Ann", Email: email}}
}

func TestTicketLifecycle(t *testing.T) {
	t.Parallel()
	for _, lag := range []bool{false, true} {
		name := map[bool]string{false: "search finds", true: "search lags"}[lag]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := zammadfake.New(t, zammadfake.Options{SearchLags: lag})
			s := newSink(t, srv)
			ctx := t.Context()
			ref, err := s.Create(ctx, draft("tb-1", "ann@example.com"))
			if err != nil {
				t.Fatal(err)
			}
			tk := srv.Tickets()[0]
			if ref.Key != "1" || tk.Customer != "ann@example.com" || tk.PriorityID != 3 ||
				strings.Join(tk.Tags, "|") != "chat|vpn wifi|tb-1" || tk.Articles[0].Body != "Every hour." || tk.Articles[0].Internal {
				t.Fatalf("ref %+v ticket %+v", ref, tk)
			}
			srv.LoseNextCreate()
			if _, err := s.Create(ctx, draft("tb-12", "")); err == nil || core.IsPermanent(err) {
				t.Fatalf("lost answer: %v", err)
			}
			if got, ok, err := s.FindByExternalID(ctx, "tb-12"); err != nil || !ok || got.Key != "2" {
				t.Fatalf("find = %+v %v %v", got, ok, err)
			}
			if srv.Tickets()[1].Customer != "chat@example.com" {
				t.Fatalf("fallback customer: %q", srv.Tickets()[1].Customer)
			}
			if _, ok, _ := s.FindByExternalID(ctx, "tb-"); ok {
				t.Fatal("a prefix of the tag was adopted")
			}
		})
	}
}

func TestArticlesAndStates(t *testing.T) {
	t.Parallel()
	srv := zammadfake.New(t, zammadfake.Options{MaxRequestBytes: 300})
	s := newSink(t, srv)
	ctx := t.Context()
	ref, err := s.Create(ctx, draft("tb-2", "ann@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []core.Comment{{Body: "public", Public: true}, {Body: "internal"}} {
		if err := s.Comment(ctx, ref, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []struct {
		file core.File
		body string
		big  bool
	}{
		{core.File{Name: "a.txt", Size: 5}, "hello", false},
		{core.File{Name: "b \"q\".txt"}, "streamed bytes", false},
		{core.File{Name: "c", Size: 101}, strings.Repeat("x", 101), true},
		{core.File{Name: "d"}, strings.Repeat("x", 101), true},
		{core.File{Name: "e"}, strings.Repeat("x", 100), true}, // the base64 is over the server's limit
	} {
		err := s.Attach(ctx, ref, f.file, strings.NewReader(f.body))
		if f.big != errors.Is(err, sink.ErrTooLarge) || !f.big && err != nil {
			t.Fatalf("attach %s: %v", f.file.Name, err)
		}
	}
	as := srv.Tickets()[0].Articles
	if len(as) != 5 || as[1].Internal || !as[2].Internal || as[3].Files["a.txt"] != 5 || as[4].Files[`b "q".txt`] != 14 || !as[4].Internal {
		t.Fatalf("articles = %+v", as)
	}
	for _, step := range []struct{ state, want string }{
		{core.StateWaitingOnCustomer, "pending reminder"}, {core.StateInProgress, "open"}, {core.StateResolved, "closed"},
	} {
		if err := s.Transition(ctx, ref, step.state); err != nil {
			t.Fatalf("%s: %v", step.state, err)
		}
		if st, _ := s.Status(ctx, ref); st != step.want {
			t.Fatalf("%s: %q", step.state, st)
		}
	}
	bad := newSink(t, srv, func(st *zammad.Settings) { st.StateNames = map[string]string{"closed": "done"} })
	if err := bad.Transition(ctx, ref, core.StateClosed); !core.IsPermanent(err) || !strings.Contains(err.Error(), `'state': "done"`) {
		t.Fatalf("unknown state: %v", err)
	}
	if ps, err := bad.ValidateMapping(ctx, sink.MappingSpec{}); err != nil || len(ps) != 1 || !strings.Contains(ps[0], "state_names.closed") {
		t.Fatalf("validate: %q %v", ps, err)
	}
}

func TestCallErrors(t *testing.T) {
	t.Parallel()
	srv := zammadfake.New(t, zammadfake.Options{})
	srv.FailNextOn("POST", "/api/v1/tickets", 429, http.Header{"Retry-After": {"4"}})
	_, err := newSink(t, srv).Create(t.Context(), draft("tb-3", ""))
	if w, ok := core.RetryAfterOf(err); !ok || w != 4*time.Second || core.IsPermanent(err) {
		t.Fatalf("429: %v", err)
	}
	_, err = newSink(t, srv, func(s *zammad.Settings) { s.Group = "Nope" }).Create(t.Context(), draft("tb-3", ""))
	if !core.IsPermanent(err) || !strings.Contains(err.Error(), `'group': "Nope"`) {
		t.Fatalf("unknown group: %v", err)
	}
	if err := newSink(t, srv, func(s *zammad.Settings) { s.Token = "bad" }).Check(t.Context()); err == nil || !strings.Contains(err.Error(), "Authentication failed") {
		t.Fatalf("bad token: %v", err)
	}
	if err := newSink(t, srv).Check(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	srv := zammadfake.New(t, zammadfake.Options{})
	s := newSink(t, srv)
	if _, err := s.ValidateMapping(t.Context(), sink.MappingSpec{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(t.Context(), draft("tb-4", "ann@example.com")); err != nil {
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
			return srv.SendArticle(ctx, catch.URL, "zd", 1, "Fixed.", false, "Agent", zammadfake.AgentID)
		},
		func() (*http.Response, error) {
			return srv.SendArticle(ctx, catch.URL, "zd", 1, "logs", true, "Agent", zammadfake.AgentID)
		},
		func() (*http.Response, error) {
			return srv.SendArticle(ctx, catch.URL, "zd", 1, "ours", false, "Agent", zammadfake.BotID)
		},
		func() (*http.Response, error) {
			return srv.SendArticle(ctx, catch.URL, "zd", 1, "by mail", false, "Customer", 9)
		},
		func() (*http.Response, error) { return srv.SendState(ctx, catch.URL, "zd", 1, "closed") },
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
			if st, ok := s.StateOf(e); ok {
				line += " =" + st
			}
			out = append(out, line)
		}
	}
	want := "comment_added  tb-4 Fixed. public|comment_added  tb-4 logs internal|comment_added  tb-4 ours public ours|status_changed closed tb-4 =resolved"
	if strings.Join(out, "|") != want {
		t.Fatalf("events:\n%s\nwant\n%s", strings.Join(out, "|"), want)
	}
	d := got[0]
	d.r.Header.Set(zammad.HeaderSignature, "sha1=00")
	if _, err := s.ParseWebhook(d.r, d.body); !errors.Is(err, core.ErrBadSignature) {
		t.Fatalf("bad signature: %v", err)
	}
}

// A chat command opens a ticket; the agent's public article and the
// closing reach the chat; the internal note and our own article do not.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	srv := zammadfake.New(t, zammadfake.Options{})
	o := srv.Options()
	c := config.NewConnector("sinks[1]", "zd", zammad.Type)
	for k, v := range map[string]any{"url": srv.URL(), "token": o.Token, "group": o.Group,
		"fallback_customer": "chat@example.com", "webhook_secret": o.WebhookSecret} {
		c.Set(k, v)
	}
	b := apptest.Start(t, c)
	b.Say("c1", "/ticket the VPN drops every hour")
	got := b.Replies(1)
	if tk := srv.Tickets(); len(tk) != 1 || !strings.Contains(got[0], "#ticket/zoom/1") {
		t.Fatalf("notice %q", got[0])
	}
	ctx, url := t.Context(), b.Srv.URL
	b.Delivered(srv.SendArticle(ctx, url, "zd", 1, "internal: check the logs", true, "Agent", zammadfake.AgentID))
	b.Delivered(srv.SendArticle(ctx, url, "zd", 1, "echo of ours", false, "Agent", zammadfake.BotID))
	b.Delivered(srv.SendArticle(ctx, url, "zd", 1, "We replaced the VPN gateway.", false, "Agent", zammadfake.AgentID))
	got = b.Replies(2)
	if !strings.Contains(got[1], "We replaced the VPN gateway.") {
		t.Fatalf("article notice %q", got[1])
	}
	b.Delivered(srv.SendState(ctx, url, "zd", 1, "closed"))
	got = b.Replies(3)
	if !strings.Contains(strings.ToLower(got[2]), "resolved") && !strings.Contains(strings.ToLower(got[2]), "closed") {
		t.Fatalf("state notice %q", got[2])
	}
	b.Quiet(3)
	if all := strings.Join(got, "\n"); strings.Contains(all, "internal") || strings.Contains(all, "echo") {
		t.Fatalf("leaked: %q", got)
	}
}
