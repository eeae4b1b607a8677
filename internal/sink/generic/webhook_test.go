package generic_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/generic"
	"github.com/ticketbridge/ticketbridge/internal/sink/generic/generictest"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

var clock = time.Date(2026, 11, 28, 10, 0, 30, 0, time.UTC)

func hookSink(t testing.TB) *generic.Sink {
	t.Helper()
	sk, err := generic.New("desk1", generic.Settings{URL: "https://desk.example.com", Secret: secretA, WebhookSecret: secretB, Tolerance: time.Minute},
		sink.Deps{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

func hookRequest(t testing.TB, secret, id string, ts time.Time, body []byte) *http.Request {
	t.Helper()
	k, err := stdwebhook.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/hooks/tickets/desk1", bytes.NewReader(body))
	stdwebhook.SetHeaders(r.Header, k, id, ts, body)
	return r
}

func TestParseWebhookFixtures(t *testing.T) {
	t.Parallel()
	sk := hookSink(t)
	at := clock.Add(-20 * time.Second)
	tests := map[string]core.TicketEvent{
		"status_changed": {Kind: core.TicketStatusChanged, From: "open", To: "pending", ExternalID: "chat1/c-42",
			Ticket: core.TicketRef{Sink: "desk1", Key: "EXT-1", URL: "https://desk.example.com/EXT-1", Status: "pending"}},
		"comment_public": {Kind: core.TicketCommentAdded, ExternalID: "chat1/c-42", Time: time.Date(2026, 11, 28, 10, 0, 5, 0, time.UTC),
			Ticket:  core.TicketRef{Sink: "desk1", Key: "EXT-1", Status: "open"},
			Comment: &core.Comment{Body: "We refunded the second charge.", Public: true, Author: "Bo (support)"}},
		"comment_internal": {Kind: core.TicketCommentAdded, Ticket: core.TicketRef{Sink: "desk1", Key: "EXT-1"},
			Comment: &core.Comment{Body: "customer is on the pro plan", Author: "Bo"}},
		"comment_ours": {Kind: core.TicketCommentAdded, Ticket: core.TicketRef{Sink: "desk1", Key: "EXT-1"}, Ours: true,
			Comment: &core.Comment{Body: "Ann: any news?", Public: true, Author: "ticketbridge"}},
		"assigned": {Kind: core.TicketAssigned, Assignee: "agent-7", Ticket: core.TicketRef{Sink: "desk1", Key: "EXT-2", Status: "open"}},
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(filepath.Join("testdata", "webhooks", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			evs, err := sk.ParseWebhook(hookRequest(t, secretB, "msg_"+name, at, body), body)
			if err != nil {
				t.Fatal(err)
			}
			want.Sink, want.EventID = "desk1", "msg_"+name
			if want.Time.IsZero() {
				want.Time = at
			}
			if len(evs) != 1 {
				t.Fatalf("%d events", len(evs))
			}
			got := evs[0]
			if (got.Comment == nil) != (want.Comment == nil) || (got.Comment != nil && *got.Comment != *want.Comment) {
				t.Fatalf("comment = %+v, want %+v", got.Comment, want.Comment)
			}
			got.Comment, want.Comment = nil, nil
			if got != want {
				t.Fatalf("event =\n %+v\nwant\n %+v", got, want)
			}
		})
	}
}

func TestParseWebhookRefusals(t *testing.T) {
	t.Parallel()
	sk := hookSink(t)
	good := []byte(`{"type":"ticket.assigned","ticket":{"key":"EXT-1"},"assignee":"a"}`)
	tests := map[string]struct {
		body   string
		secret string
		ts     time.Time
		unsign bool
		want   error
		reason string
	}{
		"request secret is not webhook secret": {body: string(good), secret: secretA, want: core.ErrBadSignature, reason: "no signature matches"},
		"unsigned":                             {body: string(good), unsign: true, want: core.ErrBadSignature, reason: "missing webhook-id"},
		"stale":                                {body: string(good), ts: clock.Add(-61 * time.Second), want: core.ErrStale},
		"future":                               {body: string(good), ts: clock.Add(61 * time.Second), want: core.ErrStale},
		"not json":                             {body: `{"type"`, want: core.ErrMalformed, reason: "body: not a JSON object"},
		"array":                                {body: `[]`, want: core.ErrMalformed, reason: "body: not a JSON object"},
		"missing type":                         {body: `{"ticket":{"key":"EXT-1"}}`, want: core.ErrMalformed, reason: "type: missing"},
		"unknown type":                         {body: `{"type":"ticket.deleted","ticket":{"key":"EXT-1"}}`, want: core.ErrMalformed, reason: `type: unknown "ticket.deleted"`},
		"missing key":                          {body: `{"type":"ticket.assigned","ticket":{}}`, want: core.ErrMalformed, reason: "ticket.key: missing"},
		"status without to":                    {body: `{"type":"ticket.status_changed","ticket":{"key":"EXT-1"},"from":"open"}`, want: core.ErrMalformed, reason: "to: missing"},
		"comment no body":                      {body: `{"type":"ticket.comment_added","ticket":{"key":"EXT-1"},"comment":{"public":true}}`, want: core.ErrMalformed, reason: "comment.body: missing"},
		"comment absent":                       {body: `{"type":"ticket.comment_added","ticket":{"key":"EXT-1"}}`, want: core.ErrMalformed, reason: "comment.body: missing"},
		"bad time":                             {body: `{"type":"ticket.assigned","ticket":{"key":"EXT-1"},"time":"noon"}`, want: core.ErrMalformed, reason: "time: not RFC 3339"},
		"wrong field type":                     {body: `{"type":"ticket.comment_added","ticket":{"key":"EXT-1"},"comment":{"body":"x","public":"yes"}}`, want: core.ErrMalformed, reason: "comment.public: must be bool"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			secret := tt.secret
			if secret == "" {
				secret = secretB
			}
			ts := tt.ts
			if ts.IsZero() {
				ts = clock
			}
			body := []byte(tt.body)
			r := hookRequest(t, secret, "msg_1", ts, body)
			if tt.unsign {
				r.Header = http.Header{}
			}
			evs, err := sk.ParseWebhook(r, body)
			if !errors.Is(err, tt.want) || evs != nil {
				t.Fatalf("ParseWebhook = %v, %v; want %v", evs, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("err = %q, want reason %q", err, tt.reason)
			}
		})
	}
}

// The desk's webhooks, sent over HTTP, parse into the events they describe.
func TestDeskWebhooksEndToEnd(t *testing.T) {
	t.Parallel()
	hookSecret, _ := stdwebhook.NewSecret()
	desk := generictest.NewDesk(t, generictest.DeskOptions{WebhookSecret: hookSecret})
	sk := newSink(t, generic.Settings{URL: desk.URL(), Secret: desk.Secret(), WebhookSecret: hookSecret})
	ctx := context.Background()
	ref, err := sk.Create(ctx, draft("chat1/c-42"))
	if err != nil {
		t.Fatal(err)
	}

	got := make(chan core.TicketEvent, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hooks/tickets/desk1" {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		evs, err := sk.ParseWebhook(r, body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		for _, ev := range evs {
			got <- ev
		}
	}))
	t.Cleanup(srv.Close)

	send := func(resp *http.Response, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	send(desk.SendStatusChange(ctx, srv.URL, "desk1", ref.Key, "pending"))
	ev := <-got
	if ev.Kind != core.TicketStatusChanged || ev.From != "open" || ev.To != "pending" || ev.Ticket.Key != ref.Key ||
		ev.ExternalID != "chat1/c-42" || ev.Ours || !strings.HasPrefix(ev.EventID, "msg_") {
		t.Fatalf("status event %+v", ev)
	}
	if tk, _ := desk.Ticket(ref.Key); tk.Status != "pending" {
		t.Fatalf("desk status %q", tk.Status)
	}

	send(desk.SendComment(ctx, srv.URL, "desk1", ref.Key, generic.CommentBody{Body: "refunded", Public: true, Author: "Bo"}))
	send(desk.SendComment(ctx, srv.URL, "desk1", ref.Key, generic.CommentBody{Body: "note", Public: false, Author: "Bo"}))
	pub, internal := <-got, <-got
	if pub.Comment == nil || !pub.Comment.Public || pub.Comment.Body != "refunded" || internal.Comment == nil || internal.Comment.Public {
		t.Fatalf("comments %+v %+v", pub.Comment, internal.Comment)
	}

	send(desk.SendWebhookWithID(ctx, srv.URL, "desk1", "msg_fixed", generic.Webhook{
		Type: generic.TypeCommentAdded, Ticket: generic.Ticket{Key: ref.Key},
		Comment: &generic.CommentBody{Body: "from us", Public: true}, Origin: generic.OriginUs,
	}))
	if ours := <-got; !ours.Ours || ours.EventID != "msg_fixed" {
		t.Fatalf("ours %+v", ours)
	}

	// A desk signing with another key is refused.
	other := generictest.NewDesk(t, generictest.DeskOptions{})
	resp, err := other.SendWebhook(ctx, srv.URL, "desk1", generic.Webhook{Type: generic.TypeAssigned, Ticket: generic.Ticket{Key: "EXT-1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("foreign desk: status %d", resp.StatusCode)
	}
	if _, err := desk.SendStatusChange(ctx, srv.URL, "desk1", "EXT-404", "x"); err == nil {
		t.Fatal("status change of a missing ticket sent")
	}
}
