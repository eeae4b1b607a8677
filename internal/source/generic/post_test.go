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

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/generic"
	"github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String() + "/replies"
	l.Close()
	return u
}

func TestPost(t *testing.T) {
	t.Parallel()
	to := core.ConversationRef{Source: "chat1", Conversation: "c-42", Thread: "t-1"}

	t.Run("delivers signed reply with prompt", func(t *testing.T) {
		t.Parallel()
		chat := generictest.NewChat(t, "")
		chat.SetClock(fixedNow)
		src := newSource(t, generic.Settings{Secret: secretA, ReplyURL: chat.URL(), ReplySecret: chat.Secret()})
		prompt := &core.Prompt{Token: "p-1", Confirm: "Yes", Reject: "No"}
		ref, err := src.Post(context.Background(), to, core.OutboundMessage{Text: "Open a ticket?", Prompt: prompt, Key: "notify-7"})
		if err != nil {
			t.Fatal(err)
		}
		if ref.ID != "chat-msg-1" {
			t.Fatalf("ref = %+v", ref)
		}
		got := chat.Replies()
		if len(got) != 1 {
			t.Fatalf("%d replies", len(got))
		}
		r := got[0]
		if r.WebhookID != "notify-7" || r.Type != "reply" || r.Conversation != (generic.Conversation{ID: "c-42", Thread: "t-1"}) ||
			r.Text != "Open a ticket?" || r.Prompt == nil || *r.Prompt != *prompt {
			t.Fatalf("reply = %+v", r)
		}
		// A retry with the same key is the same message to the chat.
		ref2, err := src.Post(context.Background(), to, core.OutboundMessage{Text: "Open a ticket?", Prompt: prompt, Key: "notify-7"})
		if err != nil || ref2 != ref || len(chat.Replies()) != 1 {
			t.Fatalf("redelivery: %+v %v, %d replies", ref2, err, len(chat.Replies()))
		}
	})

	t.Run("random id without key and no id in answer", func(t *testing.T) {
		t.Parallel()
		var gotID string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			gotID = r.Header.Get(stdwebhook.HeaderID)
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(srv.Close)
		src := newSource(t, generic.Settings{Secret: secretA, ReplyURL: srv.URL})
		ref, err := src.Post(context.Background(), to, core.OutboundMessage{Text: "hi"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(gotID, "msg_") || ref.ID != gotID {
			t.Fatalf("webhook-id %q, ref %+v", gotID, ref)
		}
	})

	tests := map[string]struct {
		failN      int
		status     int
		retryAfter string
		replySec   string
		url        string
		noURL      bool
		permanent  bool
		wantStatus int
		wantRetry  time.Duration
		wantMsg    string
	}{
		"no reply_url":       {noURL: true, permanent: true, wantMsg: "reply_url is not configured"},
		"wrong secret":       {replySec: secretC, permanent: true, wantStatus: 401, wantMsg: "no signature matches"},
		"400":                {failN: 1, status: 400, permanent: true, wantStatus: 400, wantMsg: "injected failure"},
		"429 seconds":        {failN: 1, status: 429, retryAfter: "7", wantStatus: 429, wantRetry: 7 * time.Second},
		"503 http date":      {failN: 1, status: 503, retryAfter: clock.Add(2 * time.Minute).Format(http.TimeFormat), wantStatus: 503, wantRetry: 2 * time.Minute},
		"500":                {failN: 1, status: 500, wantStatus: 500},
		"connection refused": {url: "dead", wantStatus: 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			chat := generictest.NewChat(t, "")
			chat.SetClock(fixedNow)
			chat.SetClock(fixedNow)
			chat.FailNext(tt.failN, tt.status, tt.retryAfter)
			s := generic.Settings{Secret: secretA, ReplyURL: chat.URL(), ReplySecret: chat.Secret()}
			if tt.replySec != "" {
				s.ReplySecret = tt.replySec
			}
			if tt.url == "dead" {
				s.ReplyURL = deadURL(t)
			}
			if tt.noURL {
				s.ReplyURL = ""
			}
			src := newSource(t, s)
			_, err := src.Post(context.Background(), to, core.OutboundMessage{Text: "hi"})
			var ce *core.CallError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want CallError", err)
			}
			if ce.Permanent != tt.permanent || ce.Status != tt.wantStatus || ce.RetryAfter != tt.wantRetry {
				t.Fatalf("CallError = %+v", ce)
			}
			if tt.wantMsg != "" && !strings.Contains(ce.Message, tt.wantMsg) {
				t.Fatalf("message = %q, want %q", ce.Message, tt.wantMsg)
			}
			if tt.replySec != "" && chat.Rejected() != 1 {
				t.Fatalf("chat rejected %d", chat.Rejected())
			}
			if len(chat.Replies()) != 0 {
				t.Fatal("a failed post was recorded")
			}
			// After the injected failures the same post goes through.
			if tt.failN > 0 {
				if _, err := src.Post(context.Background(), to, core.OutboundMessage{Text: "hi"}); err != nil {
					t.Fatalf("after failure: %v", err)
				}
				if got := chat.WaitReplies(1, time.Second); len(got) != 1 {
					t.Fatalf("%d replies after recovery", len(got))
				}
			}
		})
	}
}

func TestPostLongErrorIsTruncated(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, strings.Repeat("x", 2000))
	}))
	t.Cleanup(srv.Close)
	src := newSource(t, generic.Settings{Secret: secretA, ReplyURL: srv.URL})
	_, err := src.Post(context.Background(), core.ConversationRef{Conversation: "c"}, core.OutboundMessage{Text: "hi"})
	var ce *core.CallError
	if !errors.As(err, &ce) || len(ce.Message) != 500 || ce.Permanent {
		t.Fatalf("err = %v", err)
	}
}
