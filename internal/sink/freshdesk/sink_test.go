package freshdesk_test

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
	"github.com/ticketbridge/ticketbridge/internal/sink/freshdesk"
	"github.com/ticketbridge/ticketbridge/internal/sink/freshdesk/freshdeskfake"
)

func newSink(t *testing.T, srv *freshdeskfake.Server, mutate ...func(*freshdesk.Settings)) *freshdesk.Sink {
	t.Helper()
	o := srv.Options()
	s := freshdesk.Settings{URL: srv.URL(), APIKey: o.APIKey, FallbackEmail: "chat@example.com", Tags: []string{"chat"},
		CustomFields: map[string]string{"chat_link": "cf_chat_link"}, WebhookToken: o.WebhookToken, MaxAttachmentBytes: 100}
	for _, m := range mutate {
		m(&s)
	}
	sk, err := freshdesk.New("fd", s, sink.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

func draft(ext, email string) core.TicketDraft {
	return core.TicketDraft{ExternalID: ext, Title: "VPN drops", Description: "Every hour.\n<b>not bold</b>", Priority: "urgent",
		Requester: core.Requester{Name: "Ann", Email: email}, Custom: map[string]any{"chat_link": "C1"}}
}

func TestTicketLifecycle(t *testing.T) {
	t.Parallel()
	srv := freshdeskfake.New(t, freshdeskfake.Options{MaxRequestBytes: 600})
	s := newSink(t, srv)
	ctx := t.Context()
	ref, err := s.Create(ctx, draft("tb-1", "ann@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	tk := srv.Tickets()[0]
	if ref.Key != "1" || ref.Status != "Open" || tk.Priority != 4 || tk.Source != 7 || tk.Email != "ann@example.com" ||
		strings.Join(tk.Tags, "|") != "chat|tb-1" || tk.Custom["cf_chat_link"] != "C1" ||
		tk.Description != "<div>Every hour.<br>&lt;b&gt;not bold&lt;/b&gt;</div>" {
		t.Fatalf("ref %+v ticket %+v", ref, tk)
	}
	srv.LoseNextCreate()
	if _, err := s.Create(ctx, draft("tb-12", "")); err == nil || core.IsPermanent(err) {
		t.Fatalf("lost answer: %v", err)
	}
	if got, ok, err := s.FindByExternalID(ctx, "tb-12"); err != nil || !ok || got.Key != "2" {
		t.Fatalf("find = %+v %v %v", got, ok, err)
	}
	if _, ok, _ := s.FindByExternalID(ctx, "tb-"); ok {
		t.Fatal("a prefix was adopted")
	}
	reply := newSink(t, srv, func(st *freshdesk.Settings) { st.PublicComments = "reply" })
	steps := []error{
		s.Comment(ctx, ref, core.Comment{Body: "public", Public: true}),
		s.Comment(ctx, ref, core.Comment{Body: "internal"}),
		reply.Comment(ctx, ref, core.Comment{Body: "mailed", Public: true}),
		s.Attach(ctx, ref, core.File{Name: "a.txt", Size: 5}, strings.NewReader("hello")),
		s.Attach(ctx, ref, core.File{Name: "b.txt"}, strings.NewReader("streamed")),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	for _, f := range []struct {
		file core.File
		body string
	}{{core.File{Name: "c", Size: 101}, strings.Repeat("x", 101)}, {core.File{Name: "d"}, strings.Repeat("x", 101)}, {core.File{Name: "e"}, strings.Repeat("x", 100)}} {
		// e fits our limit but not the server's, with the multipart around it.
		big := newSink(t, srv, func(st *freshdesk.Settings) { st.MaxAttachmentBytes = 100 })
		if err := big.Attach(ctx, ref, f.file, strings.NewReader(f.body)); !errors.Is(err, sink.ErrTooLarge) {
			t.Fatalf("attach %s: %v", f.file.Name, err)
		}
	}
	ns := srv.Tickets()[0].Notes
	if len(ns) != 5 || ns[0].Private || !ns[1].Private || !ns[2].Reply || ns[3].Files["a.txt"] != 5 || !ns[3].Private || ns[4].Files["b.txt"] != 8 {
		t.Fatalf("notes = %+v", ns)
	}
	for _, step := range []struct{ state, want string }{
		{core.StateWaitingOnCustomer, "Pending"}, {core.StateInProgress, "Open"}, {core.StateResolved, "Resolved"}, {core.StateClosed, "Closed"},
	} {
		if err := s.Transition(ctx, ref, step.state); err != nil {
			t.Fatal(err)
		}
		if st, _ := s.Status(ctx, ref); st != step.want {
			t.Fatalf("%s: %q", step.state, st)
		}
	}
}

func TestCallErrorsAndChecks(t *testing.T) {
	t.Parallel()
	srv := freshdeskfake.New(t, freshdeskfake.Options{})
	srv.FailNextOn("POST", "/tickets", 429, http.Header{"Retry-After": {"30"}})
	_, err := newSink(t, srv).Create(t.Context(), draft("tb-3", ""))
	if w, ok := core.RetryAfterOf(err); !ok || w != 30*time.Second || core.IsPermanent(err) {
		t.Fatalf("429: %v", err)
	}
	_, err = newSink(t, srv, func(s *freshdesk.Settings) { s.FallbackEmail = "" }).Create(t.Context(), draft("tb-3", "not-an-email"))
	if !core.IsPermanent(err) || !strings.Contains(err.Error(), "email: It should be a valid email address") {
		t.Fatalf("bad email: %v", err)
	}
	if err := newSink(t, srv).Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := newSink(t, srv, func(s *freshdesk.Settings) { s.APIKey = "bad" }).Check(t.Context()); err == nil || !core.IsPermanent(err) || !strings.Contains(err.Error(), "401") {
		t.Fatalf("bad key: %v", err)
	}
	bad := newSink(t, srv, func(s *freshdesk.Settings) { s.CustomFields = map[string]string{"team": "cf_team"} })
	ps, err := bad.ValidateMapping(t.Context(), sink.MappingSpec{Route: "r", CustomFields: []string{"chat_link"}})
	if err != nil || len(ps) != 2 {
		t.Fatalf("mapping problems %q %v", ps, err)
	}
}

func TestWebhook(t *testing.T) {
	t.Parallel()
	srv := freshdeskfake.New(t, freshdeskfake.Options{})
	s := newSink(t, srv)
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
		func() (*http.Response, error) { return srv.SendComment(ctx, catch.URL, "fd", 1, "Fixed.", false) },
		func() (*http.Response, error) { return srv.SendComment(ctx, catch.URL, "fd", 1, "logs", true) },
		func() (*http.Response, error) {
			return srv.SendStatus(ctx, catch.URL, "fd", 1, freshdesk.StatusPending)
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
			line := string(e.Kind) + " " + e.To + " " + e.ExternalID + " " + e.Ticket.Key
			if e.Comment != nil {
				line += " " + e.Comment.Body + map[bool]string{true: " public", false: " private"}[e.Comment.Public]
			}
			if st, ok := s.StateOf(e); ok {
				line += " =" + st
			}
			out = append(out, line)
		}
	}
	want := "comment_added  tb-4 1 Fixed. public|comment_added  tb-4 1 logs private|status_changed Pending tb-4 1 =waiting_on_customer"
	if strings.Join(out, "|") != want {
		t.Fatalf("events:\n%s\nwant\n%s", strings.Join(out, "|"), want)
	}
	d := got[0]
	d.r.Header.Set("X-Ticketbridge-Token", "wrong-token-wrong-token")
	if _, err := s.ParseWebhook(d.r, d.body); !errors.Is(err, core.ErrBadSignature) {
		t.Fatalf("wrong token: %v", err)
	}
}

// A chat command opens a ticket; the agent's public note and the
// resolution reach the chat; a private note does not.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	srv := freshdeskfake.New(t, freshdeskfake.Options{})
	o := srv.Options()
	c := config.NewConnector("sinks[1]", "fd", freshdesk.Type)
	for k, v := range map[string]any{"url": srv.URL(), "api_key": o.APIKey, "fallback_email": "chat@example.com", "webhook_token": o.WebhookToken} {
		c.Set(k, v)
	}
	b := apptest.Start(t, c)
	b.Say("c1", "/ticket the VPN drops every hour")
	got := b.Replies(1)
	if tk := srv.Tickets(); len(tk) != 1 || !strings.Contains(got[0], "/a/tickets/1") {
		t.Fatalf("notice %q", got[0])
	}
	ctx, url := t.Context(), b.Srv.URL
	b.Delivered(srv.SendComment(ctx, url, "fd", 1, "internal: check the logs", true))
	b.Delivered(srv.SendComment(ctx, url, "fd", 1, "We replaced the VPN gateway.", false))
	got = b.Replies(2)
	if !strings.Contains(got[1], "We replaced the VPN gateway.") {
		t.Fatalf("note notice %q", got[1])
	}
	b.Delivered(srv.SendStatus(ctx, url, "fd", 1, freshdesk.StatusResolved))
	got = b.Replies(3)
	if !strings.Contains(strings.ToLower(got[2]), "resolved") {
		t.Fatalf("status notice %q", got[2])
	}
	b.Quiet(3)
	if strings.Contains(strings.Join(got, "\n"), "internal") {
		t.Fatalf("leaked: %q", got)
	}
}

// An escalation's queue is a group id: the ticket moves to that group,
// checked on the answer; an id that is not a number is permanent.
func TestSetQueue(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		queue   string
		want    int64
		wantErr string
	}{
		"a group":      {queue: "43000567", want: 43000567},
		"not a number": {queue: "tier-2", wantErr: `queue "tier-2" is not a Freshdesk group id`},
		"not positive": {queue: "0", wantErr: `queue "0" is not a Freshdesk group id`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := freshdeskfake.New(t, freshdeskfake.Options{})
			sk := newSink(t, srv)
			ref, err := sk.Create(t.Context(), draft("tb-q", ""))
			if err != nil {
				t.Fatal(err)
			}
			err = sk.SetQueue(t.Context(), ref, tt.queue)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !core.IsPermanent(err) {
					t.Fatalf("SetQueue = %v, want a permanent error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := srv.Tickets()[0].GroupID; got != tt.want {
				t.Fatalf("group = %d, want %d", got, tt.want)
			}
		})
	}
}
