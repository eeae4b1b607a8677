package servicenow_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/servicenow"
	"github.com/ticketbridge/ticketbridge/internal/sink/servicenow/servicenowfake"
)

const hookSecret = "whsecret-0123456789abcdef"

func hookSink(t testing.TB) *servicenow.Sink {
	t.Helper()
	sn, err := servicenow.New("sn", servicenow.Settings{
		URL: "https://acme.service-now.com", Username: "tb.integration", Password: "p", WebhookSecret: hookSecret,
	}, sink.Deps{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	return sn
}

// signed builds a request the business rule would send at time at.
func signed(body []byte, at time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/hooks/tickets/sn", bytes.NewReader(body))
	r.Header.Set(servicenow.HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	r.Header.Set(servicenow.HeaderSignature, servicenowfake.Signature(hookSecret, at.Unix(), body))
	return r
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "webhooks", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

type wantEvent struct {
	id       string
	kind     core.TicketEventKind
	from, to string
	body     string
	public   bool
	assignee string
	ours     bool
}

func TestParseWebhookFixtures(t *testing.T) {
	t.Parallel()
	const sid = "0123456789abcdef0123456789abcdef"
	tests := map[string][]wantEvent{
		"state_changed.json":  {{id: sid + ":3/state", kind: core.TicketStatusChanged, from: "New", to: "In Progress"}},
		"comment_public.json": {{id: sid + ":4/comments", kind: core.TicketCommentAdded, body: "We replaced the VPN gateway.", public: true}},
		"work_note.json":      {{id: sid + ":5/work_notes", kind: core.TicketCommentAdded, body: "check the firewall logs"}},
		"ours.json":           {{id: sid + ":2/comments", kind: core.TicketCommentAdded, body: "follow-up from chat", public: true, ours: true}},
		"unknown_kind.json":   {{id: sid + ":7/work_notes", kind: core.TicketCommentAdded, body: "who sees this?"}},
		"resolved_with_comment.json": {
			{id: sid + ":6/state", kind: core.TicketStatusChanged, from: "In Progress", to: "Resolved"},
			{id: sid + ":6/comments", kind: core.TicketCommentAdded, body: "Fixed, please confirm.", public: true},
			{id: sid + ":6/assigned", kind: core.TicketAssigned, assignee: "beth.agent"},
		},
	}
	sn := hookSink(t)
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body := fixture(t, name)
			evs, err := sn.ParseWebhook(signed(body, clock.Add(-time.Minute)), body)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != len(want) {
				t.Fatalf("%d events, want %d: %+v", len(evs), len(want), evs)
			}
			for i, w := range want {
				ev := evs[i]
				if ev.EventID != w.id || ev.Kind != w.kind || ev.From != w.from || ev.To != w.to || ev.Assignee != w.assignee || ev.Ours != w.ours {
					t.Errorf("event %d = %+v, want %+v", i, ev, w)
				}
				if ev.Sink != "sn" || ev.Ticket.Key != "INC0010001" || ev.Ticket.URL != "https://acme.service-now.com/incident.do?sys_id="+sid || ev.Time.IsZero() {
					t.Errorf("event %d ticket = %+v at %v", i, ev.Ticket, ev.Time)
				}
				if w.kind == core.TicketCommentAdded {
					if ev.Comment == nil || ev.Comment.Body != w.body || ev.Comment.Public != w.public {
						t.Errorf("event %d comment = %+v, want %q public=%v", i, ev.Comment, w.body, w.public)
					}
				}
			}
		})
	}
}

func TestParseWebhookRefusals(t *testing.T) {
	t.Parallel()
	sn := hookSink(t)
	body := fixture(t, "state_changed.json")
	at := clock.Add(-time.Minute)
	tests := map[string]struct {
		req  func() *http.Request
		body []byte
		want error
	}{
		"no headers": {func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		}, body, core.ErrBadSignature},
		"wrong secret": {func() *http.Request {
			r := signed(body, at)
			r.Header.Set(servicenow.HeaderSignature, servicenowfake.Signature("another-secret-entirely", at.Unix(), body))
			return r
		}, body, core.ErrBadSignature},
		"body changed": {func() *http.Request { return signed(body, at) }, append([]byte(" "), body...), core.ErrBadSignature},
		"timestamp changed": {func() *http.Request {
			r := signed(body, at)
			r.Header.Set(servicenow.HeaderTimestamp, strconv.FormatInt(at.Unix()+1, 10))
			return r
		}, body, core.ErrBadSignature},
		"no sha256 prefix": {func() *http.Request {
			r := signed(body, at)
			r.Header.Set(servicenow.HeaderSignature, r.Header.Get(servicenow.HeaderSignature)[7:])
			return r
		}, body, core.ErrBadSignature},
		"stale":           {func() *http.Request { return signed(body, clock.Add(-6*time.Minute)) }, body, core.ErrStale},
		"from the future": {func() *http.Request { return signed(body, clock.Add(6*time.Minute)) }, body, core.ErrStale},
		"not json":        {func() *http.Request { return signed([]byte("nope"), at) }, []byte("nope"), core.ErrMalformed},
		"no event id":     {func() *http.Request { return signed([]byte(`{"number":"INC1"}`), at) }, []byte(`{"number":"INC1"}`), core.ErrMalformed},
		"no number":       {func() *http.Request { return signed([]byte(`{"event_id":"x:1"}`), at) }, []byte(`{"event_id":"x:1"}`), core.ErrMalformed},
		"bad time": {func() *http.Request {
			return signed([]byte(`{"event_id":"x:1","number":"INC1","sys_updated_on":"yesterday"}`), at)
		}, []byte(`{"event_id":"x:1","number":"INC1","sys_updated_on":"yesterday"}`), core.ErrMalformed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			evs, err := sn.ParseWebhook(tc.req(), tc.body)
			if !errors.Is(err, tc.want) || evs != nil {
				t.Fatalf("error = %v, events %v; want %v", err, evs, tc.want)
			}
		})
	}
}

// Senders that compute hex instead of base64 are accepted too.
func TestParseWebhookHexSignature(t *testing.T) {
	t.Parallel()
	sn := hookSink(t)
	body := fixture(t, "state_changed.json")
	r := signed(body, clock)
	b64 := servicenow.Sign(hookSecret, clock.Unix(), body)
	if b64 != r.Header.Get(servicenow.HeaderSignature) {
		t.Fatalf("Sign = %s, the business rule's = %s", b64, r.Header.Get(servicenow.HeaderSignature))
	}
	raw := decodeB64(t, b64[len("sha256="):])
	r.Header.Set(servicenow.HeaderSignature, "sha256="+hex.EncodeToString(raw))
	if _, err := sn.ParseWebhook(r, body); err != nil {
		t.Fatal(err)
	}
}
