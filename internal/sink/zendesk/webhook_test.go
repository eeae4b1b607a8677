package zendesk_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/zendesk"
	"github.com/ticketbridge/ticketbridge/internal/sink/zendesk/zendeskfake"
)

const hookSecret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="

var clock = time.Date(2026, 11, 28, 10, 0, 30, 0, time.UTC)

func hookSink(tb testing.TB) *zendesk.Sink {
	tb.Helper()
	sk, err := zendesk.New("zd", zendesk.Settings{
		URL: "https://acme.zendesk.com", Email: "bridge@acme.com", APIToken: "t",
		WebhookSecret: hookSecret, IntegrationUserID: 9001,
	}, sink.Deps{Now: func() time.Time { return clock }})
	if err != nil {
		tb.Fatal(err)
	}
	return sk
}

func signed(body []byte, invocation string, at time.Time, secret string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/hooks/tickets/zd", bytes.NewReader(body))
	zendeskfake.SignRequest(r.Header, secret, invocation, at, body)
	return r
}

// Zendesk's documented example, checked with its static test secret.
func TestSignMatchesZendeskVector(t *testing.T) {
	t.Parallel()
	got := zendesk.Sign(hookSecret, "2021-03-25T05:09:27Z", []byte(`{"event":"ticket.updated","id":123}`))
	if got != "S/RDdU2ERmj7LHDDoWJ2onPYH+t7/f2+LTM4dL7UiLM=" {
		t.Fatalf("Sign = %s", got)
	}
}

func TestParseWebhookFixtures(t *testing.T) {
	t.Parallel()
	sk := hookSink(t)
	tests := map[string]struct {
		want core.TicketEvent
	}{
		"status_changed": {want: core.TicketEvent{Kind: core.TicketStatusChanged, To: "Pending",
			Time: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)}},
		"status_ours":    {want: core.TicketEvent{Kind: core.TicketStatusChanged, To: "Solved", Ours: true}},
		"comment_public": {want: core.TicketEvent{Kind: core.TicketCommentAdded, Comment: &core.Comment{Body: "We replaced the router.", Public: true, Author: "Kim Agent"}}},
		"comment_internal": {want: core.TicketEvent{Kind: core.TicketCommentAdded,
			Comment: &core.Comment{Body: "customer is on the legacy plan", Public: false, Author: "Kim Agent"}}},
		"comment_ours": {want: core.TicketEvent{Kind: core.TicketCommentAdded, Ours: true,
			Comment: &core.Comment{Body: "customer: still broken", Public: true, Author: "ticketbridge"}}},
		"comment_public_unclear": {want: core.TicketEvent{Kind: core.TicketCommentAdded,
			Comment: &core.Comment{Body: "placeholder left unrendered", Public: false, Author: "311"}}},
		"assigned": {want: core.TicketEvent{Kind: core.TicketAssigned, Assignee: "Kim Agent"}},
		"priority_changed": {want: core.TicketEvent{Kind: core.TicketPriorityChanged, Priority: "high",
			Time: time.Date(2026, 11, 28, 10, 5, 0, 0, time.UTC)}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(filepath.Join("testdata", "webhooks", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			evs, err := sk.ParseWebhook(signed(body, "inv-"+name, clock.Add(-10*time.Second), hookSecret), body)
			if err != nil || len(evs) != 1 {
				t.Fatalf("ParseWebhook = %v, %v", evs, err)
			}
			ev, w := evs[0], tt.want
			if w.Time.IsZero() {
				w.Time = clock.Add(-10 * time.Second)
			}
			if ev.Sink != "zd" || ev.EventID != "inv-"+name || ev.Ticket.Key != "42" || ev.Ticket.URL != "https://acme.zendesk.com/agent/tickets/42" {
				t.Errorf("identity = %+v", ev)
			}
			if name != "comment_public_unclear" && ev.ExternalID != "tb-7" {
				t.Errorf("external id = %q", ev.ExternalID)
			}
			if ev.Kind != w.Kind || ev.To != w.To || ev.Ours != w.Ours || ev.Assignee != w.Assignee || ev.Priority != w.Priority || !ev.Time.Equal(w.Time) {
				t.Errorf("event = %+v\nwant    %+v", ev, w)
			}
			if (ev.Comment == nil) != (w.Comment == nil) || (w.Comment != nil && *ev.Comment != *w.Comment) {
				t.Errorf("comment = %+v, want %+v", ev.Comment, w.Comment)
			}
		})
	}
}

