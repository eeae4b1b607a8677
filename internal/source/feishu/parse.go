package feishu

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

// Event types ticketbridge turns into events; every other type is
// acknowledged and dropped.
const (
	EventMessageReceive = "im.message.receive_v1"
	EventCardAction     = "card.action.trigger"
)

// Meta keys this source fills besides source.MetaMessageID.
const (
	MetaToken    = "token"     // a confirmation card's proposal token
	MetaThreadID = "thread_id" // Feishu's topic id (omt_…), when in one
	MetaChatType = "chat_type" // p2p, group or topic_group
	MetaMsgType  = "message_type"
)

// Parse turns a verified delivery into events or a challenge reply.
func (s *Source) Parse(_ context.Context, _ *http.Request, body []byte) (core.Inbound, error) {
	env, plain, err := s.open(body)
	if err != nil {
		return core.Inbound{}, err
	}
	switch {
	case env.Type == "url_verification":
		return challenge(env.Challenge)
	case env.Schema == "2.0" || env.Header != nil:
		return s.parseV2(env, plain)
	case env.Type == "event_callback":
		return s.parseV1(env, plain)
	case env.Action != nil && env.OpenMessageID != "":
		ev, ok := s.cardEvent(env.Action, env.OpenChatID, env.OpenMessageID, env.OpenID, "", time.Time{}, plain)
		if !ok {
			return core.Inbound{}, nil
		}
		return core.Inbound{Events: []core.Event{ev}}, nil
	}
	return core.Inbound{}, malformed("body: neither an event, a card callback nor a challenge")
}

func challenge(c string) (core.Inbound, error) {
	if c == "" {
		return core.Inbound{}, malformed("challenge: missing")
	}
	b, _ := json.Marshal(map[string]string{"challenge": c})
	return core.Inbound{Reply: &core.Reply{Status: http.StatusOK, ContentType: "application/json", Body: b}}, nil
}

func (s *Source) parseV2(env *envelope, plain []byte) (core.Inbound, error) {
	h := env.Header
	if h == nil || h.EventID == "" {
		return core.Inbound{}, malformed("header.event_id: missing")
	}
	at := msTime(h.CreateTime)
	switch h.EventType {
	case EventMessageReceive:
		var m messageReceive
		if err := json.Unmarshal(env.Event, &m); err != nil {
			return core.Inbound{}, malformed("event: %v", err)
		}
		ev, ok, err := s.messageEvent(h.EventID, &m, at, plain)
		if err != nil || !ok {
			return core.Inbound{}, err
		}
		return core.Inbound{Events: []core.Event{ev}}, nil
	case EventCardAction:
		var c cardTrigger
		if err := json.Unmarshal(env.Event, &c); err != nil {
			return core.Inbound{}, malformed("event: %v", err)
		}
		ev, ok := s.cardEvent(c.Action, c.Context.OpenChatID, c.Context.OpenMessageID, c.Operator.OpenID, h.EventID, at, plain)
		if !ok {
			return core.Inbound{}, nil
		}
		return core.Inbound{Events: []core.Event{ev}}, nil
	}
	return core.Inbound{}, nil
}

func (s *Source) messageEvent(eventID string, m *messageReceive, at time.Time, raw []byte) (core.Event, bool, error) {
	msg := &m.Message
	switch {
	case msg.MessageID == "":
		return core.Event{}, false, malformed("event.message.message_id: missing")
	case msg.ChatID == "":
		return core.Event{}, false, malformed("event.message.chat_id: missing")
	case m.Sender.SenderID.OpenID == "" && m.Sender.SenderID.UserID == "" && m.Sender.SenderID.UnionID == "":
		return core.Event{}, false, malformed("event.sender.sender_id: missing")
	}
	text, atts, ok := s.render(msg.MessageType, msg.Content, msg.MessageID, mentionNames(msg.Mentions))
	if !ok {
		return core.Event{}, false, nil
	}
	if t := msTime(msg.CreateTime); !t.IsZero() {
		at = t
	}
	if at.IsZero() {
		at = s.now().UTC()
	}
	meta := map[string]any{source.MetaMessageID: msg.MessageID, MetaMsgType: msg.MessageType}
	if msg.ChatType != "" {
		meta[MetaChatType] = msg.ChatType
	}
	if msg.ThreadID != "" {
		meta[MetaThreadID] = msg.ThreadID
	}
	return core.Event{
		Source:       s.id,
		EventID:      eventID,
		Kind:         core.KindMessage,
		Conversation: core.ConversationRef{Source: s.id, Conversation: msg.ChatID, Thread: msg.RootID},
		Sender:       core.Sender{ID: firstOf(m.Sender.SenderID.OpenID, m.Sender.SenderID.UserID, m.Sender.SenderID.UnionID), Role: role(m.Sender.SenderType)},
		Time:         at,
		Text:         text,
		Attachments:  atts,
		Meta:         meta,
		Raw:          json.RawMessage(raw),
	}, true, nil
}

