package jira_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/jira"
	"github.com/ticketbridge/ticketbridge/internal/sink/jira/jirafake"
)

var update = flag.Bool("update", false, "rewrite golden files")

// settings are valid settings for site.
func settings(site *jirafake.Site) jira.Settings {
	o := site.Options()
	return jira.Settings{
		URL: site.URL(), Email: o.Email, APIToken: o.Token, Project: o.Project,
		WebhookSecret: o.WebhookSecret, IntegrationAccountID: o.AccountID,
	}
}

func newSink(t *testing.T, site *jirafake.Site, mutate func(*jira.Settings)) *jira.Sink {
	t.Helper()
	s := settings(site)
	if mutate != nil {
		mutate(&s)
	}
	sk, err := jira.New("jira1", s, sink.Deps{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return sk
}

func draft() core.TicketDraft {
	return core.TicketDraft{
		ExternalID:  "tb-link42",
		Title:       "VPN drops\nevery hour",
		Description: "Customer says:\r\n\nthe VPN drops every hour\n  since Monday",
		Priority:    "urgent",
		Requester:   core.Requester{Name: "Ann", Email: "ann@example.com"},
		Labels:      []string{"chat", "vpn issue", "chat"},
		Custom:      map[string]any{"chat_link": "https://chat.example/c/1", "customfield_10099": 3},
	}
}

func TestNewSettingsErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	good := jira.Settings{URL: "https://x.atlassian.net", Email: "a@b.c", APIToken: "t", Project: "OPS", WebhookSecret: "s"}
	cases := map[string]struct {
		mutate func(*jira.Settings)
		want   string
	}{
		"no url":              {func(s *jira.Settings) { s.URL = "" }, "url:"},
		"relative url":        {func(s *jira.Settings) { s.URL = "x.atlassian.net" }, "url:"},
		"url with path":       {func(s *jira.Settings) { s.URL = "https://x.atlassian.net/jira" }, "url:"},
		"no email":            {func(s *jira.Settings) { s.Email = "" }, "email:"},
		"no token":            {func(s *jira.Settings) { s.APIToken = "" }, "api_token:"},
		"no project":          {func(s *jira.Settings) { s.Project = "" }, "project:"},
		"bad project":         {func(s *jira.Settings) { s.Project = "ops desk" }, "project:"},
		"half jsm":            {func(s *jira.Settings) { s.ServiceDeskID = "10" }, "service_desk_id:"},
		"no secret":           {func(s *jira.Settings) { s.WebhookSecret = "" }, "webhook_secret:"},
		"bad csat field":      {func(s *jira.Settings) { s.CSATField = "customfield 10070" }, "csat_field:"},
		"comment field alone": {func(s *jira.Settings) { s.CSATCommentField = "customfield_10071" }, "csat_comment_field:"},
		"bad custom":          {func(s *jira.Settings) { s.CustomFields = map[string]string{"x": "Chat Link"} }, "custom_fields.x:"},
		"bad override":        {func(s *jira.Settings) { s.StatusOverrides = map[string]map[string]string{"OPS": {"Won't Do": "gone"}} }, "status_overrides.OPS.Won't Do:"},
		"bad transition":      {func(s *jira.Settings) { s.TransitionNames = map[string]string{"finished": "Done"} }, "transition_names.finished:"},
		"short poll":          {func(s *jira.Settings) { s.PollInterval = time.Second }, "poll_interval:"},
		"negative rpm":        {func(s *jira.Settings) { s.RequestsPerMinute = -1 }, "requests_per_minute:"},
		"negative attach":     {func(s *jira.Settings) { s.MaxAttachmentBytes = -1 }, "max_attachment_bytes:"},
		"empty priority":      {func(s *jira.Settings) { s.PriorityMap = map[string]string{"high": " "} }, "priority_map.high:"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := good
			tc.mutate(&s)
			_, err := jira.New("j", s, sink.Deps{})
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error = %v, want prefix %q", err, tc.want)
			}
		})
	}
	sk, err := jira.New("j", good, sink.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if sk.RequestsPerMinute() != jira.DefaultRequestsPerMinute || sk.PollInterval() != 0 {
		t.Fatalf("defaults: rpm %d poll %v", sk.RequestsPerMinute(), sk.PollInterval())
	}
}

