package jira_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
	"github.com/ticketbridge/ticketbridge/internal/sink/jira"
)

const hookSecret = "hook-secret"

// hookTime is the fixtures' timestamp (1900000000000 ms).
var hookTime = time.UnixMilli(1900000000000).UTC()

func hookSink(tb testing.TB, now time.Time) *jira.Sink {
	tb.Helper()
	s := jira.Settings{URL: "https://acme.atlassian.net", Email: "a@b.c", APIToken: "t", Project: "OPS",
		WebhookSecret: hookSecret, IntegrationAccountID: "tb-bot"}
	sk, err := jira.New("jira1", s, sink.Deps{Now: func() time.Time { return now }})
	if err != nil {
		tb.Fatal(err)
	}
	return sk
}

func hookRequest(body []byte, sig, id string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/hooks/tickets/jira1", bytes.NewReader(body))
	if sig != "" {
		r.Header.Set(jira.HeaderSignature, sig)
	}
	if id != "" {
		r.Header.Set(jira.HeaderIdentifier, id)
	}
	return r
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "webhooks", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWebhookSignature(t *testing.T) {
	t.Parallel()
	body := fixture(t, "status.json")
	cases := map[string]struct {
		sig  string
		now  time.Time
		want error
	}{
		"valid":       {jira.Sign(hookSecret, body), hookTime.Add(time.Minute), nil},
		"missing":     {"", hookTime, core.ErrBadSignature},
		"other key":   {jira.Sign("other", body), hookTime, core.ErrBadSignature},
		"sha1":        {"sha1=" + strings.TrimPrefix(jira.Sign(hookSecret, body), "sha256="), hookTime, core.ErrBadSignature},
		"not hex":     {"sha256=zz", hookTime, core.ErrBadSignature},
		"truncated":   {jira.Sign(hookSecret, body)[:40], hookTime, core.ErrBadSignature},
		"stale":       {jira.Sign(hookSecret, body), hookTime.Add(2 * time.Hour), core.ErrStale},
		"from future": {jira.Sign(hookSecret, body), hookTime.Add(-10 * time.Minute), core.ErrStale},
		"late retry":  {jira.Sign(hookSecret, body), hookTime.Add(40 * time.Minute), nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			evs, err := hookSink(t, tc.now).ParseWebhook(hookRequest(body, tc.sig, "wh-1"), body)
			if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			if err == nil && len(evs) == 0 {
				t.Fatal("no events")
			}
		})
	}
	// A changed body under the old signature is refused.
	tampered := bytes.Replace(body, []byte("In Progress"), []byte("Done!"), -1)
	if _, err := hookSink(t, hookTime).ParseWebhook(hookRequest(tampered, jira.Sign(hookSecret, body), "x"), tampered); !errors.Is(err, core.ErrBadSignature) {
		t.Fatalf("tampered body: %v", err)
	}
}

// summary renders events compactly for comparison.
func summarize(evs []core.TicketEvent) string {
	var parts []string
	for _, ev := range evs {
		s := ev.EventID + " " + string(ev.Kind) + " " + ev.Ticket.Key + " ext=" + ev.ExternalID + " status=" + ev.Ticket.Status
		switch ev.Kind {
		case core.TicketStatusChanged:
			s += " " + ev.From + "→" + ev.To
		case core.TicketCommentAdded:
			vis := "internal"
			if ev.Comment.Public {
				vis = "public"
			}
			s += " " + vis + " by " + ev.Comment.Author + ": " + strings.ReplaceAll(ev.Comment.Body, "\n", "⏎")
		case core.TicketAssigned:
			s += " to " + ev.Assignee
		case core.TicketPriorityChanged:
			s += " priority " + ev.Priority
		}
		if ev.Ours {
			s += " OURS"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " | ")
}

func TestParseWebhookEvents(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"status.json":                       "wh status_changed OPS-7 ext=tb-link7 status=In Progress To Do→In Progress | wh/1 assigned OPS-7 ext=tb-link7 status=In Progress to Kim Agent",
		"status_ours.json":                  "wh status_changed OPS-7 ext=tb-link7 status=Done In Progress→Done OURS",
		"comment_public.json":               "wh comment_added OPS-7 ext=tb-link7 status=In Progress public by Kim Agent: Hello @Ann⏎we replaced the gateway",
		"comment_internal_mislabelled.json": "wh comment_added OPS-7 ext= status= internal by Kim Agent: check the logs first",
		"comment_jsd_private.json":          "wh comment_added OPS-7 ext= status= internal by Kim Agent: plain string body",
		"comment_role.json":                 "wh comment_added OPS-7 ext= status= internal by Kim Agent: admins only",
		"comment_ours.json":                 "wh comment_added OPS-7 ext= status= public by ticketbridge: customer wrote: thanks OURS",
		"assigned.json":                     "wh assigned OPS-7 ext= status= to Lee",
		"priority.json":                     "wh priority_changed OPS-7 ext=tb-link7 status= priority urgent",
		"priority_unmapped.json":            "wh priority_changed OPS-7 ext= status= priority Blocker OURS",
		"created.json":                      "",
	}
	sk := hookSink(t, hookTime)
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body := fixture(t, name)
			evs, err := sk.ParseWebhook(hookRequest(body, jira.Sign(hookSecret, body), "wh"), body)
			if err != nil {
				t.Fatal(err)
			}
			// Event ids are the hash of the signed body, not the header.
			sum := sha256.Sum256(body)
			want := strings.ReplaceAll(" "+want, " wh", " body-"+hex.EncodeToString(sum[:16]))[1:]
			if got := summarize(evs); got != want {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
			for _, ev := range evs {
				if ev.Sink != "jira1" || !ev.Time.Equal(hookTime) || ev.Ticket.URL != "https://acme.atlassian.net/browse/OPS-7" {
					t.Fatalf("event %+v", ev)
				}
			}
		})
	}
}