func (s *Source) parseV1(env *envelope, plain []byte) (core.Inbound, error) {
	if env.UUID == "" {
		return core.Inbound{}, malformed("uuid: missing")
	}
	var m messageV1
	if err := json.Unmarshal(env.Event, &m); err != nil {
		return core.Inbound{}, malformed("event: %v", err)
	}
	if m.Type != "message" {
		return core.Inbound{}, nil
	}
	if m.OpenChatID == "" || m.OpenID == "" || m.OpenMessageID == "" {
		return core.Inbound{}, malformed("event: open_chat_id, open_id and open_message_id are required")
	}
	var text string
	var atts []core.Attachment
	switch m.MsgType {
	case "text":
		text = m.Text
	case "image":
		atts = []core.Attachment{s.attachment(m.OpenMessageID, m.ImageKey, "", "image")}
	case "file":
		atts = []core.Attachment{s.attachment(m.OpenMessageID, m.FileKey, m.FileName, "file")}
	default:
		return core.Inbound{}, nil
	}
	at := secondsTime(env.Ts)
	if at.IsZero() {
		at = s.now().UTC()
	}
	return core.Inbound{Events: []core.Event{{
		Source:       s.id,
		EventID:      env.UUID,
		Kind:         core.KindMessage,
		Conversation: core.ConversationRef{Source: s.id, Conversation: m.OpenChatID, Thread: m.RootID},
		Sender:       core.Sender{ID: m.OpenID, Role: core.RoleCustomer},
		Time:         at,
		Text:         text,
		Attachments:  atts,
		Meta:         map[string]any{source.MetaMessageID: m.OpenMessageID, MetaMsgType: m.MsgType, MetaChatType: m.ChatType},
		Raw:          json.RawMessage(plain),
	}}}, nil
}

// cardEvent turns a press on one of our confirmation buttons into a
// command event; any other card action is not ours and gives nothing.
// Legacy card callbacks carry no event id, so the press is identified by
// card, user and answer: pressing the same button twice is one answer.
func (s *Source) cardEvent(a *cardAction, chatID, messageID, openID, eventID string, at time.Time, raw []byte) (core.Event, bool) {
	if a == nil {
		return core.Event{}, false
	}
	action, _ := a.Value[ValueAction].(string)
	token, _ := a.Value[ValueToken].(string)
	score, _ := a.Value[ValueScore].(string)
	switch {
	case token == "" || openID == "":
		return core.Event{}, false
	case action == core.ActionConfirm || action == core.ActionReject:
		score = ""
	case action == core.ActionRate && len(score) == 1 && score >= "1" && score <= "9":
	default:
		return core.Event{}, false
	}
	chat, _ := a.Value[ValueChat].(string)
	thread, _ := a.Value[ValueThread].(string)
	if chat == "" {
		chat = chatID
	}
	if chat == "" {
		return core.Event{}, false
	}
	if eventID == "" {
		eventID = "card:" + messageID + ":" + openID + ":" + action + score
	}
	if at.IsZero() {
		at = s.now().UTC()
	}
	return core.Event{
		Source:       s.id,
		EventID:      eventID,
		Kind:         core.KindCommand,
		Conversation: core.ConversationRef{Source: s.id, Conversation: chat, Thread: thread},
		Sender:       core.Sender{ID: openID, Role: core.RoleCustomer},
		Time:         at,
		Action:       action,
		Text:         score,
		Meta:         map[string]any{MetaToken: token, source.MetaMessageID: messageID},
		Raw:          json.RawMessage(raw),
	}, true
}

// role maps sender_type: other apps and bots are bots, people customers.
func role(senderType string) core.Role {
	switch senderType {
	case "app", "bot":
		return core.RoleBot
	}
	return core.RoleCustomer
}

// msTime reads Feishu's millisecond timestamps; a few older payloads
// carry microseconds, told apart by their length.
func msTime(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	if len(s) > 13 {
		return time.UnixMicro(n).UTC()
	}
	return time.UnixMilli(n).UTC()
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// secondsTime reads v1's "1608725989.000046" (seconds with a fraction)
// without going through a float.
func secondsTime(s string) time.Time {
	whole, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || sec <= 0 {
		return time.Time{}
	}
	frac = (frac + "000000000")[:9]
	ns, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		ns = 0
	}
	return time.Unix(sec, ns).UTC()
}
