package generic_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/generic"
	"github.com/ticketbridge/ticketbridge/internal/sink/generic/generictest"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

const (
	secretA = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	secretB = "whsec_c2Vjb25kLWtleS1mb3Itcm90YXRpb24="
)

func newSink(t *testing.T, s generic.Settings) *generic.Sink {
	t.Helper()
	sk, err := generic.New("desk1", s, sink.Deps{HTTP: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return sk
}

// setup starts a desk and a sink that talks to it.
func setup(t *testing.T) (*generictest.Desk, *generic.Sink) {
	t.Helper()
	desk := generictest.NewDesk(t, generictest.DeskOptions{})
	return desk, newSink(t, generic.Settings{URL: desk.URL(), Secret: desk.Secret()})
}

func draft(ext string) core.TicketDraft {
	return core.TicketDraft{
		ExternalID:  ext,
		Title:       "Charged twice",
		Description: "Ann: I was charged twice",
		Priority:    "high",
		Requester:   core.Requester{ID: "u1", Name: "Ann Lee", Email: "ann@example.com"},
		Labels:      []string{"billing"},
		Custom:      map[string]any{"plan": "pro"},
	}
}

func TestNewSettings(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		s       generic.Settings
		wantErr string
	}{
		"minimal":         {s: generic.Settings{URL: "https://desk.example.com/api/", Secret: secretA}},
		"full":            {s: generic.Settings{URL: "http://127.0.0.1:9000", Secret: secretA, WebhookSecret: secretB, Tolerance: time.Minute}},
		"missing url":     {s: generic.Settings{Secret: secretA}, wantErr: "url: required"},
		"relative url":    {s: generic.Settings{URL: "desk/api", Secret: secretA}, wantErr: "url: must be an absolute"},
		"url with query":  {s: generic.Settings{URL: "https://d/api?x=1", Secret: secretA}, wantErr: "url: must not have a query"},
		"missing secret":  {s: generic.Settings{URL: "https://d"}, wantErr: "secret: required"},
		"secret no pfx":   {s: generic.Settings{URL: "https://d", Secret: "abc"}, wantErr: "secret: must start with whsec_"},
		"bad webhook key": {s: generic.Settings{URL: "https://d", Secret: secretA, WebhookSecret: "whsec_***"}, wantErr: "webhook_secret: not valid base64"},
		"negative window": {s: generic.Settings{URL: "https://d", Secret: secretA, Tolerance: -1}, wantErr: "tolerance: must not be negative"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sk, err := generic.New("desk1", tt.s, sink.Deps{})
			if tt.wantErr == "" {
				if err != nil || sk.ID() != "desk1" {
					t.Fatalf("New = %v, %v", sk, err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want prefix %q", err, tt.wantErr)
			}
		})
	}
	if _, err := generic.Factory(config.Connector{ID: "desk1", Type: "generic"}, sink.Deps{}); err == nil || !strings.Contains(err.Error(), "url") {
		t.Fatalf("Factory with an empty entry = %v", err)
	}
}

func TestCreateFindComment(t *testing.T) {
	t.Parallel()
	desk, sk := setup(t)
	ctx := context.Background()

	ref, err := sk.Create(ctx, draft("chat1/c-42"))
	if err != nil {
		t.Fatal(err)
	}
	want := core.TicketRef{Sink: "desk1", Key: "EXT-1", URL: desk.URL() + "/browse/EXT-1", Status: "open"}
	if ref != want {
		t.Fatalf("ref = %+v, want %+v", ref, want)
	}
	stored, ok := desk.Ticket("EXT-1")
	if !ok || stored.Draft.Title != "Charged twice" || stored.Draft.Requester.Email != "ann@example.com" ||
		stored.Draft.Labels[0] != "billing" || stored.Draft.Custom["plan"] != "pro" {
		t.Fatalf("stored = %+v", stored)
	}

	got, found, err := sk.FindByExternalID(ctx, "chat1/c-42")
	if err != nil || !found || got != want {
		t.Fatalf("find = %+v %v %v", got, found, err)
	}
	// Characters that need escaping in a query survive.
	if _, err := sk.Create(ctx, draft("chat1/c 43&x=1#y")); err != nil {
		t.Fatal(err)
	}
	if got, found, err := sk.FindByExternalID(ctx, "chat1/c 43&x=1#y"); err != nil || !found || got.Key != "EXT-2" {
		t.Fatalf("find escaped = %+v %v %v", got, found, err)
	}
	if _, found, err := sk.FindByExternalID(ctx, "chat1/none"); err != nil || found {
		t.Fatalf("find missing = %v %v", found, err)
	}

	for _, c := range []core.Comment{{Body: "any news?", Public: true, Author: "Ann"}, {Body: "internal note", Public: false}} {
		if err := sk.Comment(ctx, ref, c); err != nil {
			t.Fatal(err)
		}
	}
	stored, _ = desk.Ticket("EXT-1")
	if len(stored.Comments) != 2 || stored.Comments[0] != (generic.CommentBody{Body: "any news?", Public: true, Author: "Ann"}) || stored.Comments[1].Public {
		t.Fatalf("comments = %+v", stored.Comments)
	}
	if desk.Rejected() != 0 {
		t.Fatalf("desk rejected %d requests", desk.Rejected())
	}
}

func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

func TestErrorClassification(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		failN      int
		status     int
		retryAfter string
		wrongKey   bool
		dead       bool
		call       func(ctx context.Context, sk *generic.Sink) error
		permanent  bool
		wantStatus int
		wantRetry  time.Duration
		wantMsg    string
	}{
		"400 field error": {
			call: func(ctx context.Context, sk *generic.Sink) error {
				_, err := sk.Create(ctx, core.TicketDraft{ExternalID: "x"})
				return err
			},
			permanent: true, wantStatus: 400, wantMsg: "invalid ticket (title: required)",
		},
		"429 retry after": {failN: 1, status: 429, retryAfter: "30", wantStatus: 429, wantRetry: 30 * time.Second},
		"503 retry after": {failN: 1, status: 503, retryAfter: "5", wantStatus: 503, wantRetry: 5 * time.Second},
		"500":             {failN: 1, status: 500, wantStatus: 500, wantMsg: "injected failure 500"},
		"403":             {failN: 1, status: 403, permanent: true, wantStatus: 403},
		"bad signature":   {wrongKey: true, permanent: true, wantStatus: 401, wantMsg: "bad signature: no signature matches"},
		"refused":         {dead: true, wantStatus: 0},
		"find refused": {dead: true, call: func(ctx context.Context, sk *generic.Sink) error {
			_, _, err := sk.FindByExternalID(ctx, "x")
			return err
		}},
		"find 429": {
			failN: 1, status: 429, retryAfter: "2", wantStatus: 429, wantRetry: 2 * time.Second,
			call: func(ctx context.Context, sk *generic.Sink) error {
				_, _, err := sk.FindByExternalID(ctx, "x")
				return err
			},
		},
		"comment unknown ticket": {
			call: func(ctx context.Context, sk *generic.Sink) error {
				return sk.Comment(ctx, core.TicketRef{Key: "EXT-99"}, core.Comment{Body: "x"})
			},
			permanent: true, wantStatus: 404, wantMsg: "no ticket EXT-99",
		},
		"comment 503": {
			failN: 1, status: 503, wantStatus: 503,
			call: func(ctx context.Context, sk *generic.Sink) error {
				return sk.Comment(ctx, core.TicketRef{Key: "EXT-1"}, core.Comment{Body: "x"})
			},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			desk := generictest.NewDesk(t, generictest.DeskOptions{})
			s := generic.Settings{URL: desk.URL(), Secret: desk.Secret()}
			if tt.wrongKey {
				s.Secret = secretB
			}
			if tt.dead {
				s.URL = deadURL(t)
			}
			sk := newSink(t, s)
			desk.FailNext(tt.failN, tt.status, tt.retryAfter)
			call := tt.call
			if call == nil {
				call = func(ctx context.Context, sk *generic.Sink) error {
					_, err := sk.Create(ctx, draft("chat1/c-1"))
					return err
				}
			}
			err := call(context.Background(), sk)
			var ce *core.CallError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want CallError", err)
			}
			if ce.Permanent != tt.permanent || ce.Status != tt.wantStatus || ce.RetryAfter != tt.wantRetry {
				t.Fatalf("CallError = %+v", ce)
			}
			if tt.wantMsg != "" && ce.Message != tt.wantMsg {
				t.Fatalf("message = %q, want %q", ce.Message, tt.wantMsg)
			}
			if tt.wrongKey && desk.Rejected() != 1 {
				t.Fatalf("desk rejected %d", desk.Rejected())
			}
			if len(desk.Tickets()) != 0 {
				t.Fatalf("a failed call created %d tickets", len(desk.Tickets()))
			}
		})
	}
}