func TestParseWebhookRefusals(t *testing.T) {
	t.Parallel()
	sk := hookSink(t)
	body := []byte(`{"kind":"status_changed","ticket":{"id":"42","status":"Open"}}`)
	tests := map[string]struct {
		req  func() *http.Request
		body []byte
		want error
	}{
		"unsigned": {req: func() *http.Request { return httptest.NewRequest("POST", "/", bytes.NewReader(body)) }, want: core.ErrBadSignature},
		"wrong secret": {req: func() *http.Request {
			return signed(body, "i", clock, "another-secret")
		}, want: core.ErrBadSignature},
		"body changed": {req: func() *http.Request { return signed([]byte(`{}`), "i", clock, hookSecret) }, want: core.ErrBadSignature},
		"timestamp changed": {req: func() *http.Request {
			r := signed(body, "i", clock, hookSecret)
			r.Header.Set(zendesk.HeaderTimestamp, clock.Add(time.Second).Format(time.RFC3339))
			return r
		}, want: core.ErrBadSignature},
		"not base64": {req: func() *http.Request {
			r := signed(body, "i", clock, hookSecret)
			r.Header.Set(zendesk.HeaderSignature, "%%%")
			return r
		}, want: core.ErrBadSignature},
		"stale":          {req: func() *http.Request { return signed(body, "i", clock.Add(-6*time.Minute), hookSecret) }, want: core.ErrStale},
		"future":         {req: func() *http.Request { return signed(body, "i", clock.Add(6*time.Minute), hookSecret) }, want: core.ErrStale},
		"no kind":        {body: []byte(`{"ticket":{"id":"1"}}`), want: core.ErrMalformed},
		"unknown kind":   {body: []byte(`{"kind":"deleted","ticket":{"id":"1"}}`), want: core.ErrMalformed},
		"no ticket id":   {body: []byte(`{"kind":"assigned","ticket":{"id":""}}`), want: core.ErrMalformed},
		"no status":      {body: []byte(`{"kind":"status_changed","ticket":{"id":"1"}}`), want: core.ErrMalformed},
		"empty comment":  {body: []byte(`{"kind":"comment_added","ticket":{"id":"1"},"comment":{"body":" "}}`), want: core.ErrMalformed},
		"object as id":   {body: []byte(`{"kind":"assigned","ticket":{"id":{"x":1}}}`), want: core.ErrMalformed},
		"not json":       {body: []byte(`kind=status`), want: core.ErrMalformed},
		"array as kind":  {body: []byte(`{"kind":["status_changed"],"ticket":{"id":"1"}}`), want: core.ErrMalformed},
		"negative id":    {body: []byte(`{"kind":"assigned","ticket":{"id":-4}}`), want: core.ErrMalformed},
		"comment no obj": {body: []byte(`{"kind":"comment_added","ticket":{"id":"1"}}`), want: core.ErrMalformed},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var r *http.Request
			b := body
			if tt.body != nil {
				b = tt.body
				r = signed(b, "i", clock, hookSecret)
			} else {
				r = tt.req()
			}
			evs, err := sk.ParseWebhook(r, b)
			if !errors.Is(err, tt.want) || evs != nil {
				t.Fatalf("ParseWebhook = %v, %v; want %v", evs, err, tt.want)
			}
		})
	}
}

// Without Zendesk's invocation id the event id is a hash of the body:
// the same body twice is one event, another body another.
func TestWebhookIDWithoutInvocationHeader(t *testing.T) {
	t.Parallel()
	sk := hookSink(t)
	id := func(body string) string {
		r := signed([]byte(body), "x", clock, hookSecret)
		r.Header.Del(zendesk.HeaderInvocation)
		evs, err := sk.ParseWebhook(r, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return evs[0].EventID
	}
	a := `{"kind":"status_changed","ticket":{"id":"1","status":"Open"}}`
	b := `{"kind":"status_changed","ticket":{"id":"1","status":"Solved"}}`
	if again := id(a); id(a) != again || id(a) == id(b) || !strings.HasPrefix(id(a), "sha256:") {
		t.Fatalf("ids %q %q", id(a), id(b))
	}
}
