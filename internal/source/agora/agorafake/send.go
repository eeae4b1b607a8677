package agorafake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/source/agora"
)

// Signature header choices for NCSHeaders.
const (
	SignBoth = iota
	SignV1Only
	SignV2Only
)

// Notice encodes an NCS channel notice (productId 1).
func Notice(noticeID string, eventType int, p agora.ChannelPayload) []byte {
	payload, _ := json.Marshal(p)
	b, _ := json.Marshal(agora.Notice{
		NoticeID: noticeID, ProductID: 1, EventType: eventType,
		NotifyMs: p.TS*1000 + 120, SID: "sid-" + noticeID, Payload: payload,
	})
	return b
}

// NCSHeaders signs body as NCS does: hex HMAC-SHA1 in Agora-Signature
// and hex HMAC-SHA256 in Agora-Signature-V2 (which is chosen by which).
func NCSHeaders(secret string, body []byte, which int) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if which != SignV2Only {
		m := hmac.New(sha1.New, []byte(secret))
		m.Write(body)
		h.Set(agora.HeaderSignature, hex.EncodeToString(m.Sum(nil)))
	}
	if which != SignV1Only {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		h.Set(agora.HeaderSignatureV2, hex.EncodeToString(m.Sum(nil)))
	}
	return h
}

// ChatSigner makes Agora Chat callbacks for one app.
type ChatSigner struct {
	AppKey string
	Secret string
	// Now stamps callbacks; default time.Now.
	Now  func() time.Time
	next int
}

// Text is a post-delivery message callback with one txt body. For
// groupchat and chatroom, to is the group or room id.
func (c *ChatSigner) Text(chatType, from, to, text string) agora.ChatCallback {
	return c.Message(chatType, from, to, agora.ChatBody{Type: "txt", Msg: text})
}

// Message is a post-delivery message callback with the given bodies.
func (c *ChatSigner) Message(chatType, from, to string, bodies ...agora.ChatBody) agora.ChatCallback {
	c.next++
	msgID := strconv.Itoa(1100000000000000000 + c.next)
	cb := agora.ChatCallback{
		CallID:    c.AppKey + "_" + msgID,
		EventType: agora.ChatEventMessage,
		ChatType:  chatType,
		From:      from,
		To:        to,
		MsgID:     msgID,
		Host:      "msync@ebs-ali-beijing-msync43",
		Payload:   &agora.ChatPayload{Bodies: bodies, Ext: json.RawMessage(`{}`)},
	}
	if chatType != agora.ChatTypeUser {
		cb.GroupID = to
	}
	return c.Sign(cb)
}

// Sign stamps the callback with the app key, the time (when unset) and
// the security field MD5(callId + secret + timestamp).
func (c *ChatSigner) Sign(cb agora.ChatCallback) agora.ChatCallback {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	if cb.Timestamp == "" {
		cb.Timestamp = json.Number(strconv.FormatInt(now().UnixMilli(), 10))
	}
	cb.AppKey = c.AppKey
	sum := md5.Sum([]byte(cb.CallID + c.Secret + cb.Timestamp.String()))
	cb.Security = hex.EncodeToString(sum[:])
	return cb
}

// Encode is the callback's body.
func Encode(cb agora.ChatCallback) []byte {
	b, _ := json.Marshal(cb)
	return b
}

// Deliver posts body with headers (nil for Chat callbacks) to the source's
// webhook on a running ticketbridge.
func Deliver(ctx context.Context, baseURL, sourceID string, body []byte, headers http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/hooks/im/"+sourceID, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header[k] = v
	}
	return http.DefaultClient.Do(req)
}