// A creation whose answer is lost is transient, and the retry's lookup
// finds the ticket the first attempt made.
func TestLostCreateResponse(t *testing.T) {
	t.Parallel()
	for name, loss := range map[string]generictest.Loss{"502": generictest.LoseWith502, "hang up": generictest.LoseHangUp} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			desk, sk := setup(t)
			desk.LoseNextCreate(loss)
			ctx := context.Background()
			_, err := sk.Create(ctx, draft("chat1/c-9"))
			if err == nil || core.IsPermanent(err) {
				t.Fatalf("lost create: err = %v, want transient", err)
			}
			ref, found, err := sk.FindByExternalID(ctx, "chat1/c-9")
			if err != nil || !found || ref.Key != "EXT-1" {
				t.Fatalf("find = %+v %v %v", ref, found, err)
			}
			if n := desk.CountExternal("chat1/c-9"); n != 1 {
				t.Fatalf("%d tickets for the external id", n)
			}
		})
	}
}

func TestOddAnswers(t *testing.T) {
	t.Parallel()
	var answer string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	sk := newSink(t, generic.Settings{URL: srv.URL, Secret: secretA})
	ctx := context.Background()

	answer = `{"status":"open"}`
	if _, err := sk.Create(ctx, draft("x")); err == nil || core.IsPermanent(err) || !strings.Contains(err.Error(), "no ticket key") {
		t.Fatalf("create without key: %v", err)
	}
	// A service ignoring the filter must not hand us another ticket.
	answer = `{"tickets":[{"key":"EXT-5","external_id":"other"},{"key":"EXT-6","external_id":"x"}]}`
	if ref, found, err := sk.FindByExternalID(ctx, "x"); err != nil || !found || ref.Key != "EXT-6" {
		t.Fatalf("find filtered = %+v %v %v", ref, found, err)
	}
	answer = `{"tickets":[{"key":"EXT-5","external_id":"other"}]}`
	if _, found, err := sk.FindByExternalID(ctx, "x"); err != nil || found {
		t.Fatalf("find other = %v %v", found, err)
	}
	answer = `<html>`
	if _, _, err := sk.FindByExternalID(ctx, "x"); err == nil || core.IsPermanent(err) {
		t.Fatalf("find html = %v", err)
	}
	if err := sk.Comment(ctx, core.TicketRef{}, core.Comment{Body: "x"}); !core.IsPermanent(err) {
		t.Fatalf("comment without key = %v", err)
	}
}

