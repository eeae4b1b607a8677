package dingtalk

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

// Meta keys this source adds besides source.MetaMessageID.
const (
	MetaSessionWebhook        = "session_webhook"
	MetaSessionWebhookExpires = "session_webhook_expires" // unix ms
	MetaConversationID        = "conversation_id"
	MetaConversationType      = "conversation_type"
	MetaConversationTitle     = "conversation_title"
	MetaRobotCode             = "robot_code"
	MetaAtUsers               = "at_users"
	MetaEventType             = "event_type"
)

// UserPrefix marks a one-to-one conversation, named by the user's staff
// id so that the robot API can still reach it when its session webhook
// is gone.
const UserPrefix = "user:"

// isEventPush tells the two channels apart: event pushes are signed in
// the query, robot callbacks in the headers.
func isEventPush(r *http.Request) bool {
	q := r.URL.Query()
	return q.Has("signature") || q.Has("msg_signature")
}

// Verify authenticates a robot callback (sign header over the timestamp
// header, within the tolerance) or an event push (SHA1 signature over the
// ciphertext, which must decrypt for our owner key).
func (s *Source) Verify(r *http.Request, body []byte) error {
	if r.Method != http.MethodPost {
		return fmt.Errorf("%w: method %s", core.ErrMalformed, r.Method)
	}
	if isEventPush(r) {
		return s.verifyEvent(r, body)
	}
	return s.verifyRobot(r)
}

func (s *Source) verifyRobot(r *http.Request) error {
	if s.mode == ModeEvents {
		return fmt.Errorf("%w: robot callbacks are not enabled on this source (mode events)", core.ErrBadSignature)
	}
	tsHeader, sign := r.Header.Get("timestamp"), r.Header.Get("sign")
	if tsHeader == "" || sign == "" {
		return fmt.Errorf("%w: timestamp and sign headers are required", core.ErrBadSignature)
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(tsHeader), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp is not unix milliseconds", core.ErrBadSignature)
	}
	want := Sign(s.secret, ts)
	if subtle.ConstantTimeCompare([]byte(sign), []byte(want)) != 1 {
		return fmt.Errorf("%w: sign does not match", core.ErrBadSignature)
	}
	if d := s.now().Sub(time.UnixMilli(ts)); d >= s.tolerance || d <= -s.tolerance {
		return fmt.Errorf("%w: timestamp is %s away", core.ErrStale, d.Round(time.Second))
	}
	return nil
}

// eventQuery holds an event push's signed query; DingTalk has written
// both spellings of signature and timestamp.
type eventQuery struct{ signature, timestamp, nonce string }

func readEventQuery(r *http.Request) eventQuery {
	q := r.URL.Query()
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := q.Get(k); v != "" {
				return v
			}
		}
		return ""
	}
	return eventQuery{
		signature: first("msg_signature", "signature"),
		timestamp: first("timestamp", "timeStamp"),
		nonce:     q.Get("nonce"),
	}
}

func (s *Source) verifyEvent(r *http.Request, body []byte) error {
	if s.crypto == nil {
		return fmt.Errorf("%w: event subscription is not enabled on this source (mode robot)", core.ErrBadSignature)
	}
	q := readEventQuery(r)
	if q.signature == "" || q.timestamp == "" || q.nonce == "" {
		return fmt.Errorf("%w: signature, timestamp and nonce are required", core.ErrBadSignature)
	}
	enc, err := envelope(body)
	if err != nil {
		return err
	}
	if !s.crypto.CheckSignature(q.signature, q.timestamp, q.nonce, enc) {
		return fmt.Errorf("%w: signature does not match", core.ErrBadSignature)
	}
	_, err = s.crypto.Decrypt(enc)
	return err
}

func envelope(body []byte) (string, error) {
	var env EventEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return "", fmt.Errorf("%w: envelope: %w", core.ErrMalformed, err)
	}
	if env.Encrypt == "" {
		return "", fmt.Errorf("%w: envelope: encrypt is missing", core.ErrMalformed)
	}
	return env.Encrypt, nil
}

