// Package generictest plays the customer's chat system for tests of the
// generic source: it receives ticketbridge's signed replies like a real
// receiver would, and sends signed inbound events to a ticketbridge server.
package generictest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/source/generic"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// Reply is one reply the chat received, with the delivery's webhook-id.
type Reply struct {
	WebhookID string
	generic.Reply
}

// Chat is an httptest server standing in for the chat system's reply
// endpoint (URL). It verifies every request's signature and answers 401
// to bad ones; a redelivered webhook-id is acknowledged with the same
// message id and recorded once.
type Chat struct {
	srv      *httptest.Server
	secret   string
	verifier stdwebhook.Verifier

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced whenever replies grow
	replies    []Reply
	ids        map[string]string // webhook-id → message id
	rejected   int
	requests   int
	failN      int
	failStatus int
	failRetry  string
	now        func() time.Time
}

// NewChat starts a chat whose replies must be signed with secret
// (a whsec_ string; "" makes a fresh one). It closes with the test.
func NewChat(tb testing.TB, secret string) *Chat {
	tb.Helper()
	if secret == "" {
		var err error
		if secret, err = stdwebhook.NewSecret(); err != nil {
			tb.Fatalf("new secret: %v", err)
		}
	}
	key, err := stdwebhook.ParseSecret(secret)
	if err != nil {
		tb.Fatalf("chat secret: %v", err)
	}
	c := &Chat{
		secret:  secret,
		changed: make(chan struct{}),
		ids:     map[string]string{},
		now:     time.Now,
	}
	// serve holds mu while verifying, so the clock is read unlocked.
	c.verifier = stdwebhook.Verifier{Keys: []stdwebhook.Secret{key}, Now: func() time.Time { return c.now() }}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve))
	tb.Cleanup(c.srv.Close)
	return c
}

// URL is the reply endpoint, for the source's reply_url.
func (c *Chat) URL() string { return c.srv.URL + "/replies" }

// Secret is the whsec_ secret replies must be signed with.
func (c *Chat) Secret() string { return c.secret }

// SetClock replaces the clock the signature window is checked against,
// for tests whose source runs on a fixed clock. Call it before traffic.
func (c *Chat) SetClock(now func() time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

// FailNext makes the next n requests fail with status, and Retry-After
// when retryAfter is not empty.
func (c *Chat) FailNext(n, status int, retryAfter string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failN, c.failStatus, c.failRetry = n, status, retryAfter
}

// Replies returns the replies received so far, in order.
func (c *Chat) Replies() []Reply {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Reply(nil), c.replies...)
}

// WaitReplies waits until at least n replies arrived or timeout passed,
// and returns what arrived.
func (c *Chat) WaitReplies(n int, timeout time.Duration) []Reply {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		got, changed := len(c.replies), c.changed
		c.mu.Unlock()
		if got >= n {
			return c.Replies()
		}
		select {
		case <-changed:
		case <-deadline.C:
			return c.Replies()
		}
	}
}

// Rejected counts requests refused for their signature.
func (c *Chat) Rejected() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rejected
}

// Requests counts every request that reached the chat.
func (c *Chat) Requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests
}

func (c *Chat) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, `{"message":"unreadable body"}`, http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests++
	if c.failN > 0 {
		c.failN--
		if c.failRetry != "" {
			w.Header().Set("Retry-After", c.failRetry)
		}
		writeJSON(w, c.failStatus, map[string]string{"message": "injected failure"})
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/replies" {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "no such endpoint"})
		return
	}
	id, err := c.verifier.Verify(r.Header, body)
	if err != nil {
		c.rejected++
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": err.Error()})
		return
	}
	if msgID, seen := c.ids[id]; seen {
		writeJSON(w, http.StatusOK, generic.ReplyAnswer{ID: msgID})
		return
	}
	var rep generic.Reply
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil || rep.Type != "reply" || rep.Conversation.ID == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": fmt.Sprintf("not a reply: %v", err)})
		return
	}
	msgID := "chat-msg-" + strconv.Itoa(len(c.replies)+1)
	c.ids[id] = msgID
	c.replies = append(c.replies, Reply{WebhookID: id, Reply: rep})
	close(c.changed)
	c.changed = make(chan struct{})
	writeJSON(w, http.StatusOK, generic.ReplyAnswer{ID: msgID})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Send signs body with key and posts it to serverURL/hooks/im/{sourceID},
// as the chat system would. body is sent as is when it is []byte,
// otherwise as JSON (a generic.Event or generic.Batch, say). The
// webhook-id is fresh; use SendWithID to redeliver.
func Send(ctx context.Context, serverURL, sourceID string, key stdwebhook.Secret, body any) (*http.Response, error) {
	return SendWithID(ctx, serverURL, sourceID, key, stdwebhook.NewMessageID(), time.Now(), body)
}

// SendWithID is Send with a chosen webhook-id and timestamp.
func SendWithID(ctx context.Context, serverURL, sourceID string, key stdwebhook.Secret, id string, ts time.Time, body any) (*http.Response, error) {
	req, err := newRequest(ctx, serverURL, sourceID, key, id, ts, body)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}

// NewRequest is the signed request Send would make, for callers that add
// headers of their own.
func NewRequest(ctx context.Context, serverURL, sourceID string, key stdwebhook.Secret, body any) (*http.Request, error) {
	return newRequest(ctx, serverURL, sourceID, key, stdwebhook.NewMessageID(), time.Now(), body)
}

func newRequest(ctx context.Context, serverURL, sourceID string, key stdwebhook.Secret, id string, ts time.Time, body any) (*http.Request, error) {
	data, ok := body.([]byte)
	if !ok {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("encode event: %w", err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, serverURL+"/hooks/im/"+sourceID, bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	stdwebhook.SetHeaders(req.Header, key, id, ts, data)
	return req, nil
}

// Message builds a message event from a customer.
func Message(conversation, senderID, text string) generic.Event {
	return generic.Event{
		Type:         "message",
		Conversation: generic.Conversation{ID: conversation},
		Sender:       generic.Sender{ID: senderID, Role: "customer"},
		Text:         text,
	}
}
