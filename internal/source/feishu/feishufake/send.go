package feishufake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/source/feishu"
)

// Signer builds inbound deliveries as Feishu sends them: the plaintext
// encrypted when EncryptKey is set, and then signed with the event
// signature (SHA-256 over timestamp, nonce, key and body).
type Signer struct {
	EncryptKey string
	// Now stamps the deliveries; default time.Now.
	Now func() time.Time
}

// Request builds the POST of plaintext to url.
func (s Signer) Request(ctx context.Context, url string, plaintext []byte) (*http.Request, error) {
	body := plaintext
	if s.EncryptKey != "" {
		enc, err := feishu.Encrypt(s.EncryptKey, plaintext, rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("encrypt: %w", err)
		}
		body, _ = json.Marshal(map[string]string{"encrypt": enc})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if s.EncryptKey != "" {
		now := time.Now
		if s.Now != nil {
			now = s.Now
		}
		ts := strconv.FormatInt(now().Unix(), 10)
		nonce := randomHex(8)
		req.Header.Set(feishu.HeaderTimestamp, ts)
		req.Header.Set(feishu.HeaderNonce, nonce)
		req.Header.Set(feishu.HeaderSignature, feishu.Signature(ts, nonce, s.EncryptKey, body))
	}
	return req, nil
}

// Send posts plaintext to serverURL/hooks/im/{sourceID}.
func (s Signer) Send(ctx context.Context, serverURL, sourceID string, plaintext []byte) (*http.Response, error) {
	req, err := s.Request(ctx, serverURL+"/hooks/im/"+sourceID, plaintext)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}

// Incoming describes an im.message.receive_v1 event.
type Incoming struct {
	EventID   string
	MessageID string
	ChatID    string
	RootID    string
	ThreadID  string
	Sender    string // open_id
	// SenderType is "user" (the default) or "app".
	SenderType string
	// Text makes a text message; Content and MsgType override it.
	Text     string
	MsgType  string
	Content  string
	Mentions []Mention
	Time     time.Time
}

// Mention is a mention placeholder of a message.
type Mention struct {
	Key, OpenID, Name string
}

// MessageEvent is the v2 plaintext of an incoming message.
func MessageEvent(token string, in Incoming) []byte {
	if in.EventID == "" {
		in.EventID = randomHex(16)
	}
	if in.MessageID == "" {
		in.MessageID = "om_" + randomHex(12)
	}
	if in.SenderType == "" {
		in.SenderType = "user"
	}
	if in.Time.IsZero() {
		in.Time = time.Now()
	}
	if in.MsgType == "" {
		in.MsgType = "text"
		b, _ := json.Marshal(map[string]string{"text": in.Text})
		in.Content = string(b)
	}
	ms := make([]map[string]any, 0, len(in.Mentions))
	for _, m := range in.Mentions {
		ms = append(ms, map[string]any{"key": m.Key, "name": m.Name, "id": map[string]string{"open_id": m.OpenID}, "tenant_key": "tk"})
	}
	ts := strconv.FormatInt(in.Time.UnixMilli(), 10)
	ev := map[string]any{
		"schema": "2.0",
		"header": map[string]string{"event_id": in.EventID, "event_type": feishu.EventMessageReceive,
			"create_time": ts, "token": token, "app_id": "cli_fake", "tenant_key": "tk"},
		"event": map[string]any{
			"sender": map[string]any{"sender_id": map[string]string{"open_id": in.Sender}, "sender_type": in.SenderType, "tenant_key": "tk"},
			"message": map[string]any{"message_id": in.MessageID, "root_id": in.RootID, "parent_id": in.RootID,
				"create_time": ts, "chat_id": in.ChatID, "thread_id": in.ThreadID, "chat_type": "group",
				"message_type": in.MsgType, "content": in.Content, "mentions": ms},
		},
	}
	b, _ := json.Marshal(ev)
	return b
}

// CardPress is the v2 card.action.trigger plaintext of a user pressing a
// button whose value is value on the card messageID in chatID.
func CardPress(token, eventID, openID, chatID, messageID string, value map[string]string) []byte {
	ev := map[string]any{
		"schema": "2.0",
		"header": map[string]string{"event_id": eventID, "event_type": feishu.EventCardAction,
			"create_time": strconv.FormatInt(time.Now().UnixMilli(), 10), "token": token, "app_id": "cli_fake", "tenant_key": "tk"},
		"event": map[string]any{
			"operator": map[string]string{"open_id": openID},
			"token":    "c-" + randomHex(8),
			"action":   map[string]any{"tag": "button", "value": value},
			"context":  map[string]string{"open_message_id": messageID, "open_chat_id": chatID},
		},
	}
	b, _ := json.Marshal(ev)
	return b
}

// Challenge is the URL-verification plaintext.
func Challenge(token, challenge string) []byte {
	b, _ := json.Marshal(map[string]string{"challenge": challenge, "token": token, "type": "url_verification"})
	return b
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