// golden compares got (JSON) with testdata/name, indented.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, got, "", "  "); err != nil {
		t.Fatalf("not JSON: %s", got)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("%s differs:\n%s", name, buf.String())
	}
}

func lastBody(t *testing.T, site *jirafake.Site, method, path string) []byte {
	t.Helper()
	rs := site.Requests()
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Method == method && rs[i].Path == path {
			return rs[i].Body
		}
	}
	t.Fatalf("no %s %s", method, path)
	return nil
}

func TestCreateIssueRequestShape(t *testing.T) {
	t.Parallel()
	site := jirafake.New(t, jirafake.Options{Users: []jira.User{
		{AccountID: "acc-ann2", DisplayName: "Ann Other", EmailAddress: "ann@example.com.au", Active: true},
		{AccountID: "acc-ann", DisplayName: "Ann", EmailAddress: "ann@example.com", Active: true},
	}})
	sk := newSink(t, site, func(s *jira.Settings) { s.CustomFields = map[string]string{"chat_link": "customfield_10050"} })
	ref, err := sk.Create(t.Context(), draft())
	if err != nil {
		t.Fatal(err)
	}
	if ref.Key != "OPS-1" || ref.URL != site.URL()+"/browse/OPS-1" || ref.Sink != "jira1" {
		t.Fatalf("ref = %+v", ref)
	}
	golden(t, "create_issue.golden.json", lastBody(t, site, "POST", "/rest/api/3/issue"))
	is, _ := site.Issue("OPS-1")
	if !strings.Contains(strings.Join(is.Labels, ","), "tb-ext-tb-link42") {
		t.Fatalf("labels = %v", is.Labels)
	}
}

func TestCreateRequestThroughJSM(t *testing.T) {
	t.Parallel()
	site := jirafake.New(t, jirafake.Options{})
	sk := newSink(t, site, func(s *jira.Settings) {
		s.ServiceDeskID, s.RequestTypeID = "10", "25"
		s.ReporterFallbackAccountID = "acc-fallback"
	})
	ref, err := sk.Create(t.Context(), draft())
	if err != nil {
		t.Fatal(err)
	}
	if ref.Key != "OPS-1" || ref.Status != "Waiting for support" {
		t.Fatalf("ref = %+v", ref)
	}
	golden(t, "create_request.golden.json", lastBody(t, site, "POST", "/rest/servicedeskapi/request"))
	got, found, err := sk.FindByExternalID(t.Context(), "tb-link42")
	if err != nil || !found || got.Key != "OPS-1" {
		t.Fatalf("find = %+v %v %v", got, found, err)
	}
}

