package github_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/github"
	"github.com/ticketbridge/ticketbridge/internal/sink/github/githubfake"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

var dialects = []string{github.TypeGitHub, github.TypeGitea}

func newSink(t *testing.T, srv *githubfake.Server, mutate ...func(*github.Settings)) *github.Sink {
	t.Helper()
	o := srv.Options()
	s := github.Settings{URL: srv.URL(), Token: o.Token, Repository: o.Repository, WebhookSecret: o.WebhookSecret,
		Labels: []string{"from-chat"}, PriorityLabels: map[string]string{"high": "P1"}}
	for _, m := range mutate {
		m(&s)
	}
	sk, err := github.New("gh", o.Dialect, s, sink.Deps{Now: func() time.Time { return time.Unix(1_700_000_000, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

func draft(ext string) core.TicketDraft {
	return core.TicketDraft{ExternalID: ext, Title: "VPN drops", Description: "Every hour.", Priority: "high",
		Labels: []string{"vpn"}, Requester: core.Requester{Name: "Ann", Email: "ann@example.com"}}
}

func TestCreateAndFind(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			srv := githubfake.New(t, githubfake.Options{Dialect: d, Labels: []string{"from-chat", "P1"}})
			s := newSink(t, srv)
			ref, err := s.Create(t.Context(), draft("tb-1"))
			if err != nil {
				t.Fatal(err)
			}
			is := srv.Issues()[0]
			var labels []string
			for _, l := range is.Labels {
				labels = append(labels, l.Name)
			}
			// Gitea has no "vpn" label, so it is left out there.
			want := map[string]string{github.TypeGitHub: "from-chat,vpn,P1", github.TypeGitea: "from-chat,P1"}[d]
			if ref.Key != "1" || ref.Status != "open" || strings.Join(labels, ",") != want {
				t.Fatalf("ref %+v labels %v", ref, labels)
			}
			if strings.Contains(is.Body, "ann@example.com") || sinkhttp.ExternalIDOf(is.Body) != "tb-1" {
				t.Fatalf("body = %q", is.Body)
			}
			srv.LoseNextCreate()
			if _, err := s.Create(t.Context(), draft("tb-12")); err == nil || core.IsPermanent(err) {
				t.Fatalf("lost answer: %v", err)
			}
			got, ok, err := s.FindByExternalID(t.Context(), "tb-12")
			if err != nil || !ok || got.Key != "2" {
				t.Fatalf("find = %+v %v %v", got, ok, err)
			}
			if _, ok, _ := s.FindByExternalID(t.Context(), "tb-"); ok {
				t.Fatal("a prefix of the marker was adopted")
			}
		})
	}
}

func TestCommentsAndStates(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			srv := githubfake.New(t, githubfake.Options{Dialect: d})
			skip := newSink(t, srv)
			post := newSink(t, srv, func(s *github.Settings) { s.InternalComments = "post" })
			ref, err := skip.Create(t.Context(), draft("tb-2"))
			if err != nil {
				t.Fatal(err)
			}
			steps := []error{
				skip.Comment(t.Context(), ref, core.Comment{Body: "public", Public: true}),
				skip.Comment(t.Context(), ref, core.Comment{Body: "secret"}),
				post.Comment(t.Context(), ref, core.Comment{Body: "posted"}),
				skip.Transition(t.Context(), ref, core.StateResolved),
			}
			for i, err := range steps {
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			var bodies []string
			for _, c := range srv.Issues()[0].Comments {
				bodies = append(bodies, c.Body)
			}
			if len(bodies) != 2 || bodies[0] != "public\n\n"+github.CommentMarker || !strings.HasPrefix(bodies[1], "Internal: posted") {
				t.Fatalf("comments = %q", bodies)
			}
			if st, _ := skip.Status(t.Context(), ref); st != "closed" {
				t.Fatalf("status %q", st)
			}
			if err := skip.Transition(t.Context(), ref, core.StateOpen); err != nil {
				t.Fatal(err)
			}
			if err := skip.Transition(t.Context(), ref, core.StateInProgress); !core.IsPermanent(err) {
				t.Fatalf("in_progress: %v", err)
			}
			var reasons []string
			for _, r := range srv.Requests() {
				if r.Method == "PATCH" {
					reasons = append(reasons, string(r.Body))
				}
			}
			if d == github.TypeGitHub && !strings.Contains(reasons[0], `"state_reason":"completed"`) {
				t.Fatalf("close body %s", reasons[0])
			}
		})
	}
}