func TestRequestsAreSignedAndShaped(t *testing.T) {
	t.Parallel()
	type seen struct{ method, path, query, body string }
	got := make(chan seen, 3)
	key, _ := stdwebhook.ParseSecret(secretA)
	v := stdwebhook.Verifier{Keys: []stdwebhook.Secret{key}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := v.Verify(r.Header, body); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		got <- seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, string(body)}
		io.WriteString(w, `{"key":"K-1","tickets":[]}`)
	}))
	t.Cleanup(srv.Close)
	sk := newSink(t, generic.Settings{URL: srv.URL + "/api/v2/", Secret: secretA})
	ctx := context.Background()
	if _, err := sk.Create(ctx, core.TicketDraft{ExternalID: "e", Title: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sk.FindByExternalID(ctx, "a/b c"); err != nil {
		t.Fatal(err)
	}
	if err := sk.Comment(ctx, core.TicketRef{Key: "K/1"}, core.Comment{Body: "hi", Public: true}); err != nil {
		t.Fatal(err)
	}
	want := []seen{
		{"POST", "/api/v2/tickets", "", `{"external_id":"e","title":"t","description":"","requester":{}}`},
		{"GET", "/api/v2/tickets", "external_id=a%2Fb+c", ""},
		{"POST", "/api/v2/tickets/K%2F1/comments", "", `{"body":"hi","public":true}`},
	}
	for i, w := range want {
		if g := <-got; g != w {
			t.Errorf("request %d = %+v, want %+v", i, g, w)
		}
	}
}
