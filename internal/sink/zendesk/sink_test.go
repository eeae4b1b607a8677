package zendesk_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/zendesk"
	"github.com/ticketbridge/ticketbridge/internal/sink/zendesk/zendeskfake"
)

var update = flag.Bool("update", false, "rewrite golden files")

func settingsFor(f *zendeskfake.Server) zendesk.Settings {
	return zendesk.Settings{
		URL: f.URL(), Email: f.Email(), APIToken: f.Token(), WebhookSecret: f.WebhookSecret(),
		IntegrationUserID: f.UserID(),
		PriorityMap:       map[string]string{"p1": "urgent", "p3": "low"},
		CustomFields:      map[string]int64{"plan": 360001, "order": 360002},
	}
}

func newSink(t *testing.T, s zendesk.Settings) *zendesk.Sink {
	t.Helper()
	sk, err := zendesk.New("zd", s, sink.Deps{HTTP: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return sk
}

func setup(t *testing.T, o zendeskfake.Options) (*zendeskfake.Server, *zendesk.Sink) {
	t.Helper()
	f := zendeskfake.New(t, o)
	return f, newSink(t, settingsFor(f))
}

func draft(ext string) core.TicketDraft {
	return core.TicketDraft{
		ExternalID:  ext,
		Title:       "Charged twice",
		Description: "Ann: I was charged twice",
		Priority:    "p1",
		Requester:   core.Requester{ID: "u1", Name: "Ann Lee", Email: "ann@example.com"},
		Labels:      []string{"billing", "Needs Refund"},
		Custom:      map[string]any{"plan": "pro", "order": 4411},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatalf("not JSON: %s", got)
	}
	pretty, _ := json.MarshalIndent(v, "", "  ")
	pretty = append(pretty, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, pretty, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update): %v", err)
	}
	if !bytes.Equal(pretty, want) {
		t.Errorf("%s differs:\ngot:\n%s\nwant:\n%s", name, pretty, want)
	}
}

func lastRequest(t *testing.T, f *zendeskfake.Server, method, path string) zendeskfake.Request {
	t.Helper()
	rs := f.Requests()
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Method == method && rs[i].Path == path {
			return rs[i]
		}
	}
	t.Fatalf("no %s %s among %d requests", method, path, len(rs))
	return zendeskfake.Request{}
}