func TestGiteaAttach(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		size     int64
		body     string
		tooLarge bool
	}{
		"fits":          {size: 5, body: "hello"},
		"unknown size":  {body: "hello"},
		"declared over": {size: 33, body: strings.Repeat("x", 33), tooLarge: true},
		"read over":     {body: strings.Repeat("x", 33), tooLarge: true},
		"gitea refuses": {body: strings.Repeat("x", 30), tooLarge: true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			max := int64(100)
			if name == "gitea refuses" {
				max = 20
			}
			srv := githubfake.New(t, githubfake.Options{Dialect: github.TypeGitea, MaxAssetBytes: max})
			o := srv.Options()
			sk, err := github.FactoryGitea(connector(o, srv.URL(), map[string]any{"max_attachment_bytes": 32}), sink.Deps{})
			if err != nil {
				t.Fatal(err)
			}
			at, ok := sink.As[sink.Attacher](sk)
			if !ok {
				t.Fatal("gitea sink takes no attachments")
			}
			ref, err := sk.Create(t.Context(), draft("tb-3"))
			if err != nil {
				t.Fatal(err)
			}
			err = at.Attach(t.Context(), ref, core.File{Name: "log.txt", Size: c.size}, strings.NewReader(c.body))
			if c.tooLarge != errors.Is(err, sink.ErrTooLarge) || !c.tooLarge && err != nil {
				t.Fatalf("err = %v", err)
			}
			as := srv.Issues()[0].Assets
			if !c.tooLarge && (len(as) != 1 || as[0].Name != "log.txt" || as[0].Size != int64(len(c.body))) {
				t.Fatalf("assets = %+v", as)
			}
		})
	}
	gh, err := github.FactoryGitHub(connector(githubfake.Options{Token: "t", Repository: "a/b", WebhookSecret: "s"}, "https://api.github.com", nil), sink.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sink.As[sink.Attacher](gh); ok {
		t.Fatal("the github sink claims to take attachments")
	}
}

// GitHub's rate limits: the primary one answers 403 with remaining 0
// and a reset time, secondary ones 403 or 429 with Retry-After or only a
// message; all are transient with the wait to honour. A plain 403 is
// permanent.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	reset := strconv.FormatInt(time.Unix(1_700_000_000, 0).Add(42*time.Second).Unix(), 10)
	cases := map[string]struct {
		status    int
		header    http.Header
		body      string
		wait      time.Duration
		permanent bool
	}{
		"primary":           {403, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {reset}}, `{"message":"API rate limit exceeded"}`, 42 * time.Second, false},
		"secondary header":  {403, http.Header{"Retry-After": {"60"}}, `{"message":"You have exceeded a secondary rate limit"}`, time.Minute, false},
		"secondary message": {403, nil, `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes"}`, time.Minute, false},
		"429":               {429, http.Header{"Retry-After": {"5"}}, `{}`, 5 * time.Second, false},
		"forbidden":         {403, nil, `{"message":"Resource not accessible by personal access token"}`, 0, true},
		"validation":        {422, nil, `{"message":"Validation Failed"}`, 0, true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := githubfake.New(t, githubfake.Options{})
			srv.FailNextOn("POST", "/repos/acme/support/issues", c.status, c.header, c.body)
			_, err := newSink(t, srv).Create(t.Context(), draft("tb-4"))
			var ce *core.CallError
			if !errors.As(err, &ce) || ce.Permanent != c.permanent || ce.RetryAfter != c.wait {
				t.Fatalf("err = %+v", err)
			}
		})
	}
}

