package generic_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/generic"
	"github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Fixed secrets keep fixtures and goldens stable.
const (
	secretA = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	secretB = "whsec_c2Vjb25kLWtleS1mb3Itcm90YXRpb24="
	secretC = "whsec_dGhpcmQta2V5LW5vdC1hY2NlcHRlZA=="
)

var clock = time.Date(2026, 11, 28, 10, 0, 30, 0, time.UTC)

func fixedNow() time.Time { return clock }

func newSource(t *testing.T, s generic.Settings) *generic.Source {
	t.Helper()
	src, err := generic.New("chat1", s, source.Deps{Now: fixedNow, HTTP: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return src
}

func key(t testing.TB, s string) stdwebhook.Secret {
	t.Helper()
	k, err := stdwebhook.ParseSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signed builds an inbound request as the chat system would send it.
func signed(t testing.TB, secret, id string, ts time.Time, body []byte) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/hooks/im/chat1", bytes.NewReader(body))
	stdwebhook.SetHeaders(r.Header, key(t, secret), id, ts, body)
	return r
}

func TestNewSettings(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		s       generic.Settings
		wantErr string
	}{
		"minimal":           {s: generic.Settings{Secret: secretA}},
		"full":              {s: generic.Settings{Secret: secretA, Secrets: []string{secretB}, ReplyURL: "https://chat.example.com/r", ReplySecret: secretC, Tolerance: time.Minute}},
		"missing secret":    {s: generic.Settings{}, wantErr: "secret: required"},
		"secret no prefix":  {s: generic.Settings{Secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, wantErr: "secret: must start with whsec_"},
		"secret bad base64": {s: generic.Settings{Secret: "whsec_%%%"}, wantErr: "secret: not valid base64"},
		"bad rotation key":  {s: generic.Settings{Secret: secretA, Secrets: []string{secretB, "nope"}}, wantErr: "secrets[1]: must start with whsec_"},
		"bad reply secret":  {s: generic.Settings{Secret: secretA, ReplySecret: "whsec_"}, wantErr: "reply_secret: key is empty"},
		"relative reply":    {s: generic.Settings{Secret: secretA, ReplyURL: "/replies"}, wantErr: "reply_url: must be an absolute"},
		"ftp reply":         {s: generic.Settings{Secret: secretA, ReplyURL: "ftp://x/y"}, wantErr: "reply_url: must be an absolute"},
		"negative window":   {s: generic.Settings{Secret: secretA, Tolerance: -time.Second}, wantErr: "tolerance: must not be negative"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := generic.New("chat1", tt.s, source.Deps{})
			if tt.wantErr == "" {
				if err != nil || src.ID() != "chat1" {
					t.Fatalf("New = %v, %v", src, err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want prefix %q", err, tt.wantErr)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	src := newSource(t, generic.Settings{Secret: secretA, Secrets: []string{secretB}, Tolerance: time.Minute})
	body := []byte(`{"type":"message"}`)
	tests := map[string]struct {
		secret string
		ts     time.Time
		want   error
	}{
		"primary key":    {secret: secretA, ts: clock},
		"rotation key":   {secret: secretB, ts: clock},
		"unknown key":    {secret: secretC, ts: clock, want: core.ErrBadSignature},
		"inside window":  {secret: secretA, ts: clock.Add(-time.Minute)},
		"outside window": {secret: secretA, ts: clock.Add(-time.Minute - time.Second), want: core.ErrStale},
		"future outside": {secret: secretA, ts: clock.Add(61 * time.Second), want: core.ErrStale},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := src.Verify(signed(t, tt.secret, "msg_1", tt.ts, body), body)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("unsigned", func(t *testing.T) {
		t.Parallel()
		r := httptest.NewRequest(http.MethodPost, "/hooks/im/chat1", bytes.NewReader(body))
		if err := src.Verify(r, body); !errors.Is(err, core.ErrBadSignature) {
			t.Fatalf("Verify = %v", err)
		}
	})
}

func TestParseGolden(t *testing.T) {
	t.Parallel()
	src := newSource(t, generic.Settings{Secret: secretA})
	inputs, err := filepath.Glob("testdata/parse/*.json")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			// The delivery is a little older than the clock: events
			// without a time must take the delivery's, not the clock's.
			r := signed(t, secretA, "msg_"+name, clock.Add(-10*time.Second), body)
			if err := src.Verify(r, body); err != nil {
				t.Fatal(err)
			}
			got, err := src.Parse(context.Background(), r, body)
			if err != nil {
				t.Fatal(err)
			}
			if got.Reply != nil {
				t.Fatalf("unexpected reply %+v", got.Reply)
			}
			out, err := json.MarshalIndent(got.Events, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, '\n')
			golden := filepath.Join("testdata", "parse", name+".golden")
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(out, want) {
				t.Fatalf("events differ from %s:\n%s", golden, out)
			}
		})
	}
}

func TestParseRawAndIDs(t *testing.T) {
	t.Parallel()
	src := newSource(t, generic.Settings{Secret: secretA})
	single := []byte(`{"type":"message","conversation":{"id":"c"},"sender":{"id":"u"},"text":"x"}`)
	in, err := src.Parse(context.Background(), signed(t, secretA, "msg_s", clock, single), single)
	if err != nil {
		t.Fatal(err)
	}
	if ev := in.Events[0]; ev.EventID != "msg_s" || !bytes.Equal(ev.Raw, single) || !ev.Time.Equal(clock) {
		t.Fatalf("single: id %q raw %s time %s", ev.EventID, ev.Raw, ev.Time)
	}

	e0 := `{"type":"message","conversation":{"id":"c"},"sender":{"id":"u"},"text":"one"}`
	e1 := `{"type":"message","conversation":{"id":"c"},"sender":{"id":"u"},"text":"two"}`
	batch := []byte(`{"events":[` + e0 + `, ` + e1 + `]}`)
	in, err = src.Parse(context.Background(), signed(t, secretA, "msg_b", clock, batch), batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Events) != 2 {
		t.Fatalf("%d events", len(in.Events))
	}
	for i, want := range []string{e0, e1} {
		ev := in.Events[i]
		if ev.EventID != "msg_b#"+string(rune('0'+i)) || string(ev.Raw) != want {
			t.Fatalf("event %d: id %q raw %s", i, ev.EventID, ev.Raw)
		}
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	src := newSource(t, generic.Settings{Secret: secretA})
	ok := `"conversation":{"id":"c"},"sender":{"id":"u"}`
	tests := map[string]struct {
		body, reason string
	}{
		"not json":            {`{"type":`, "body: invalid JSON"},
		"not an object":       {`["message"]`, "body: must be a JSON object"},
		"missing type":        {`{` + ok + `,"text":"x"}`, "type: missing"},
		"unknown type":        {`{"type":"poke",` + ok + `}`, `type: unknown "poke"`},
		"missing conv":        {`{"type":"message","sender":{"id":"u"},"text":"x"}`, "conversation.id: missing"},
		"missing sender":      {`{"type":"message","conversation":{"id":"c"},"text":"x"}`, "sender.id: missing"},
		"empty message":       {`{"type":"message",` + ok + `,"text":"  "}`, "text: empty message without attachments"},
		"unknown role":        {`{"type":"message","conversation":{"id":"c"},"sender":{"id":"u","role":"boss"},"text":"x"}`, `sender.role: unknown "boss"`},
		"attachment no id":    {`{"type":"message",` + ok + `,"attachments":[{"name":"a.png"}]}`, "attachments[0].id: missing"},
		"command no name":     {`{"type":"command",` + ok + `}`, "command: a command event needs command or action"},
		"bad time":            {`{"type":"message",` + ok + `,"text":"x","time":"yesterday"}`, "time: not RFC 3339"},
		"wrong field type":    {`{"type":"message","conversation":{"id":42},"sender":{"id":"u"},"text":"x"}`, "conversation.id: must be string"},
		"events not array":    {`{"events":{"a":1}}`, "events: must be an array"},
		"events empty":        {`{"events":[]}`, "events: empty"},
		"bad batch element":   {`{"events":[{"type":"message",` + ok + `,"text":"x"},{"type":"message","conversation":{"id":"c"},"text":"x"}]}`, "events[1].sender.id: missing"},
		"batch element typed": {`{"events":[{"type":"message","conversation":{"id":"c"},"sender":"u"}]}`, "events[0].sender: must be"},
		"batch too big":       {`{"events":[` + strings.Repeat(`{},`, generic.MaxBatch) + `{}]}`, "at most 500"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body := []byte(tt.body)
			_, err := src.Parse(context.Background(), signed(t, secretA, "msg_x", clock, body), body)
			if !errors.Is(err, core.ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("err = %q, want reason %q", err, tt.reason)
			}
		})
	}
	t.Run("no webhook-id", func(t *testing.T) {
		t.Parallel()
		body := []byte(`{"type":"message",` + ok + `,"text":"x"}`)
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		if _, err := src.Parse(context.Background(), r, body); !errors.Is(err, core.ErrMalformed) || !strings.Contains(err.Error(), "webhook-id") {
			t.Fatalf("err = %v", err)
		}
	})
}

// Send must produce requests the source accepts, end to end through an
// HTTP server standing in for ticketbridge's ingress.
func TestSendThroughServer(t *testing.T) {
	t.Parallel()
	src, err := generic.New("chat1", generic.Settings{Secret: secretA}, source.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan core.Event, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hooks/im/chat1" {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if err := src.Verify(r, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		in, err := src.Parse(r.Context(), r, body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, ev := range in.Events {
			got <- ev
		}
	}))
	t.Cleanup(srv.Close)

	ctx := context.Background()
	resp, err := generictest.Send(ctx, srv.URL, "chat1", key(t, secretA), generictest.Message("c-1", "u-1", "refund please"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	ev := <-got
	if ev.Text != "refund please" || ev.Conversation.Conversation != "c-1" || ev.Sender.Role != core.RoleCustomer || !strings.HasPrefix(ev.EventID, "msg_") {
		t.Fatalf("event %+v", ev)
	}

	resp, err = generictest.Send(ctx, srv.URL, "chat1", key(t, secretC), generictest.Message("c-1", "u-1", "x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong key: status %d", resp.StatusCode)
	}

	resp, err = generictest.Send(ctx, srv.URL, "chat1", key(t, secretA), []byte(`{"type":"message"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("malformed: status %d", resp.StatusCode)
	}
}

func TestFetchAttachment(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/files/a1" {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		io.WriteString(w, "\x89PNG fake")
	}))
	t.Cleanup(srv.Close)
	src := newSource(t, generic.Settings{Secret: secretA})
	rc, info, err := src.FetchAttachment(context.Background(), core.Attachment{ID: "a1", URL: srv.URL + "/files/a1"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	if string(data) != "\x89PNG fake" || info.ContentType != "image/png" || info.Size != int64(len(data)) {
		t.Fatalf("got %q %+v", data, info)
	}
	_, _, err = src.FetchAttachment(context.Background(), core.Attachment{ID: "a2", URL: srv.URL + "/files/a2"})
	if d, ok := core.RetryAfterOf(err); !ok || d != 3*time.Second {
		t.Fatalf("err = %v", err)
	}
	_, _, err = src.FetchAttachment(context.Background(), core.Attachment{ID: "a3", URL: "file:///etc/passwd"})
	if !core.IsPermanent(err) {
		t.Fatalf("file url: err = %v", err)
	}
}

func TestFactoryUsesDecode(t *testing.T) {
	t.Parallel()
	// The config loader's Decode fills Settings; with an empty entry the
	// required secret is missing, and the error must say so.
	_, err := generic.Factory(configConnector(), source.Deps{})
	if err == nil || !strings.Contains(err.Error(), "secret") {
		t.Fatalf("Factory = %v", err)
	}
}
