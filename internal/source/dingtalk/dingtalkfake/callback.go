package dingtalkfake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/source/dingtalk"
)

// Robot signs robot callbacks with the app secret as DingTalk does and
// delivers them to a ticketbridge server at /hooks/im/{source}.
type Robot struct {
	AppSecret string
	// Now stamps the callbacks; default time.Now.
	Now func() time.Time
}

// Request builds the signed callback POST for a message.
func (rb Robot) Request(ctx context.Context, serverURL, sourceID string, m dingtalk.RobotMessage) (*http.Request, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode message: %w", err)
	}
	return rb.RequestBody(ctx, serverURL, sourceID, body)
}

// RequestBody builds a signed callback POST for an arbitrary body.
func (rb Robot) RequestBody(ctx context.Context, serverURL, sourceID string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, serverURL+"/hooks/im/"+url.PathEscape(sourceID), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	now := time.Now
	if rb.Now != nil {
		now = rb.Now
	}
	ts := now().UnixMilli()
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("sign", dingtalk.Sign(rb.AppSecret, ts))
	return req, nil
}

// Send signs and POSTs a message.
func (rb Robot) Send(ctx context.Context, serverURL, sourceID string, m dingtalk.RobotMessage) (*http.Response, error) {
	req, err := rb.Request(ctx, serverURL, sourceID, m)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}

// Text is a text message in a conversation. A group conversation
// ("cid…") gets conversationType 2, anything else 1. sessionWebhook may
// come from Server.NewSession; it lasts an hour and a half from at.
func Text(conv, staffID, nick, msgID, content, sessionWebhook string, at time.Time) dingtalk.RobotMessage {
	typ := dingtalk.ConversationOneToOne
	if len(conv) > 3 && conv[:3] == "cid" {
		typ = dingtalk.ConversationGroup
	}
	m := dingtalk.RobotMessage{
		ConversationID: conv, ConversationType: typ, MsgID: msgID, MsgType: "text",
		CreateAt: at.UnixMilli(), SenderID: "$:LWCP_v1:$" + staffID, SenderStaffID: staffID, SenderNick: nick,
		ChatbotUserID: "$:LWCP_v1:$bot", RobotCode: "dingbot", IsInAtList: typ == dingtalk.ConversationGroup,
		Text: &dingtalk.TextBody{Content: content},
	}
	if sessionWebhook != "" {
		m.SessionWebhook = sessionWebhook
		m.SessionWebhookExpiredTime = at.Add(90 * time.Minute).UnixMilli()
	}
	return m
}

// Pusher encrypts and signs event subscription pushes.
type Pusher struct {
	Crypto *dingtalk.Crypto
	Now    func() time.Time
}

// NewPusher builds a pusher for a subscription's token, aes_key and
// owner key.
func NewPusher(token, aesKey, ownerKey string) (*Pusher, error) {
	c, err := dingtalk.NewCrypto(token, aesKey, ownerKey)
	if err != nil {
		return nil, fmt.Errorf("aes key: %w", err)
	}
	return &Pusher{Crypto: c, Now: time.Now}, nil
}

// Sealed is one encrypted push: its query and body.
type Sealed struct {
	Query url.Values
	Body  []byte
}

// Seal encrypts a decrypted event JSON and signs it.
func (p *Pusher) Seal(plain []byte) (Sealed, error) {
	enc, err := p.Crypto.Encrypt(nil, plain)
	if err != nil {
		return Sealed{}, err
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	ts := strconv.FormatInt(now().UnixMilli(), 10)
	nb := make([]byte, 8)
	_, _ = rand.Read(nb)
	nonce := fmt.Sprintf("%x", nb)
	body, _ := json.Marshal(dingtalk.EventEnvelope{Encrypt: enc})
	return Sealed{
		Query: url.Values{"signature": {p.Crypto.Signature(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}},
		Body:  body,
	}, nil
}

// Push seals plain and POSTs it to serverURL/hooks/im/{sourceID}.
func (p *Pusher) Push(ctx context.Context, serverURL, sourceID string, plain []byte) (*http.Response, error) {
	sl, err := p.Seal(plain)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		serverURL+"/hooks/im/"+url.PathEscape(sourceID)+"?"+sl.Query.Encode(), bytes.NewReader(sl.Body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	return http.DefaultClient.Do(req)
}

// OpenReply checks an answer's signature and decrypts it: DingTalk
// accepts the push only when this gives "success".
func (p *Pusher) OpenReply(body []byte) (string, error) {
	var rep dingtalk.Reply
	if err := json.Unmarshal(body, &rep); err != nil {
		return "", fmt.Errorf("reply is not JSON: %w", err)
	}
	if !p.Crypto.CheckSignature(rep.MsgSignature, rep.TimeStamp, rep.Nonce, rep.Encrypt) {
		return "", errors.New("reply signature does not match")
	}
	plain, err := p.Crypto.Decrypt(rep.Encrypt)
	if err != nil {
		return "", err
	}
	return string(plain), nil
}