func TestSummaryIsCutTo255(t *testing.T) {
	t.Parallel()
	site := jirafake.New(t, jirafake.Options{})
	sk := newSink(t, site, nil)
	d := draft()
	d.Title = strings.Repeat("ü", 300)
	if _, err := sk.Create(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	is, _ := site.Issue("OPS-1")
	if n := len([]rune(is.Fields["summary"].(string))); n != 255 {
		t.Fatalf("summary has %d characters", n)
	}
}

func TestErrorsAreClassified(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		status    int
		header    http.Header
		permanent bool
		retry     time.Duration
		message   string
	}{
		"400 field": {400, nil, true, 0, "customfield_10077: Customer Impact is required."},
		"401":       {401, nil, true, 0, "Client must be authenticated"},
		"403":       {403, nil, true, 0, "You do not have permission"},
		"404":       {404, nil, true, 0, "Issue does not exist"},
		"409":       {409, nil, false, 0, "being edited"},
		"429 retry": {429, http.Header{"Retry-After": {"7"}}, false, 7 * time.Second, "Rate limit exceeded."},
		"429 reset": {429, http.Header{"X-Ratelimit-Reset": {"2030-01-01T00:01:30Z"}}, false, 90 * time.Second, "Rate limit"},
		"503":       {503, http.Header{"Retry-After": {"3"}}, false, 3 * time.Second, "temporarily unavailable"},
		"500":       {500, nil, false, 0, "Internal server error"},
	}
	clock := func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			site := jirafake.New(t, jirafake.Options{})
			s := settings(site)
			sk, err := jira.New("jira1", s, sink.Deps{Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			site.FailNext(1, tc.status, tc.header)
			_, err = sk.Create(t.Context(), core.TicketDraft{ExternalID: "x", Title: "t"})
			var ce *core.CallError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a CallError", err)
			}
			if ce.Status != tc.status || ce.Permanent != tc.permanent || ce.RetryAfter != tc.retry || !strings.Contains(ce.Message, tc.message) {
				t.Fatalf("got status %d permanent %v retry %v message %q", ce.Status, ce.Permanent, ce.RetryAfter, ce.Message)
			}
		})
	}
	t.Run("network", func(t *testing.T) {
		t.Parallel()
		s := jira.Settings{URL: "http://127.0.0.1:1", Email: "a", APIToken: "b", Project: "OPS", WebhookSecret: "s"}
		sk, _ := jira.New("j", s, sink.Deps{})
		_, err := sk.Create(t.Context(), core.TicketDraft{ExternalID: "x", Title: "t"})
		var ce *core.CallError
		if !errors.As(err, &ce) || ce.Status != 0 || ce.Permanent {
			t.Fatalf("network error = %#v", err)
		}
	})
	t.Run("bad credentials", func(t *testing.T) {
		t.Parallel()
		site := jirafake.New(t, jirafake.Options{})
		sk := newSink(t, site, func(s *jira.Settings) { s.APIToken = "wrong" })
		err := sk.Check(t.Context())
		if err == nil || !strings.Contains(err.Error(), "refuses the credentials") {
			t.Fatalf("Check = %v", err)
		}
	})
}

// A lost answer leaves an issue behind; the retry's lookup finds it, so
// the caller creates nothing more.
func TestLostCreateIsFoundByExternalID(t *testing.T) {
	t.Parallel()
	site := jirafake.New(t, jirafake.Options{})
	sk := newSink(t, site, nil)
	site.LoseNextCreate()
	_, err := sk.Create(t.Context(), draft())
	if err == nil || core.IsPermanent(err) {
		t.Fatalf("lost create: %v", err)
	}
	ref, found, err := sk.FindByExternalID(t.Context(), "tb-link42")
	if err != nil || !found || ref.Key != "OPS-1" || ref.Status != "To Do" {
		t.Fatalf("find = %+v %v %v", ref, found, err)
	}
	if n := site.CountExternal("tb-link42"); n != 1 {
		t.Fatalf("%d issues", n)
	}
	if _, found, _ := sk.FindByExternalID(t.Context(), "tb-other"); found {
		t.Fatal("found an issue for an unknown external id")
	}
	var req jira.SearchRequest
	json.Unmarshal(lastBody(t, site, "POST", "/rest/api/3/search/jql"), &req)
	if req.JQL != `project = "OPS" AND labels = "tb-ext-tb-other"` {
		t.Fatalf("jql = %s", req.JQL)
	}
}

func TestCommentVisibility(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		mutate         func(*jira.Settings)
		public         bool
		wantVisibility string
		wantProperty   string
	}{
		"plain public":        {nil, true, "", ""},
		"plain internal role": {func(s *jira.Settings) { s.InternalVisibilityRole = "Administrators" }, false, "Administrators", ""},
		"plain internal":      {nil, false, "", ""},
		"jsm public":          {func(s *jira.Settings) { s.ServiceDeskID, s.RequestTypeID = "10", "25" }, true, "", `{"internal":false}`},
		"jsm internal":        {func(s *jira.Settings) { s.ServiceDeskID, s.RequestTypeID = "10", "25" }, false, "", `{"internal":true}`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			site := jirafake.New(t, jirafake.Options{})
			sk := newSink(t, site, tc.mutate)
			ref, err := sk.Create(t.Context(), draft())
			if err != nil {
				t.Fatal(err)
			}
			if err := sk.Comment(t.Context(), ref, core.Comment{Body: "line one\nline two", Public: tc.public}); err != nil {
				t.Fatal(err)
			}
			is, _ := site.Issue(ref.Key)
			c := is.Comments[0]
			if jira.PlainText(c.Body) != "line one\nline two" || len(c.Body.Content) != 2 {
				t.Fatalf("body = %+v", c.Body)
			}
			vis := ""
			if c.Visibility != nil {
				vis = c.Visibility.Value
			}
			prop := ""
			if len(c.Properties) == 1 && c.Properties[0].Key == "sd.public.comment" {
				prop = string(c.Properties[0].Value)
			}
			if vis != tc.wantVisibility || prop != tc.wantProperty {
				t.Fatalf("visibility %q property %q", vis, prop)
			}
		})
	}
}