// Parse turns a robot callback into a message event, and answers an
// event push (check_url included) with the encrypted "success".
func (s *Source) Parse(_ context.Context, r *http.Request, body []byte) (core.Inbound, error) {
	if isEventPush(r) {
		return s.parseEvent(body)
	}
	var m RobotMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return core.Inbound{}, fmt.Errorf("%w: robot message: %w", core.ErrMalformed, err)
	}
	ev, ok, err := s.normalize(m, body)
	if err != nil {
		return core.Inbound{}, err
	}
	// An answer without msgtype posts nothing to the chat.
	in := core.Inbound{Reply: &core.Reply{Status: http.StatusOK, ContentType: "application/json", Body: []byte("{}")}}
	if ok {
		s.remember(ev.Conversation.Conversation, m)
		in.Events = []core.Event{ev}
	}
	return in, nil
}

// parseEvent decrypts an event push. Every push, check_url included, must
// be answered with the encrypted "success", or DingTalk pushes it again
// (and, for check_url, refuses the URL). The events themselves carry
// nothing ticketbridge acts on yet, so none are stored.
func (s *Source) parseEvent(body []byte) (core.Inbound, error) {
	if s.crypto == nil {
		return core.Inbound{}, fmt.Errorf("%w: event subscription is not enabled", core.ErrBadSignature)
	}
	enc, err := envelope(body)
	if err != nil {
		return core.Inbound{}, err
	}
	plain, err := s.crypto.Decrypt(enc)
	if err != nil {
		return core.Inbound{}, err
	}
	var ev struct {
		EventType string `json:"EventType"`
	}
	if err := json.Unmarshal(plain, &ev); err != nil || ev.EventType == "" {
		return core.Inbound{}, fmt.Errorf("%w: decrypted event has no EventType", core.ErrMalformed)
	}
	reply, err := s.successReply()
	if err != nil {
		return core.Inbound{}, err
	}
	if ev.EventType != "check_url" {
		s.log.Debug("dingtalk event acknowledged", "event_type", ev.EventType)
	}
	return core.Inbound{Reply: reply}, nil
}

