package servicenow_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/servicenow"
	"github.com/ticketbridge/ticketbridge/internal/sink/servicenow/servicenowfake"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestSettingsProblemsNameTheKey(t *testing.T) {
	t.Parallel()
	ok := servicenow.Settings{URL: "https://acme.service-now.com", Username: "u", Password: "p", WebhookSecret: "0123456789abcdef"}
	tests := map[string]struct {
		change func(*servicenow.Settings)
		want   string
	}{
		"no url":          {func(s *servicenow.Settings) { s.URL = "" }, "url:"},
		"url with path":   {func(s *servicenow.Settings) { s.URL += "/api" }, "url:"},
		"no credentials":  {func(s *servicenow.Settings) { s.Username, s.Password = "", "" }, "username:"},
		"no password":     {func(s *servicenow.Settings) { s.Password = "" }, "password:"},
		"both auths":      {func(s *servicenow.Settings) { s.OAuthToken = "tok" }, "oauth_token:"},
		"no secret":       {func(s *servicenow.Settings) { s.WebhookSecret = "" }, "webhook_secret:"},
		"short secret":    {func(s *servicenow.Settings) { s.WebhookSecret = "short" }, "webhook_secret:"},
		"bad fallback":    {func(s *servicenow.Settings) { s.CallerFallback = "admin" }, "caller_fallback:"},
		"bad urgency":     {func(s *servicenow.Settings) { s.UrgencyMap = map[string]string{"high": "5"} }, "urgency_map.high:"},
		"bad column":      {func(s *servicenow.Settings) { s.CustomFields = map[string]string{"x": "Bad Col"} }, "custom_fields.x:"},
		"fast poll":       {func(s *servicenow.Settings) { s.PollInterval = time.Second }, "poll_interval:"},
		"negative rpm":    {func(s *servicenow.Settings) { s.RequestsPerMinute = -1 }, "requests_per_minute:"},
		"empty state":     {func(s *servicenow.Settings) { s.StateNames = map[string]string{"9": ""} }, "state_names.9:"},
		"negative attach": {func(s *servicenow.Settings) { s.MaxAttachmentBytes = -1 }, "max_attachment_bytes:"},
		"bad csat column": {func(s *servicenow.Settings) { s.CSATField = "CSAT score" }, "csat_field:"},
		"comment alone":   {func(s *servicenow.Settings) { s.CSATCommentField = "u_csat_comment" }, "csat_comment_field:"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := ok
			tc.change(&s)
			_, err := servicenow.New("sn", s, sink.Deps{})
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error = %v, want prefix %q", err, tc.want)
			}
		})
	}
	sn, err := servicenow.New("sn", ok, sink.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if sn.RequestsPerMinute() != servicenow.DefaultRequestsPerMinute || sn.PollInterval() != 0 {
		t.Fatalf("defaults: rpm %d poll %v", sn.RequestsPerMinute(), sn.PollInterval())
	}
}

// The insert carries the real incident columns; the golden file is what
// the instance receives.
func TestCreateRequestShape(t *testing.T) {
	t.Parallel()
	in := servicenowfake.New(t, servicenowfake.Options{Columns: []string{"u_channel", "u_labels"}})
	caller := in.AddUser("ana.customer", "ana@example.com")
	sn := newSink(t, in, func(s *servicenow.Settings) {
		s.AssignmentGroup = "Service Desk"
		s.Category = "inquiry"
		s.CustomFields = map[string]string{"channel": "u_channel"}
		s.LabelsField = "u_labels"
	})
	ref, err := sn.Create(t.Context(), core.TicketDraft{
		ExternalID:  "tb-42",
		Title:       "VPN drops every hour",
		Description: "Customer says the VPN drops.",
		Priority:    "high",
		Requester:   core.Requester{Name: "Ana", Email: "ana@example.com"},
		Labels:      []string{"vpn", "network"},
		Custom:      map[string]any{"channel": "chat"},
	})
	if err != nil {
		t.Fatal(err)
	}
	inc, ok := in.Incident(ref.Key)
	if !ok || !strings.HasPrefix(ref.Key, "INC") || ref.Status != "New" || !strings.Contains(ref.URL, inc.SysID) {
		t.Fatalf("ref = %+v, incident %+v", ref, inc)
	}
	if inc.Fields["caller_id"] != caller || inc.Fields["u_channel"] != "chat" || inc.Fields["urgency"] != "1" || inc.Fields["impact"] != "2" {
		t.Fatalf("stored fields = %v", inc.Fields)
	}
	var body []byte
	for _, r := range in.Requests() {
		if r.Method == http.MethodPost && r.Path == "/api/now/table/incident" {
			body = r.Body
		}
	}
	golden(t, "create.golden.json", body)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatalf("not JSON: %s", got)
	}
	pretty, _ := json.MarshalIndent(v, "", "  ")
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, append(pretty, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), pretty) {
		t.Fatalf("%s differs:\n got %s\nwant %s", name, pretty, want)
	}
}

