package loadgen

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/source/generic"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// Formats loadgen speaks.
const (
	FormatGeneric = "generic"
	FormatSlack   = "slack"
)

// Reply is one reply the fake chat accepted.
type Reply struct {
	Conversation string
	Text         string
	// Prompt is the token of the yes/no question the reply asks, "" when
	// it asks none.
	Prompt string
	At     time.Time
}

// ChatCounts are the fake chat's counters.
type ChatCounts struct {
	Requests int `json:"requests"`
	Rejected int `json:"rejected"`
	Replies  int `json:"replies"`
	// Redelivered counts replies whose webhook-id was seen before (a
	// retried notify job whose first answer was lost).
	Redelivered int `json:"redelivered"`
}

// FakeChat is the chat's reply endpoint. For the generic format it is
// POST /replies with Standard Webhooks signatures (the source's
// reply_secret); for Slack it is the Web API under /api/ with the bot
// token, answering the methods the slack source calls with just enough.
type FakeChat struct {
	format   string
	verifier stdwebhook.Verifier
	token    string
	now      func() time.Time
	onReply  func(Reply)

	mu     sync.Mutex
	counts ChatCounts
	seen   map[string]bool
}

// NewFakeChat builds the fake. For FormatGeneric key verifies replies;
// for FormatSlack botToken must be the bearer token. onReply is called,
// outside the lock, once per accepted reply.
func NewFakeChat(format string, key stdwebhook.Secret, botToken string, onReply func(Reply)) *FakeChat {
	return &FakeChat{
		format:   format,
		verifier: stdwebhook.Verifier{Keys: []stdwebhook.Secret{key}},
		token:    botToken,
		now:      time.Now,
		onReply:  onReply,
		seen:     map[string]bool{},
	}
}

// Counts returns the counters so far.
func (c *FakeChat) Counts() ChatCounts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts
}

func (c *FakeChat) count(f func(*ChatCounts)) {
	c.mu.Lock()
	f(&c.counts)
	c.mu.Unlock()
}

// ServeHTTP dispatches on the format.
func (c *FakeChat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := c.now()
	c.count(func(n *ChatCounts) { n.Requests++ })
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "unreadable body"})
		return
	}
	if c.format == FormatSlack {
		c.slack(w, r, body, at)
		return
	}
	c.generic(w, r, body, at)
}

func (c *FakeChat) generic(w http.ResponseWriter, r *http.Request, body []byte, at time.Time) {
	if r.Method != http.MethodPost || r.URL.Path != "/replies" {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "no such endpoint"})
		return
	}
	id, err := c.verifier.Verify(r.Header, body)
	if err != nil {
		c.count(func(n *ChatCounts) { n.Rejected++ })
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": err.Error()})
		return
	}
	var rep generic.Reply
	if err := json.Unmarshal(body, &rep); err != nil || rep.Conversation.ID == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "not a reply"})
		return
	}
	c.mu.Lock()
	dup := c.seen[id]
	c.seen[id] = true
	if dup {
		c.counts.Redelivered++
	} else {
		c.counts.Replies++
	}
	c.mu.Unlock()
	if !dup && c.onReply != nil {
		rp := Reply{Conversation: rep.Conversation.ID, Text: rep.Text, At: at}
		if rep.Prompt != nil {
			rp.Prompt = rep.Prompt.Token
		}
		c.onReply(rp)
	}
	writeJSON(w, http.StatusOK, generic.ReplyAnswer{ID: "m-" + id})
}

// slack answers the Web API methods the slack source uses.
func (c *FakeChat) slack(w http.ResponseWriter, r *http.Request, body []byte, at time.Time) {
	if r.Header.Get("Authorization") != "Bearer "+c.token {
		c.count(func(n *ChatCounts) { n.Rejected++ })
		// Slack answers a bad token with 200 and ok:false.
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	switch r.URL.Path {
	case "/api/chat.postMessage":
		var m struct {
			Channel string `json:"channel"`
			Text    string `json:"text"`
		}
		if err := json.Unmarshal(body, &m); err != nil || m.Channel == "" {
			writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "channel_not_found"})
			return
		}
		c.mu.Lock()
		c.counts.Replies++
		n := c.counts.Replies
		c.mu.Unlock()
		if c.onReply != nil {
			c.onReply(Reply{Conversation: m.Channel, Text: m.Text, At: at})
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "channel": m.Channel, "ts": "1900000000." + strconv.Itoa(100000+n)})
	case "/api/users.info":
		u := r.URL.Query().Get("user")
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "user": map[string]any{
			"id": u, "name": "load " + u, "profile": map[string]any{"display_name": "Load " + u, "real_name": "Load " + u},
		}})
	case "/api/conversations.replies", "/api/conversations.history":
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "messages": []any{}, "has_more": false})
	case "/api/auth.test":
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "user_id": slackBotUser, "bot_id": "BLOADGEN", "team": "loadgen", "user": "loadgen"})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "unknown_method"})
	}
}