func TestParseWebhookIdentity(t *testing.T) {
	t.Parallel()
	sk := hookSink(t, hookTime)
	body := fixture(t, "comment_public.json")
	sig := jira.Sign(hookSecret, body)
	a, _ := sk.ParseWebhook(hookRequest(body, sig, ""), body)
	b, _ := sk.ParseWebhook(hookRequest(body, sig, ""), body)
	if len(a) != 1 || a[0].EventID != b[0].EventID || !strings.HasPrefix(a[0].EventID, "body-") {
		t.Fatalf("hash ids %v %v", a, b)
	}
	for name, file := range map[string]string{"no key": "no_key.json", "not json": ""} {
		body := fixture(t, "no_key.json")
		if file == "" {
			body = []byte("[1,2")
		}
		_, err := sk.ParseWebhook(hookRequest(body, jira.Sign(hookSecret, body), "x"), body)
		if !errors.Is(err, core.ErrMalformed) {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// FuzzParseWebhook: no panics, only the documented refusals, and every
// event usable downstream; internal markers never come out public.
func FuzzParseWebhook(f *testing.F) {
	for _, name := range []string{"status.json", "comment_internal_mislabelled.json", "assigned.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "webhooks", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, true)
	}
	f.Add([]byte(`{"webhookEvent":"comment_created","issue":{"key":"A-1"},"comment":{"body":{"type":"doc","content":[{"type":"text","text":"x"}]},"visibility":{"type":"group"}}}`), true)
	f.Add([]byte(`null`), false)
	sk := hookSink(f, hookTime)
	f.Fuzz(func(t *testing.T, body []byte, signIt bool) {
		sig := ""
		if signIt {
			sig = jira.Sign(hookSecret, body)
		}
		evs, err := sk.ParseWebhook(hookRequest(body, sig, "fz"), body)
		if err != nil {
			if !errors.Is(err, core.ErrBadSignature) && !errors.Is(err, core.ErrStale) && !errors.Is(err, core.ErrMalformed) {
				t.Fatalf("unexpected error class: %v", err)
			}
			if !signIt && !errors.Is(err, core.ErrBadSignature) {
				t.Fatalf("unsigned body got past verification: %v", err)
			}
			return
		}
		if !signIt {
			t.Fatal("unsigned body accepted")
		}
		var raw struct {
			Comment *struct {
				Visibility json.RawMessage `json:"visibility"`
				JSDPublic  *bool           `json:"jsdPublic"`
			} `json:"comment"`
		}
		json.Unmarshal(body, &raw)
		for _, ev := range evs {
			if ev.Sink != "jira1" || ev.EventID == "" || ev.Ticket.Key == "" || ev.Kind == "" || ev.Time.IsZero() {
				t.Fatalf("incomplete event %+v", ev)
			}
			switch ev.Kind {
			case core.TicketStatusChanged:
				if ev.To == "" {
					t.Fatalf("status change without to: %+v", ev)
				}
			case core.TicketCommentAdded:
				if ev.Comment == nil || ev.Comment.Body == "" {
					t.Fatalf("comment without body: %+v", ev)
				}
				if ev.Comment.Public && raw.Comment != nil && raw.Comment.JSDPublic != nil && !*raw.Comment.JSDPublic {
					t.Fatalf("jsdPublic false came out public")
				}
			}
		}
	})
}