// slowBody hands out one chunk, then waits until the upload request has
// reached the site before giving the rest: Attach must send while it
// reads, not read first.
type slowBody struct {
	site  *jirafake.Site
	chunk []byte
	left  int
	sent  bool
}

func (b *slowBody) Read(p []byte) (int, error) {
	if b.left == 0 {
		return 0, io.EOF
	}
	if b.sent {
		deadline := time.Now().Add(5 * time.Second)
		for b.site.RequestsTo("POST", "/rest/api/3/issue/OPS-1/attachments") == 0 {
			if time.Now().After(deadline) {
				return 0, errors.New("upload did not start before the body was read")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	b.sent = true
	n := copy(p, b.chunk[:min(len(b.chunk), b.left)])
	b.left -= n
	return n, nil
}

func TestAttachStreams(t *testing.T) {
	t.Parallel()
	site := jirafake.New(t, jirafake.Options{MaxAttachmentBytes: 5 << 20})
	sk := newSink(t, site, func(s *jira.Settings) { s.MaxAttachmentBytes = 3 << 20 })
	ref, err := sk.Create(t.Context(), draft())
	if err != nil {
		t.Fatal(err)
	}
	body := &slowBody{site: site, chunk: bytes.Repeat([]byte("x"), 64<<10), left: 2 << 20}
	if err := sk.Attach(t.Context(), ref, core.File{Name: `log "1".txt`, ContentType: "text/plain"}, body); err != nil {
		t.Fatal(err)
	}
	is, _ := site.Issue(ref.Key)
	if len(is.Attachments) != 1 || is.Attachments[0].Size != 2<<20 || is.Attachments[0].ContentType != "text/plain" {
		t.Fatalf("attachments = %+v", is.Attachments)
	}
	for _, r := range site.Requests() {
		if strings.HasSuffix(r.Path, "/attachments") && r.Header.Get("X-Atlassian-Token") != "no-check" {
			t.Fatal("upload without X-Atlassian-Token")
		}
	}

	cases := map[string]struct {
		file core.File
		size int
	}{
		"declared too large": {core.File{Name: "a.bin", Size: 4 << 20}, 10},
		"actually too large": {core.File{Name: "b.bin", Size: 10}, 3<<20 + 1},
	}
	for name, tc := range cases {
		before := len(site.Issues()[0].Attachments)
		err := sk.Attach(t.Context(), ref, tc.file, bytes.NewReader(make([]byte, tc.size)))
		if !errors.Is(err, sink.ErrTooLarge) {
			t.Fatalf("%s: %v", name, err)
		}
		if after := len(site.Issues()[0].Attachments); after != before {
			t.Fatalf("%s: stored anyway", name)
		}
	}
	// The site's own limit is lower than ours: its 413 is ErrTooLarge too.
	big := newSink(t, site, func(s *jira.Settings) { s.MaxAttachmentBytes = 8 << 20 })
	if err := big.Attach(t.Context(), ref, core.File{Name: "c.bin"}, bytes.NewReader(make([]byte, 6<<20))); !errors.Is(err, sink.ErrTooLarge) {
		t.Fatalf("413: %v", err)
	}
}

func TestTransitions(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		mutate func(*jira.Settings)
		start  string
		state  string
		want   string
		posts  int
		errMsg string
	}{
		"resolve by category": {nil, "To Do", core.StateResolved, "Won't Do", 1, ""},
		"override excludes": {func(s *jira.Settings) {
			s.StatusOverrides = map[string]map[string]string{"OPS": {"Won't Do": "closed"}}
		}, "To Do", core.StateResolved, "Done", 1, ""},
		"override picks": {func(s *jira.Settings) {
			s.StatusOverrides = map[string]map[string]string{"ops": {"won't do": "closed"}}
		}, "To Do", core.StateClosed, "Won't Do", 1, ""},
		"by name":              {func(s *jira.Settings) { s.TransitionNames = map[string]string{"resolved": "Resolve"} }, "In Progress", core.StateResolved, "Done", 1, ""},
		"already done":         {nil, "Done", core.StateClosed, "Done", 0, ""},
		"in progress":          {nil, "To Do", core.StateInProgress, "In Progress", 1, ""},
		"missing name":         {func(s *jira.Settings) { s.TransitionNames = map[string]string{"closed": "Close issue"} }, "To Do", core.StateClosed, "To Do", 0, `"Close issue"`},
		"waiting needs a name": {nil, "To Do", core.StateWaitingOnCustomer, "To Do", 0, "transition_names.waiting_on_customer"},
		"jsm uses request api": {func(s *jira.Settings) { s.ServiceDeskID, s.RequestTypeID = "10", "25" }, "To Do", core.StateResolved, "Won't Do", 0, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			site := jirafake.New(t, jirafake.Options{})
			sk := newSink(t, site, tc.mutate)
			ref, err := sk.Create(t.Context(), draft())
			if err != nil {
				t.Fatal(err)
			}
			if tc.start != "To Do" {
				site.Move(ref.Key, tc.start, "agent-kim")
			}
			err = sk.Transition(t.Context(), ref, tc.state)
			if tc.errMsg != "" {
				if err == nil || !core.IsPermanent(err) || !strings.Contains(err.Error(), tc.errMsg) {
					t.Fatalf("error = %v, want permanent with %q", err, tc.errMsg)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			got, err := sk.Status(t.Context(), ref)
			if err != nil || got != tc.want {
				t.Fatalf("status %q (%v), want %q", got, err, tc.want)
			}
			if n := site.RequestsTo("POST", "/rest/api/3/issue/OPS-1/transitions"); n != tc.posts {
				t.Fatalf("%d platform transition posts, want %d", n, tc.posts)
			}
		})
	}
}

func TestValidateMapping(t *testing.T) {
	t.Parallel()
	site := jirafake.New(t, jirafake.Options{RequiredFields: []jira.FieldMeta{
		{FieldID: "customfield_10077", Name: "Customer Impact", Required: true},
		{FieldID: "customfield_10078", Name: "Team", Required: true, HasDefaultValue: true},
	}})
	sk := newSink(t, site, func(s *jira.Settings) {
		s.CustomFields = map[string]string{"link": "customfield_10050", "gone": "customfield_99999"}
		s.PriorityMap = map[string]string{"urgent": "Blocker"}
	})
	got, err := sk.ValidateMapping(t.Context(), sink.MappingSpec{
		Route: "support", Priorities: []string{"normal", "urgent", "critical"}, CustomFields: []string{"link", "gone", "team_name"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`route support: custom key "gone" maps to customfield_99999, which is not a field of the create screen of OPS/Task`,
		`route support: custom key "team_name" has no Jira field id: add it to custom_fields (like team_name: customfield_10050)`,
		`route support: field "Customer Impact" (customfield_10077) is required by the create screen of OPS/Task and has no default; fill it through mapping.custom and custom_fields`,
		`route support: priority "critical" has no entry in priority_map`,
		`route support: priority "urgent" maps to "Blocker", which the create screen of OPS/Task does not offer (it offers: Highest, High, Medium, Low, Lowest)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("messages:\n%s", strings.Join(got, "\n"))
	}

	ok := newSink(t, site, func(s *jira.Settings) { s.CustomFields = map[string]string{"impact": "customfield_10077"} })
	if got, err := ok.ValidateMapping(t.Context(), sink.MappingSpec{Priorities: []string{"low", "high"}, CustomFields: []string{"impact"}}); err != nil || len(got) != 0 {
		t.Fatalf("a complete mapping: %v %v", got, err)
	}
	wrongType := newSink(t, site, func(s *jira.Settings) { s.IssueType = "Incident" })
	if got, _ := wrongType.ValidateMapping(t.Context(), sink.MappingSpec{}); len(got) != 1 || !strings.Contains(got[0], `issue type "Incident" does not exist in project OPS (it has: Task, Bug)`) {
		t.Fatalf("missing issue type: %v", got)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	site := jirafake.New(t, jirafake.Options{})
	if err := newSink(t, site, nil).Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	cases := map[string]struct {
		mutate func(*jira.Settings)
		want   string
	}{
		"project":     {func(s *jira.Settings) { s.Project = "NOPE" }, "project NOPE does not exist"},
		"desk":        {func(s *jira.Settings) { s.ServiceDeskID, s.RequestTypeID = "99", "1" }, "service desk 99 does not exist"},
		"integration": {func(s *jira.Settings) { s.IntegrationAccountID = "someone-else" }, "integration_account_id is someone-else"},
	}
	for name, tc := range cases {
		if err := newSink(t, site, tc.mutate).Check(t.Context()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func TestPollWithCursor(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	site := jirafake.New(t, jirafake.Options{Now: clock, TimeZone: "Asia/Tokyo"})
	s := settings(site)
	s.PollInterval = time.Minute
	sk, err := jira.New("jira1", s, sink.Deps{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ref, err := sk.Create(ctx, draft())
	if err != nil {
		t.Fatal(err)
	}
	evs, cursor, err := sk.Poll(ctx, "")
	if err != nil || len(evs) != 0 || cursor == "" {
		t.Fatalf("first poll: %v %q %v", evs, cursor, err)
	}
	now = now.Add(30 * time.Second)
	site.Move(ref.Key, "In Progress", "agent-kim")
	site.AddComment(ref.Key, "internal only", "agent-kim", jirafake.InternalJSM)
	now = now.Add(time.Second)
	site.AddComment(ref.Key, "we are on it", "agent-kim", jirafake.Public)
	site.Move(ref.Key, "Done", "tb-bot")

	evs, cursor2, err := sk.Poll(ctx, cursor)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		if ev.Ticket.Key != "OPS-1" || ev.ExternalID != "tb-link42" || ev.EventID == "" {
			t.Fatalf("event %+v", ev)
		}
		switch ev.Kind {
		case core.TicketStatusChanged:
			got = append(got, ev.From+"→"+ev.To+map[bool]string{true: " ours"}[ev.Ours])
		case core.TicketCommentAdded:
			got = append(got, ev.Comment.Body+map[bool]string{true: " public", false: " internal"}[ev.Comment.Public])
		}
	}
	want := "To Do→In Progress|In Progress→Done ours|internal only internal|we are on it public"
	if strings.Join(got, "|") != want {
		t.Fatalf("events = %q", got)
	}
	if cursor2 == cursor {
		t.Fatal("cursor did not move")
	}
	// Nothing new: the same minute is queried again, nothing is repeated.
	evs, cursor3, err := sk.Poll(ctx, cursor2)
	if err != nil || len(evs) != 0 || cursor3 != cursor2 {
		t.Fatalf("repeat poll: %d events, cursor %q (%v)", len(evs), cursor3, err)
	}
	var req jira.SearchRequest
	json.Unmarshal(lastBody(t, site, "POST", "/rest/api/3/search/jql"), &req)
	if !strings.Contains(req.JQL, `updated >= "2030-03-01 18:59" ORDER BY updated ASC`) || req.Expand != "changelog" {
		t.Fatalf("poll query %+v (JQL dates are in the user's zone, Tokyo)", req)
	}
	if _, _, err := sk.Poll(ctx, "yesterday"); !core.IsPermanent(err) {
		t.Fatalf("bad cursor: %v", err)
	}
}

// A keyed comment carries our property; FindComment finds it by prefix
// among the newest comments and finds nothing for another prefix.
func TestFindCommentByEffectKey(t *testing.T) {
	t.Parallel()
	site := jirafake.New(t, jirafake.Options{})
	sk := newSink(t, site, nil)
	ref, err := sk.Create(t.Context(), draft())
	if err != nil {
		t.Fatal(err)
	}
	for i, key := range []string{"", "tb-append-L1-7-9", ""} {
		if err := sk.Comment(t.Context(), ref, core.Comment{Body: fmt.Sprint("comment ", i), Public: true, Key: key}); err != nil {
			t.Fatal(err)
		}
	}
	cases := map[string]struct {
		prefix, want string
		found        bool
	}{
		"our append":     {"tb-append-L1-7-", "tb-append-L1-7-9", true},
		"another append": {"tb-append-L1-10-", "", false},
		"another link":   {"tb-append-L2-7-", "", false},
	}
	for name, tc := range cases {
		key, found, err := sk.FindComment(t.Context(), ref, tc.prefix)
		if err != nil || found != tc.found || key != tc.want {
			t.Errorf("%s: FindComment = %q, %v, %v; want %q, %v", name, key, found, err, tc.want, tc.found)
		}
	}
}

// An SLA escalation edits the issue's priority: priority_map's name, or
// a Jira name as given; a name the site lacks is Jira's 400, permanent.
func TestSetPriority(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		priority, want string
		wantErr        bool
	}{
		"mapped":     {priority: "urgent", want: "Highest"},
		"jira name":  {priority: "Low", want: "Low"},
		"not a name": {priority: "P0", wantErr: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			site := jirafake.New(t, jirafake.Options{})
			sk := newSink(t, site, func(s *jira.Settings) { s.PriorityMap = map[string]string{"urgent": "Highest"} })
			d := draft()
			d.Priority = ""
			ref, err := sk.Create(t.Context(), d)
			if err != nil {
				t.Fatal(err)
			}
			err = sk.SetPriority(t.Context(), ref, tt.priority)
			if tt.wantErr {
				if err == nil || !core.IsPermanent(err) || !strings.Contains(err.Error(), "Priority") {
					t.Fatalf("SetPriority = %v, want Jira's permanent 400", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("SetPriority: %v", err)
			}
			is, _ := site.Issue(ref.Key)
			if p, _ := is.Fields["priority"].(map[string]any); p["name"] != tt.want {
				t.Errorf("priority = %v, want %s", is.Fields["priority"], tt.want)
			}
		})
	}
}

// A CSAT answer goes into the configured custom fields and reads back;
// a field the edit screen lacks is Jira's permanent 400; without
// csat_field the sink says it has no field.
func TestSatisfactionField(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		score, comment string // settings
		editable       []string
		fields         [2]bool
		want           core.Satisfaction
		wantErr        bool
	}{
		"score and comment": {score: "customfield_10070", comment: "customfield_10071", editable: []string{"customfield_10070", "customfield_10071"},
			fields: [2]bool{true, true}, want: core.Satisfaction{Score: 4, Comment: "quick, 谢谢"}},
		"score only":      {score: "customfield_10070", editable: []string{"customfield_10070"}, fields: [2]bool{true, false}, want: core.Satisfaction{Score: 4}},
		"not on a screen": {score: "customfield_10099", editable: []string{"customfield_10070"}, fields: [2]bool{true, false}, wantErr: true},
		"no field":        {},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			site := jirafake.New(t, jirafake.Options{EditableFields: tt.editable})
			sk := newSink(t, site, func(s *jira.Settings) { s.CSATField, s.CSATCommentField = tt.score, tt.comment })
			if s, c := sk.SatisfactionFields(); s != tt.fields[0] || c != tt.fields[1] {
				t.Fatalf("SatisfactionFields = %v, %v; want %v", s, c, tt.fields)
			}
			ref, err := sk.Create(t.Context(), draft())
			if err != nil {
				t.Fatal(err)
			}
			if _, found, err := sk.Satisfaction(t.Context(), ref); err != nil || found {
				t.Fatalf("Satisfaction before an answer = %v, %v", found, err)
			}
			if !tt.fields[0] {
				return
			}
			err = sk.SetSatisfaction(t.Context(), ref, core.Satisfaction{Score: 4, Comment: "quick, 谢谢"})
			if tt.wantErr {
				if err == nil || !core.IsPermanent(err) {
					t.Fatalf("SetSatisfaction = %v, want Jira's permanent 400", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, found, err := sk.Satisfaction(t.Context(), ref)
			if err != nil || !found || got != tt.want {
				t.Fatalf("Satisfaction = %+v, %v, %v; want %+v", got, found, err, tt.want)
			}
		})
	}
}