func TestWebhooks(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			srv := githubfake.New(t, githubfake.Options{Dialect: d})
			s := newSink(t, srv)
			if _, err := s.Create(t.Context(), draft("tb-5")); err != nil {
				t.Fatal(err)
			}
			var got []*http.Request
			var bodies [][]byte
			catch := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b := new(bytes.Buffer)
				_, _ = b.ReadFrom(r.Body)
				got, bodies = append(got, r), append(bodies, b.Bytes())
			}))
			defer catch.Close()
			ctx := t.Context()
			for _, send := range []func() (*http.Response, error){
				func() (*http.Response, error) {
					return srv.SendComment(ctx, catch.URL, "gh", 1, "We fixed it.", "agent")
				},
				func() (*http.Response, error) {
					return srv.SendComment(ctx, catch.URL, "gh", 1, "echo\n\n"+github.CommentMarker, "tb-bot")
				},
				func() (*http.Response, error) { return srv.SendState(ctx, catch.URL, "gh", 1, "closed", "agent") },
				func() (*http.Response, error) {
					return srv.Deliver(ctx, catch.URL, "gh", "ping", map[string]any{"zen": "hi"})
				},
			} {
				resp, err := send()
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			var out []string
			for i, r := range got {
				evs, err := s.ParseWebhook(r, bodies[i])
				if err != nil {
					t.Fatalf("delivery %d: %v", i, err)
				}
				for _, e := range evs {
					line := string(e.Kind) + " " + e.To + " " + e.ExternalID
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
			want := "comment_added  tb-5 We fixed it.|comment_added  tb-5 echo ours|status_changed closed tb-5 =closed"
			if strings.Join(out, "|") != want {
				t.Fatalf("events:\n%s\nwant\n%s", strings.Join(out, "|"), want)
			}
			// Tampered body, wrong secret, no signature.
			r := got[0]
			if _, err := s.ParseWebhook(r, append(bodies[0], ' ')); !errors.Is(err, core.ErrBadSignature) {
				t.Fatalf("tampered: %v", err)
			}
			r.Header.Del(github.HeaderGitHubSignature)
			r.Header.Del(github.HeaderGiteaSignature)
			if _, err := s.ParseWebhook(r, bodies[0]); !errors.Is(err, core.ErrBadSignature) {
				t.Fatalf("unsigned: %v", err)
			}
			if d == github.TypeGitea {
				// Gitea's header carries bare hex; GitHub's form is refused.
				r.Header.Set(github.HeaderGiteaSignature, github.Sign(github.TypeGitHub, "hook-secret", bodies[0]))
				if _, err := s.ParseWebhook(r, bodies[0]); !errors.Is(err, core.ErrBadSignature) {
					t.Fatalf("github-style signature on gitea: %v", err)
				}
			}
			pr, _ := json.Marshal(github.Webhook{Action: "created", Issue: &github.Issue{Number: 1, PullRequest: &struct{}{}}, Comment: &github.Comment{Body: "lgtm"}})
			r.Header.Set(github.HeaderGitHubSignature, github.Sign(d, "hook-secret", pr))
			r.Header.Set(github.HeaderGiteaSignature, github.Sign(d, "hook-secret", pr))
			if evs, err := s.ParseWebhook(r, pr); err != nil || len(evs) != 0 {
				t.Fatalf("pull request comment: %v %v", evs, err)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	srv := githubfake.New(t, githubfake.Options{})
	if err := newSink(t, srv).Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := newSink(t, srv, func(s *github.Settings) { s.Token = "bad" }).Check(t.Context()); err == nil || !strings.Contains(err.Error(), "Bad credentials") {
		t.Fatalf("bad token: %v", err)
	}
	if err := newSink(t, srv, func(s *github.Settings) { s.Repository = "acme/none" }).Check(t.Context()); err == nil || !strings.Contains(err.Error(), "acme/none") {
		t.Fatalf("unknown repository: %v", err)
	}
	nopush := githubfake.New(t, githubfake.Options{NoPush: true})
	if err := newSink(t, nopush).Check(t.Context()); err == nil || !strings.Contains(err.Error(), "drop the labels") {
		t.Fatalf("no push: %v", err)
	}
	gitea := githubfake.New(t, githubfake.Options{Dialect: github.TypeGitea, Labels: []string{"from-chat"}})
	ps, err := newSink(t, gitea).ValidateMapping(t.Context(), sink.MappingSpec{Route: "r", Priorities: []string{"high", "low"}})
	if err != nil || len(ps) != 1 || !strings.Contains(ps[0], `"P1"`) {
		t.Fatalf("gitea mapping: %q %v", ps, err)
	}
}

func TestSettings(t *testing.T) {
	t.Parallel()
	ok := github.Settings{Token: "t", Repository: "acme/support", WebhookSecret: "s"}
	cases := map[string]struct {
		dialect string
		mutate  func(*github.Settings)
	}{
		"url: required":                  {github.TypeGitea, func(*github.Settings) {}},
		"token: required":                {github.TypeGitHub, func(s *github.Settings) { s.Token = "" }},
		"repository: \"support\"":        {github.TypeGitHub, func(s *github.Settings) { s.Repository = "support" }},
		"webhook_secret: required":       {github.TypeGitHub, func(s *github.Settings) { s.WebhookSecret = "" }},
		"internal_comments: \"maybe\"":   {github.TypeGitHub, func(s *github.Settings) { s.InternalComments = "maybe" }},
		"max_attachment_bytes: GitHub's": {github.TypeGitHub, func(s *github.Settings) { s.MaxAttachmentBytes = 1 }},
	}
	if _, err := github.New("gh", github.TypeGitHub, ok, sink.Deps{}); err != nil {
		t.Fatalf("good settings: %v", err)
	}
	for want, c := range cases {
		s := ok
		c.mutate(&s)
		if _, err := github.New("gh", c.dialect, s, sink.Deps{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v", want, err)
		}
	}
}