// successReply seals "success" with the clock's milliseconds and a fresh
// nonce.
func (s *Source) successReply() (*core.Reply, error) {
	nonce := make([]byte, 8)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	rep, err := s.crypto.SealReply(nil, "success", strconv.FormatInt(s.now().UnixMilli(), 10), fmt.Sprintf("%x", nonce))
	if err != nil {
		return nil, fmt.Errorf("seal success: %w", err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		return nil, fmt.Errorf("encode success: %w", err)
	}
	return &core.Reply{Status: http.StatusOK, ContentType: "application/json", Body: b}, nil
}

// normalize maps one robot callback to an event; ok is false for message
// types ticketbridge has no use for (they are acknowledged and dropped).
func (s *Source) normalize(m RobotMessage, body []byte) (core.Event, bool, error) {
	switch {
	case m.MsgID == "":
		return core.Event{}, false, fmt.Errorf("%w: msgId is missing", core.ErrMalformed)
	case m.ConversationID == "":
		return core.Event{}, false, fmt.Errorf("%w: conversationId is missing", core.ErrMalformed)
	case m.MsgType == "":
		return core.Event{}, false, fmt.Errorf("%w: msgtype is missing", core.ErrMalformed)
	case m.CreateAt <= 0:
		return core.Event{}, false, fmt.Errorf("%w: createAt is not unix milliseconds", core.ErrMalformed)
	}
	sender := core.Sender{ID: m.SenderStaffID, Name: m.SenderNick, Role: core.RoleCustomer}
	if sender.ID == "" {
		sender.ID = m.SenderID
	}
	if sender.ID == "" {
		return core.Event{}, false, fmt.Errorf("%w: sender is missing", core.ErrMalformed)
	}
	if m.SenderID != "" && m.SenderID == m.ChatbotUserID {
		sender.Role = core.RoleBot
	}
	conv := m.ConversationID
	if m.ConversationType == ConversationOneToOne && m.SenderStaffID != "" {
		conv = UserPrefix + m.SenderStaffID
	}
	meta := map[string]any{
		source.MetaMessageID: m.MsgID,
		MetaConversationID:   m.ConversationID,
		MetaConversationType: m.ConversationType,
	}
	if m.ConversationTitle != "" {
		meta[MetaConversationTitle] = m.ConversationTitle
	}
	if m.RobotCode != "" {
		meta[MetaRobotCode] = m.RobotCode
	}
	if m.SessionWebhook != "" {
		meta[MetaSessionWebhook] = m.SessionWebhook
		meta[MetaSessionWebhookExpires] = m.SessionWebhookExpiredTime
	}
	var at []string
	for _, u := range m.AtUsers {
		// The robot itself is mentioned in every group message it gets.
		if id := cmp.Or(u.StaffID, u.DingtalkID); id != "" && u.DingtalkID != m.ChatbotUserID {
			at = append(at, id)
		}
	}
	if len(at) > 0 {
		meta[MetaAtUsers] = at
	}
	ev := core.Event{
		Source:       s.id,
		EventID:      m.MsgID,
		Kind:         core.KindMessage,
		Conversation: core.ConversationRef{Source: s.id, Conversation: conv},
		Sender:       sender,
		Time:         time.UnixMilli(m.CreateAt).UTC(),
		Meta:         meta,
		Raw:          compactJSON(body),
	}
	c := m.Content
	if c == nil {
		c = &RichContent{}
	}
	switch m.MsgType {
	case "text":
		if m.Text != nil {
			ev.Text = strings.TrimSpace(m.Text.Content)
		}
	case "richText":
		var parts []string
		for _, sec := range c.RichText {
			if t := strings.TrimSpace(sec.Text); t != "" {
				parts = append(parts, t)
			}
			if code := cmp.Or(sec.DownloadCode, sec.PictureDownloadCode); code != "" {
				ev.Attachments = append(ev.Attachments, core.Attachment{ID: code, Name: fmt.Sprintf("picture-%d", len(ev.Attachments)+1)})
			}
		}
		ev.Text = strings.Join(parts, "\n")
	case "picture":
		ev.Attachments = []core.Attachment{{ID: cmp.Or(c.DownloadCode, c.PictureDownloadCode), Name: "picture"}}
	case "file":
		ev.Attachments = []core.Attachment{{ID: c.DownloadCode, Name: cmp.Or(c.FileName, "file")}}
	case "audio":
		// DingTalk transcribes voice messages; the words are the text.
		ev.Text = strings.TrimSpace(c.Recognition)
		ev.Attachments = []core.Attachment{{ID: c.DownloadCode, Name: "audio"}}
	case "video":
		name := "video"
		if c.VideoType != "" {
			name += "." + c.VideoType
		}
		ev.Attachments = []core.Attachment{{ID: c.DownloadCode, Name: name}}
	default:
		return core.Event{}, false, nil
	}
	for _, a := range ev.Attachments {
		if a.ID == "" {
			return core.Event{}, false, fmt.Errorf("%w: %s message without downloadCode", core.ErrMalformed, m.MsgType)
		}
	}
	if ev.Text == "" && len(ev.Attachments) == 0 {
		return core.Event{}, false, fmt.Errorf("%w: empty %s message", core.ErrMalformed, m.MsgType)
	}
	return ev, true, nil
}

// remember keeps the conversation's session webhook for Post, when it
// points at DingTalk's own host: a session URL elsewhere would make us
// post the conversation's messages to a stranger.
func (s *Source) remember(conv string, m RobotMessage) {
	if m.SessionWebhook == "" || m.SessionWebhookExpiredTime <= 0 {
		return
	}
	u, err := url.Parse(m.SessionWebhook)
	if err != nil || u.Scheme != s.oapi.Scheme || u.Host != s.oapi.Host {
		s.log.Warn("dingtalk session webhook ignored: not on the oapi host", "host", hostOf(u))
		return
	}
	s.sessions.put(conv, session{webhook: m.SessionWebhook, expiry: time.UnixMilli(m.SessionWebhookExpiredTime)}, s.now())
}

func hostOf(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Host
}

// compactJSON keeps the callback for audit as one line of JSON.
func compactJSON(body []byte) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		b, _ := json.Marshal(string(body))
		return b
	}
	return buf.Bytes()
}