func TestNewSettings(t *testing.T) {
	t.Parallel()
	ok := zendesk.Settings{URL: "https://acme.zendesk.com", Email: "a@acme.com", APIToken: "t", WebhookSecret: "s"}
	with := func(mut func(*zendesk.Settings)) zendesk.Settings { s := ok; mut(&s); return s }
	tests := map[string]struct {
		s       zendesk.Settings
		wantErr string
	}{
		"minimal":          {s: ok},
		"full":             {s: with(func(s *zendesk.Settings) { s.GroupID, s.BrandID, s.PollInterval = 7, 8, time.Minute })},
		"missing url":      {s: with(func(s *zendesk.Settings) { s.URL = "" }), wantErr: "url: required"},
		"url with path":    {s: with(func(s *zendesk.Settings) { s.URL = "https://acme.zendesk.com/api/v2" }), wantErr: "url: must be the account's address"},
		"relative url":     {s: with(func(s *zendesk.Settings) { s.URL = "acme.zendesk.com" }), wantErr: "url: must be an absolute"},
		"no email":         {s: with(func(s *zendesk.Settings) { s.Email = "" }), wantErr: "email: required"},
		"bad email":        {s: with(func(s *zendesk.Settings) { s.Email = "acme" }), wantErr: "email: not an e-mail"},
		"no token":         {s: with(func(s *zendesk.Settings) { s.APIToken = "" }), wantErr: "api_token: required"},
		"no secret":        {s: with(func(s *zendesk.Settings) { s.WebhookSecret = "" }), wantErr: "webhook_secret: required"},
		"bad priority":     {s: with(func(s *zendesk.Settings) { s.PriorityMap = map[string]string{"p1": "critical"} }), wantErr: "priority_map.p1: \"critical\" is not a Zendesk priority"},
		"bad field id":     {s: with(func(s *zendesk.Settings) { s.CustomFields = map[string]int64{"plan": 0} }), wantErr: "custom_fields.plan: must be a positive"},
		"fast polling":     {s: with(func(s *zendesk.Settings) { s.PollInterval = time.Second }), wantErr: "poll_interval: at least 10s"},
		"negative rpm":     {s: with(func(s *zendesk.Settings) { s.RequestsPerMinute = -1 }), wantErr: "requests_per_minute"},
		"bad transition":   {s: with(func(s *zendesk.Settings) { s.Transitions = map[string]string{"resolved": "done"} }), wantErr: "transitions.resolved: \"done\" is not a Zendesk status"},
		"unknown state":    {s: with(func(s *zendesk.Settings) { s.Transitions = map[string]string{"finished": "solved"} }), wantErr: "transitions.finished: not a chat state"},
		"negative group":   {s: with(func(s *zendesk.Settings) { s.GroupID = -2 }), wantErr: "group_id"},
		"negative max att": {s: with(func(s *zendesk.Settings) { s.MaxAttachmentBytes = -2 }), wantErr: "max_attachment_bytes"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sk, err := zendesk.New("zd", tt.s, sink.Deps{})
			if tt.wantErr == "" {
				if err != nil || sk.ID() != "zd" {
					t.Fatalf("New = %v, %v", sk, err)
				}
				if sk.RequestsPerMinute() != zendesk.DefaultRequestsPerMinute {
					t.Errorf("RequestsPerMinute = %d", sk.RequestsPerMinute())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestFactoryNamesUnknownKeys(t *testing.T) {
	t.Parallel()
	c := config.NewConnector("sinks[1]", "zd", zendesk.Type)
	for k, v := range map[string]any{"url": "https://acme.zendesk.com", "email": "a@acme.com", "api_token": "t", "webhook_secret": "s", "requests_per_minute": 120} {
		c.Set(k, v)
	}
	sk, err := zendesk.Factory(c, sink.Deps{})
	if err != nil {
		t.Fatalf("Factory: %v", err)
	}
	if rl := sk.(sink.RateLimited).RequestsPerMinute(); rl != 120 {
		t.Errorf("requests_per_minute = %d", rl)
	}
	c.Set("group", 5)
	if _, err := zendesk.Factory(c, sink.Deps{}); err == nil || !strings.Contains(err.Error(), "group") {
		t.Fatalf("unknown key: %v", err)
	}
}

// Create sends Zendesk's ticket shape (golden) with our external id, an
// idempotency key and Basic token auth.
func TestCreateRequestShape(t *testing.T) {
	t.Parallel()
	f := zendeskfake.New(t, zendeskfake.Options{})
	s := settingsFor(f)
	s.GroupID, s.BrandID = 77, 88
	sk := newSink(t, s)
	ref, err := sk.Create(t.Context(), draft("tb-1"))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if ref.Key != "1" || ref.Sink != "zd" || ref.URL != f.URL()+"/agent/tickets/1" || ref.Status != "new" {
		t.Fatalf("ref = %+v", ref)
	}
	req := lastRequest(t, f, "POST", "/api/v2/tickets.json")
	golden(t, "create_request.json", req.Body)
	if got := req.Header.Get("Idempotency-Key"); got != "ticketbridge-tb-1" {
		t.Errorf("Idempotency-Key = %q", got)
	}
	if u, p, ok := (&http.Request{Header: req.Header}).BasicAuth(); !ok || u != f.Email()+"/token" || p != f.Token() {
		t.Errorf("auth = %q %q", u, p)
	}
	// Without an e-mail there is no requester object, and a Zendesk
	// priority passes through unmapped.
	d := draft("tb-2")
	d.Requester, d.Priority, d.Custom, d.Description = core.Requester{Name: "Bo"}, "High", nil, ""
	if _, err := sk.Create(t.Context(), d); err != nil {
		t.Fatalf("Create: %v", err)
	}
	golden(t, "create_request_minimal.json", lastRequest(t, f, "POST", "/api/v2/tickets.json").Body)
}

func TestCreateRefusesUnmappable(t *testing.T) {
	t.Parallel()
	f, sk := setup(t, zendeskfake.Options{})
	for name, mut := range map[string]func(*core.TicketDraft){
		"priority": func(d *core.TicketDraft) { d.Priority = "critical" },
		"custom":   func(d *core.TicketDraft) { d.Custom = map[string]any{"colour": "red"} },
	} {
		d := draft("tb-" + name)
		mut(&d)
		_, err := sk.Create(t.Context(), d)
		if !core.IsPermanent(err) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want a permanent error naming it", name, err)
		}
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("%d requests sent for unmappable drafts", n)
	}
}

// Every failure answer becomes a CallError with Zendesk's message and the
// right class.
func TestErrorClassification(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		status     int
		retry      string
		permanent  bool
		retryAfter time.Duration
		message    string
	}{
		"400 field": {status: 400, permanent: true, message: "RecordInvalid: Record validation errors; base: injected failure 400"},
		"401":       {status: 401, permanent: true, message: "Couldn't authenticate you"},
		"403":       {status: 403, permanent: true, message: "Forbidden: You do not have access"},
		"404":       {status: 404, permanent: true, message: "RecordNotFound: Not found"},
		"409":       {status: 409, message: "Conflict: The ticket was changed"},
		"422":       {status: 422, permanent: true, message: "details"},
		"429":       {status: 429, retry: "7", retryAfter: 7 * time.Second, message: "APIRateLimitExceeded: Number of allowed API requests"},
		"503":       {status: 503, retry: "3", retryAfter: 3 * time.Second, message: "Service Unavailable: injected failure 503"},
		"500":       {status: 500, message: "Internal Server Error"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, sk := setup(t, zendeskfake.Options{})
			if tt.status == 422 {
				tt.message = "base: injected failure 422"
			}
			f.FailNext(1, tt.status, tt.retry)
			_, err := sk.Create(t.Context(), draft("tb-e"))
			var ce *core.CallError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v (%T)", err, err)
			}
			if ce.Status != tt.status || ce.Permanent != tt.permanent || ce.RetryAfter != tt.retryAfter || !strings.Contains(ce.Message, tt.message) {
				t.Fatalf("CallError = %+v, want status %d permanent %v retry %v message ~%q", ce, tt.status, tt.permanent, tt.retryAfter, tt.message)
			}
		})
	}
}

func TestNetworkErrorIsTransient(t *testing.T) {
	t.Parallel()
	f := zendeskfake.New(t, zendeskfake.Options{})
	s := settingsFor(f)
	s.URL = "http://127.0.0.1:1"
	_, err := newSink(t, s).Create(t.Context(), draft("tb-n"))
	var ce *core.CallError
	if !errors.As(err, &ce) || ce.Status != 0 || ce.Permanent {
		t.Fatalf("err = %#v", err)
	}
}

// A creation whose answer is lost has still made the ticket; the retry
// (FindByExternalID first, as the worker does) finds exactly one.
func TestLostCreateFoundByExternalID(t *testing.T) {
	t.Parallel()
	f, sk := setup(t, zendeskfake.Options{})
	f.LoseNextCreate()
	if _, err := sk.Create(t.Context(), draft("tb-lost")); err == nil || core.IsPermanent(err) {
		t.Fatalf("lost answer: err = %v, want transient", err)
	}
	if _, err := sk.Create(t.Context(), draft("tb-other")); err != nil {
		t.Fatal(err)
	}
	ref, found, err := sk.FindByExternalID(t.Context(), "tb-lost")
	if err != nil || !found || ref.Key != "1" {
		t.Fatalf("FindByExternalID = %+v %v %v", ref, found, err)
	}
	if _, found, _ := sk.FindByExternalID(t.Context(), "tb-none"); found {
		t.Fatal("found a ticket for an unknown external id")
	}
	// Even a blind second create is answered from Zendesk's idempotency.
	ref2, err := sk.Create(t.Context(), draft("tb-lost"))
	if err != nil || ref2.Key != "1" || f.CountExternal("tb-lost") != 1 {
		t.Fatalf("second create = %+v %v, count %d", ref2, err, f.CountExternal("tb-lost"))
	}
}

func TestCommentPublicAndInternal(t *testing.T) {
	t.Parallel()
	f, sk := setup(t, zendeskfake.Options{})
	ref, err := sk.Create(t.Context(), draft("tb-c"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []core.Comment{{Body: "customer: still broken", Public: true}, {Body: "note for agents", Public: false}} {
		if err := sk.Comment(t.Context(), ref, c); err != nil {
			t.Fatalf("Comment: %v", err)
		}
	}
	golden(t, "comment_internal_request.json", lastRequest(t, f, "PUT", "/api/v2/tickets/1.json").Body)
	tk, _ := f.Ticket(1)
	if len(tk.Comments) != 3 || !tk.Comments[1].Public || tk.Comments[2].Public {
		t.Fatalf("comments = %+v", tk.Comments)
	}
	if err := sk.Comment(t.Context(), core.TicketRef{Key: "99"}, core.Comment{Body: "x"}); !core.IsPermanent(err) {
		t.Fatalf("comment on a missing ticket: %v", err)
	}
	if err := sk.Comment(t.Context(), core.TicketRef{Key: "abc"}, core.Comment{Body: "x"}); !core.IsPermanent(err) {
		t.Fatalf("comment with a bad key: %v", err)
	}
}

// countingReader fails the test if the sink reads more than allowed,
// showing that an oversize file is cut off and not read whole.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestAttach(t *testing.T) {
	t.Parallel()
	f := zendeskfake.New(t, zendeskfake.Options{MaxUploadBytes: 1 << 20})
	s := settingsFor(f)
	s.MaxAttachmentBytes = 64 << 10
	sk := newSink(t, s)
	ref, err := sk.Create(t.Context(), draft("tb-a"))
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 2048) // 32 KiB
	tests := map[string]struct {
		file    core.File
		body    int
		tooBig  bool
		maxRead int64
	}{
		"streamed, size known":   {file: core.File{Name: "log one.txt", ContentType: "text/plain", Size: int64(len(data))}, body: len(data)},
		"streamed, size unknown": {file: core.File{Name: "log2.txt", ContentType: "text/plain"}, body: len(data)},
		"declared too large":     {file: core.File{Name: "big.bin", Size: 1 << 30}, body: len(data), tooBig: true, maxRead: 0},
		"grows too large":        {file: core.File{Name: "liar.bin"}, body: 1 << 30, tooBig: true, maxRead: 64<<10 + 64<<10},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var src io.Reader = bytes.NewReader(data)
			if tt.body > len(data) {
				src = io.LimitReader(zeros{}, int64(tt.body))
			}
			cr := &countingReader{r: src}
			err := sk.Attach(t.Context(), ref, tt.file, cr)
			if tt.tooBig {
				if !errors.Is(err, sink.ErrTooLarge) {
					t.Fatalf("err = %v, want ErrTooLarge", err)
				}
				if cr.n > tt.maxRead {
					t.Fatalf("read %d bytes of an oversize file", cr.n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Attach: %v", err)
			}
		})
	}
	ups := map[string]zendeskfake.UploadInfo{}
	for _, u := range f.Uploads() {
		ups[u.Name] = u
	}
	one, two := ups["log one.txt"], ups["log2.txt"]
	if len(ups) != 2 || one.Size != int64(len(data)) || two.Size != int64(len(data)) || one.ContentType != "text/plain" || one.Chunked || !two.Chunked {
		t.Fatalf("uploads = %+v", ups)
	}
	tk, _ := f.Ticket(1)
	var tokens []string
	for _, c := range tk.Comments[1:] {
		if len(c.Uploads) != 1 || !strings.HasPrefix(c.Body, "File from the chat: log") {
			t.Fatalf("attachment comment = %+v", c)
		}
		tokens = append(tokens, c.Uploads[0])
	}
	if len(tokens) != 2 || !slices.Contains(tokens, one.Token) || !slices.Contains(tokens, two.Token) {
		t.Fatalf("comments = %+v", tk.Comments)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// Zendesk's own 413 (its limit below ours) is ErrTooLarge too.
func TestAttachZendesk413(t *testing.T) {
	t.Parallel()
	f, sk := setup(t, zendeskfake.Options{MaxUploadBytes: 10})
	ref, _ := sk.Create(t.Context(), draft("tb-413"))
	err := sk.Attach(t.Context(), ref, core.File{Name: "a.txt", Size: 20}, strings.NewReader(strings.Repeat("x", 20)))
	if !errors.Is(err, sink.ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if len(f.Uploads()) != 0 {
		t.Fatal("an oversize upload was kept")
	}
}

func TestStatusAndTransition(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		from, state, want string
		puts              int
	}{
		"resolve":              {from: "open", state: core.StateResolved, want: "solved", puts: 1},
		"close from solved":    {from: "solved", state: core.StateClosed, want: "closed", puts: 1},
		"refused close solves": {from: "open", state: core.StateClosed, want: "solved", puts: 2},
		"already solved":       {from: "solved", state: core.StateResolved, want: "solved", puts: 0},
		"closed stays":         {from: "closed", state: core.StateResolved, want: "closed", puts: 0},
		"waiting":              {from: "open", state: core.StateWaitingOnCustomer, want: "pending", puts: 1},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, sk := setup(t, zendeskfake.Options{})
			ref, _ := sk.Create(t.Context(), draft("tb-t"))
			f.SetStatus(1, tt.from)
			before := len(f.Requests())
			if err := sk.Transition(t.Context(), ref, tt.state); err != nil {
				t.Fatalf("Transition: %v", err)
			}
			puts := 0
			for _, r := range f.Requests()[before:] {
				if r.Method == "PUT" {
					puts++
				}
			}
			got, err := sk.Status(t.Context(), ref)
			if err != nil || got != tt.want || puts != tt.puts {
				t.Fatalf("status %q (%v) after %d PUTs, want %q after %d", got, err, puts, tt.want, tt.puts)
			}
		})
	}
	_, sk := setup(t, zendeskfake.Options{})
	if err := sk.Transition(t.Context(), core.TicketRef{Key: "1"}, "done"); !core.IsPermanent(err) {
		t.Fatalf("unknown state: %v", err)
	}
}

func TestValidateMapping(t *testing.T) {
	t.Parallel()
	fields := append(zendeskfake.DefaultFields(),
		zendesk.TicketField{ID: 360003, Type: "text", Title: "Legacy", Active: false, Removable: true},
		zendesk.TicketField{ID: 360004, Type: "tagger", Title: "Product", Active: true, Removable: true, Required: true},
		zendesk.TicketField{ID: 360005, Type: "text", Title: "Portal only", Active: true, Removable: true, RequiredInPortal: true},
		zendesk.TicketField{ID: 360006, Type: "text", Title: "Old required", Active: false, Removable: true, Required: true},
	)
	f := zendeskfake.New(t, zendeskfake.Options{Fields: fields})
	s := settingsFor(f)
	s.CustomFields = map[string]int64{"plan": 360001, "legacy": 360003, "gone": 999}
	sk := newSink(t, s)
	got, err := sk.ValidateMapping(t.Context(), sink.MappingSpec{
		Route:        "support",
		Priorities:   []string{"p1", "normal", "critical"},
		CustomFields: []string{"plan", "legacy", "gone", "colour", "360005"},
		Labels:       true,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`route support: priority "critical": Zendesk has no such priority (it has low, normal, high, urgent); add it to priority_map`,
		`route support: custom field "legacy": ticket field 360003 (Legacy) is not active`,
		`route support: custom field "gone": ticket field 999 does not exist in Zendesk`,
		`route support: custom field "colour": no ticket field id for it in custom_fields`,
		`route support: required field "Product" (id 360004, required to solve a ticket) is not in mapping.custom`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A clean mapping has no problems.
	f2, sk2 := setup(t, zendeskfake.Options{})
	_ = f2
	if got, err := sk2.ValidateMapping(t.Context(), sink.MappingSpec{Route: "r", Priorities: []string{"p3", "high"}, CustomFields: []string{"plan"}}); err != nil || len(got) != 0 {
		t.Fatalf("clean mapping: %v %v", got, err)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		opts    zendeskfake.Options
		mut     func(*zendesk.Settings)
		wantErr string
	}{
		"ok":          {opts: zendeskfake.Options{Groups: []int64{5}}, mut: func(s *zendesk.Settings) { s.GroupID = 5 }},
		"bad token":   {mut: func(s *zendesk.Settings) { s.APIToken = "wrong" }, wantErr: "email and api_token were refused"},
		"anonymous":   {opts: zendeskfake.Options{Me: &zendesk.User{Name: "Anonymous user", Role: "end-user"}}, wantErr: "anonymous user"},
		"end user":    {opts: zendeskfake.Options{Me: &zendesk.User{ID: 5, Email: "e@x", Role: "end-user"}}, mut: func(s *zendesk.Settings) { s.IntegrationUserID = 5 }, wantErr: "is an end user"},
		"wrong self":  {mut: func(s *zendesk.Settings) { s.IntegrationUserID = 1 }, wantErr: "integration_user_id is 1 but"},
		"no group":    {mut: func(s *zendesk.Settings) { s.GroupID = 6 }, wantErr: "group_id 6 does not exist"},
		"no brand":    {mut: func(s *zendesk.Settings) { s.BrandID = 3 }, wantErr: "brand_id 3 does not exist"},
		"unreachable": {mut: func(s *zendesk.Settings) { s.URL = "http://127.0.0.1:1" }, wantErr: "could not be reached"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := zendeskfake.New(t, tt.opts)
			s := settingsFor(f)
			if tt.mut != nil {
				tt.mut(&s)
			}
			err := newSink(t, s).Check(t.Context())
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestPoll(t *testing.T) {
	t.Parallel()
	f := zendeskfake.New(t, zendeskfake.Options{PageSize: 2})
	s := settingsFor(f)
	s.PollInterval = time.Minute
	sk := newSink(t, s)
	if sk.PollInterval() != time.Minute {
		t.Fatalf("PollInterval = %v", sk.PollInterval())
	}
	for _, ext := range []string{"tb-1", "tb-2", "tb-3"} {
		if _, err := sk.Create(t.Context(), draft(ext)); err != nil {
			t.Fatal(err)
		}
	}
	f.SetStatus(3, "pending") // changed before we ever looked
	evs, cur, err := sk.Poll(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Ticket.Key != "3" || evs[0].From != "" || evs[0].To != "pending" || evs[0].ExternalID != "tb-3" {
		t.Fatalf("first poll (3 tickets over 2 pages) = %+v", evs)
	}
	evs, cur2, err := sk.Poll(t.Context(), cur)
	if err != nil || len(evs) != 0 {
		t.Fatalf("nothing changed: %+v %v", evs, err)
	}
	f.SetStatus(1, "solved")
	f.AddComment(2, zendeskfake.Comment{Body: "looking", Public: true}) // touched, status same
	evs, cur3, err := sk.Poll(t.Context(), cur2)
	if err != nil || len(evs) != 1 {
		t.Fatalf("after a solve: %+v %v", evs, err)
	}
	ev := evs[0]
	if ev.Kind != core.TicketStatusChanged || ev.Ticket.Key != "1" || ev.From != "new" || ev.To != "solved" || ev.EventID == "" || ev.Ours {
		t.Fatalf("event = %+v", ev)
	}
	// Polling from the same cursor again repeats the same event id, so the
	// caller's dedupe drops it.
	again, _, _ := sk.Poll(t.Context(), cur2)
	if len(again) != 1 || again[0].EventID != ev.EventID {
		t.Fatalf("re-poll = %+v", again)
	}
	_ = cur3
	// An unreadable cursor starts over instead of failing for good.
	if _, _, err := sk.Poll(t.Context(), "{not json"); err != nil {
		t.Fatalf("bad cursor: %v", err)
	}
	f.FailNext(1, 429, "30")
	if _, _, err := sk.Poll(t.Context(), cur3); err == nil {
		t.Fatal("a 429 was swallowed")
	} else if d, ok := core.RetryAfterOf(err); !ok || d != 30*time.Second {
		t.Fatalf("poll 429: %v", err)
	}
}

// An SLA escalation sets the priority through priority_map (or a Zendesk
// name) with one PUT; an unknown priority is refused before any call.
func TestSetPriority(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		priority, want string
		puts           int
		wantErr        string
	}{
		"mapped":         {priority: "p3", want: "low", puts: 1},
		"zendesk name":   {priority: "High", want: "high", puts: 1},
		"unknown":        {priority: "critical", want: "urgent", wantErr: `priority "critical": not in priority_map`},
		"same as before": {priority: "p1", want: "urgent", puts: 1},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, sk := setup(t, zendeskfake.Options{})
			ref, err := sk.Create(t.Context(), draft("tb-p")) // p1: urgent
			if err != nil {
				t.Fatal(err)
			}
			before := len(f.Requests())
			err = sk.SetPriority(t.Context(), ref, tt.priority)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !core.IsPermanent(err) {
					t.Fatalf("SetPriority = %v, want a permanent error with %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("SetPriority: %v", err)
			}
			puts := 0
			for _, r := range f.Requests()[before:] {
				if r.Method == "PUT" {
					puts++
				}
			}
			got, _ := f.Ticket(1)
			if got.Priority != tt.want || puts != tt.puts {
				t.Errorf("priority %q after %d PUTs, want %q after %d", got.Priority, puts, tt.want, tt.puts)
			}
		})
	}
}

// An escalation's queue is a group id: the ticket moves to that group;
// an id that is not a number, or a group Zendesk does not have, is
// permanent.
func TestSetQueue(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		queue   string
		want    int64
		wantErr string
	}{
		"a group":         {queue: "360002", want: 360002},
		"not a number":    {queue: "tier-2", wantErr: `queue "tier-2" is not a Zendesk group id`},
		"no such group":   {queue: "999", wantErr: "Group: 999 is not valid"},
		"spaces are fine": {queue: " 360002 ", want: 360002},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, sk := setup(t, zendeskfake.Options{Groups: []int64{360002}})
			ref, err := sk.Create(t.Context(), draft("tb-q"))
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
			if got := f.Tickets()[0].GroupID; got != tt.want {
				t.Fatalf("group = %d, want %d", got, tt.want)
			}
		})
	}
}