// A requester unknown to the instance gets the fallback caller; an
// unmapped priority leaves urgency and impact to the instance.
func TestCreateFallbacks(t *testing.T) {
	t.Parallel()
	in := servicenowfake.New(t, servicenowfake.Options{})
	fallback := strings.Repeat("ab", 16)
	sn := newSink(t, in, func(s *servicenow.Settings) { s.CallerFallback = fallback })
	ref, err := sn.Create(t.Context(), core.TicketDraft{ExternalID: "tb-1", Title: "x", Priority: "whenever",
		Requester: core.Requester{Email: "nobody@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	inc, _ := in.Incident(ref.Key)
	if inc.Fields["caller_id"] != fallback || inc.Fields["urgency"] != "3" {
		t.Fatalf("fields = %v", inc.Fields)
	}
}

func TestErrorsAreClassified(t *testing.T) {
	t.Parallel()
	tests := map[int]struct {
		permanent bool
		retry     time.Duration
		message   string
	}{
		400: {true, 0, "Operation Failed: Data Policy Exception"},
		401: {true, 0, "User Not Authenticated"},
		403: {true, 0, "ACL Exception"},
		404: {true, 0, "No Record found"},
		409: {false, 0, "Conflict"},
		429: {false, 7 * time.Second, "Rate limit exceeded"},
		503: {false, 0, "Service Unavailable"},
	}
	for status, tc := range tests {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			in := servicenowfake.New(t, servicenowfake.Options{})
			sn := newSink(t, in, nil)
			retry := ""
			if tc.retry > 0 {
				retry = "7"
			}
			in.FailNext(1, status, retry)
			_, err := sn.Create(t.Context(), core.TicketDraft{ExternalID: "tb-1", Title: "x"})
			var ce *core.CallError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a CallError", err)
			}
			if ce.Status != status || ce.Permanent != tc.permanent || ce.RetryAfter != tc.retry || !strings.Contains(ce.Message, tc.message) {
				t.Fatalf("CallError = %+v", ce)
			}
		})
	}
	t.Run("rate limit reset without Retry-After", func(t *testing.T) {
		t.Parallel()
		srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(clock.Unix()+30, 10))
			w.WriteHeader(429)
		})
		sn := newSinkAt(t, srv)
		_, _, err := sn.FindByExternalID(t.Context(), "tb-1")
		if d, ok := core.RetryAfterOf(err); !ok || d != 30*time.Second {
			t.Fatalf("RetryAfter = %v %v (%v)", d, ok, err)
		}
	})
	t.Run("network", func(t *testing.T) {
		t.Parallel()
		in := servicenowfake.New(t, servicenowfake.Options{})
		s := settingsFor(in)
		s.URL = "http://127.0.0.1:1"
		sn, err := servicenow.New("sn", s, sink.Deps{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = sn.Create(t.Context(), core.TicketDraft{ExternalID: "tb-1", Title: "x"})
		var ce *core.CallError
		if !errors.As(err, &ce) || ce.Status != 0 || ce.Permanent {
			t.Fatalf("network error = %#v", err)
		}
	})
}

// A create whose answer is lost leaves a transient error; the retry's
// lookup by correlation_id finds the one incident.
func TestLostCreateIsFoundByExternalID(t *testing.T) {
	t.Parallel()
	for _, loss := range []servicenowfake.Loss{servicenowfake.LoseWith502, servicenowfake.LoseHangUp} {
		in := servicenowfake.New(t, servicenowfake.Options{})
		sn := newSink(t, in, nil)
		in.LoseNextCreate(loss)
		_, err := sn.Create(t.Context(), core.TicketDraft{ExternalID: "tb-lost", Title: "lost"})
		if err == nil || core.IsPermanent(err) {
			t.Fatalf("loss %d: error %v, want transient", loss, err)
		}
		ref, found, err := sn.FindByExternalID(t.Context(), "tb-lost")
		if err != nil || !found || in.CountExternal("tb-lost") != 1 {
			t.Fatalf("loss %d: found %v %+v %v, count %d", loss, found, ref, err, in.CountExternal("tb-lost"))
		}
		if _, found, _ := sn.FindByExternalID(t.Context(), "tb-other"); found {
			t.Fatal("found an incident for an unknown external id")
		}
	}
}

func TestCommentPublicOrWorkNote(t *testing.T) {
	t.Parallel()
	in := servicenowfake.New(t, servicenowfake.Options{})
	sn := newSink(t, in, nil)
	ref, err := sn.Create(t.Context(), core.TicketDraft{ExternalID: "tb-c", Title: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if err := sn.Comment(t.Context(), ref, core.Comment{Body: "hello customer", Public: true}); err != nil {
		t.Fatal(err)
	}
	// A ref without our URL (an old link) is resolved by number.
	if err := sn.Comment(t.Context(), core.TicketRef{Key: ref.Key}, core.Comment{Body: "internal", Public: false}); err != nil {
		t.Fatal(err)
	}
	inc, _ := in.Incident(ref.Key)
	if len(inc.Journal) != 2 || inc.Journal[0].Element != "comments" || inc.Journal[1].Element != "work_notes" {
		t.Fatalf("journal = %+v", inc.Journal)
	}
	err = sn.Comment(t.Context(), core.TicketRef{Key: "INC9999999"}, core.Comment{Body: "x"})
	if !core.IsPermanent(err) {
		t.Fatalf("comment on a missing incident: %v", err)
	}
}

// countingReader fails the test if it is read past what a streamed
// upload needs, and reports how much was read.
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
	in := servicenowfake.New(t, servicenowfake.Options{MaxAttachment: 1 << 20})
	sn := newSink(t, in, func(s *servicenow.Settings) { s.MaxAttachmentBytes = 64 << 10 })
	ref, err := sn.Create(t.Context(), core.TicketDraft{ExternalID: "tb-a", Title: "a"})
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 2048) // 32 KiB
	if err := sn.Attach(t.Context(), ref, core.File{Name: "log.txt", ContentType: "text/plain", Size: int64(len(data))}, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	// Unknown size is fine too: the body is streamed chunked.
	if err := sn.Attach(t.Context(), ref, core.File{Name: "more.bin"}, io.LimitReader(bytes.NewReader(data), 1000)); err != nil {
		t.Fatal(err)
	}
	inc, _ := in.Incident(ref.Key)
	if len(inc.Attachments) != 2 || inc.Attachments[0].Size != int64(len(data)) || inc.Attachments[0].ContentType != "text/plain" ||
		inc.Attachments[1].ContentType != "application/octet-stream" || inc.Attachments[1].Size != 1000 {
		t.Fatalf("attachments = %+v", inc.Attachments)
	}

	big := &countingReader{r: bytes.NewReader(make([]byte, 1<<20))}
	err = sn.Attach(t.Context(), ref, core.File{Name: "big.bin", Size: 1 << 20}, big)
	if !errors.Is(err, sink.ErrTooLarge) || big.n != 0 {
		t.Fatalf("announced too large: %v, read %d", err, big.n)
	}
	// Announced as small (or not at all) but longer: cut off mid-stream.
	big = &countingReader{r: bytes.NewReader(make([]byte, 1<<20))}
	err = sn.Attach(t.Context(), ref, core.File{Name: "liar.bin"}, big)
	if !errors.Is(err, sink.ErrTooLarge) || big.n > 200<<10 {
		t.Fatalf("streamed too large: %v, read %d", err, big.n)
	}
	// The instance's own limit (413) counts as too large as well.
	sn2 := newSink(t, in, nil)
	err = sn2.Attach(t.Context(), ref, core.File{Name: "huge.bin"}, bytes.NewReader(make([]byte, 2<<20)))
	if !errors.Is(err, sink.ErrTooLarge) {
		t.Fatalf("instance limit: %v", err)
	}
	if inc, _ := in.Incident(ref.Key); len(inc.Attachments) != 2 {
		t.Fatalf("too-large files stored: %+v", inc.Attachments)
	}
}

func TestTransitionAndStatus(t *testing.T) {
	t.Parallel()
	in := servicenowfake.New(t, servicenowfake.Options{})
	sn := newSink(t, in, func(s *servicenow.Settings) { s.CloseCode = "Workaround provided" })
	ref, err := sn.Create(t.Context(), core.TicketDraft{ExternalID: "tb-t", Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		state, code, name string
	}{
		{core.StateResolved, "6", "Resolved"},
		{core.StateClosed, "7", "Closed"},
	}
	for _, st := range steps {
		if err := sn.Transition(t.Context(), ref, st.state); err != nil {
			t.Fatalf("%s: %v", st.state, err)
		}
		inc, _ := in.Incident(ref.Key)
		if inc.Fields["state"] != st.code || inc.Fields["close_code"] != "Workaround provided" || inc.Fields["close_notes"] == "" {
			t.Fatalf("%s: fields %v", st.state, inc.Fields)
		}
		got, err := sn.Status(t.Context(), ref)
		if err != nil || got != st.name {
			t.Fatalf("Status = %q, %v; want %q", got, err, st.name)
		}
	}
	if err := sn.Transition(t.Context(), ref, core.StateWaitingOnCustomer); !core.IsPermanent(err) {
		t.Fatalf("unsupported state: %v", err)
	}
}

func TestValidateMapping(t *testing.T) {
	t.Parallel()
	spec := sink.MappingSpec{Route: "support", Priorities: []string{"high", "p0"}, CustomFields: []string{"channel", "team"}}
	in := servicenowfake.New(t, servicenowfake.Options{Mandatory: []string{"u_business_service"}, Columns: []string{"u_channel"}})
	sn := newSink(t, in, func(s *servicenow.Settings) { s.CustomFields = map[string]string{"channel": "u_channel"} })
	msgs, err := sn.ValidateMapping(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`route support: priority "p0" has no urgency_map/impact_map entry`,
		`route support: custom field "team" goes to column "team", which incident does not have`,
		`route support: incident requires u_business_service (u_business_service), which the mapping does not set`,
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("messages:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}

	locked := servicenowfake.New(t, servicenowfake.Options{DictionaryForbidden: true})
	msgs, err = newSink(t, locked, nil).ValidateMapping(t.Context(), sink.MappingSpec{Route: "r", Priorities: []string{"high", "p9"}})
	if err == nil || !strings.Contains(err.Error(), "cannot read the dictionary") || !strings.Contains(err.Error(), "skipped") {
		t.Fatalf("forbidden dictionary: error %v", err)
	}
	if len(msgs) != 1 || !strings.Contains(msgs[0], `"p9"`) {
		t.Fatalf("forbidden dictionary: messages %q", msgs)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	in := servicenowfake.New(t, servicenowfake.Options{})
	if err := newSink(t, in, func(s *servicenow.Settings) { s.AssignmentGroup = "Service Desk" }).Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	tests := map[string]struct {
		change func(*servicenow.Settings)
		want   string
	}{
		"wrong password": {func(s *servicenow.Settings) { s.Password = "nope" }, "refused the credentials"},
		"unknown user":   {func(s *servicenow.Settings) { s.IntegrationUser = "ghost" }, `integration_user "ghost"`},
		"unknown group":  {func(s *servicenow.Settings) { s.AssignmentGroup = "Nobody" }, `assignment_group: find assignment group: no group named "Nobody"`},
	}
	for name, tc := range tests {
		err := newSink(t, in, tc.change).Check(t.Context())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

func TestOAuthBearer(t *testing.T) {
	t.Parallel()
	in := servicenowfake.New(t, servicenowfake.Options{Token: "tok-123"})
	sn := newSink(t, in, func(s *servicenow.Settings) {
		s.Username, s.Password, s.OAuthToken, s.IntegrationUser = "", "", "tok-123", "tb.integration"
	})
	if err := sn.Check(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// A CSAT answer goes into the configured incident columns and reads
// back; a column the table lacks (ServiceNow ignores it) is found out
// from the update's result and is permanent; without csat_field the sink
// says it has no field.
func TestSatisfactionColumns(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		score, comment string
		columns        []string
		fields         [2]bool
		want           core.Satisfaction
		wantErr        bool
	}{
		"score and comment": {score: "u_csat_score", comment: "u_csat_comment", columns: []string{"u_csat_score", "u_csat_comment"},
			fields: [2]bool{true, true}, want: core.Satisfaction{Score: 2, Comment: "slow, 太慢了"}},
		"score only":   {score: "u_csat_score", columns: []string{"u_csat_score"}, fields: [2]bool{true, false}, want: core.Satisfaction{Score: 2}},
		"not a column": {score: "u_satisfaction", columns: []string{"u_csat_score"}, fields: [2]bool{true, false}, wantErr: true},
		"no field":     {},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := servicenowfake.New(t, servicenowfake.Options{Columns: tt.columns})
			sn := newSink(t, in, func(s *servicenow.Settings) { s.CSATField, s.CSATCommentField = tt.score, tt.comment })
			if s, c := sn.SatisfactionFields(); s != tt.fields[0] || c != tt.fields[1] {
				t.Fatalf("SatisfactionFields = %v, %v; want %v", s, c, tt.fields)
			}
			ref, err := sn.Create(t.Context(), core.TicketDraft{ExternalID: "tb-csat", Title: "c"})
			if err != nil {
				t.Fatal(err)
			}
			if _, found, err := sn.Satisfaction(t.Context(), ref); err != nil || found {
				t.Fatalf("Satisfaction before an answer = %v, %v", found, err)
			}
			if !tt.fields[0] {
				return
			}
			err = sn.SetSatisfaction(t.Context(), ref, core.Satisfaction{Score: 2, Comment: "slow, 太慢了"})
			if tt.wantErr {
				if err == nil || !core.IsPermanent(err) {
					t.Fatalf("SetSatisfaction = %v, want a permanent error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, found, err := sn.Satisfaction(t.Context(), core.TicketRef{Key: ref.Key})
			if err != nil || !found || got != tt.want {
				t.Fatalf("Satisfaction = %+v, %v, %v; want %+v", got, found, err, tt.want)
			}
		})
	}
}
