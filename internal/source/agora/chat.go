package agora

import (
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

// Chat conversation ids carry their kind, because Post must pick the REST
// path (users, chatgroups or chatrooms) from the ConversationRef alone and
// group ids, room ids and user names are all plain strings.
const (
	ConvUser  = "user:"
	ConvGroup = "group:"
	ConvRoom  = "room:"
)

func (s *Source) parseChat(body []byte) (core.Inbound, error) {
	ack := &core.Reply{Status: 200, ContentType: "application/json", Body: chatAck}
	var cb ChatCallback
	if err := strictJSON(body, &cb); err != nil {
		return core.Inbound{}, malformed("callback: %s", jsonReason(err))
	}
	if cb.CallID == "" {
		return core.Inbound{}, malformed("callId: missing")
	}
	if cb.EventType != ChatEventMessage {
		// Offline copies, presence, group and roster events.
		return core.Inbound{Reply: ack}, nil
	}
	ms, err := strconv.ParseInt(cb.Timestamp.String(), 10, 64)
	if err != nil || ms <= 0 {
		return core.Inbound{}, malformed("timestamp: not milliseconds")
	}
	if cb.From == "" {
		return core.Inbound{}, malformed("from: missing")
	}
	ev := core.Event{
		Source:  s.id,
		EventID: cb.CallID,
		Kind:    core.KindMessage,
		Sender:  core.Sender{ID: cb.From, Role: core.RoleCustomer},
		Time:    time.UnixMilli(ms).UTC(),
		Meta:    map[string]any{"chat_type": cb.ChatType},
		Raw:     json.RawMessage(body),
	}
	ours := cb.From == s.chatFrom
	if ours {
		ev.Sender.Role = core.RoleBot
	}
	if cb.MsgID != "" {
		ev.Meta[source.MetaMessageID] = cb.MsgID
	}
	switch cb.ChatType {
	case ChatTypeUser:
		// The conversation is the customer: the sender, or the recipient
		// when the message is our own.
		peer := cb.From
		if ours {
			peer = cb.To
		}
		if peer == "" {
			return core.Inbound{}, malformed("to: missing")
		}
		ev.Conversation = core.ConversationRef{Source: s.id, Conversation: ConvUser + peer}
	case ChatTypeGroup, ChatTypeRoom:
		id := cb.GroupID
		if id == "" {
			id = cb.To
		}
		if id == "" {
			return core.Inbound{}, malformed("group_id: missing")
		}
		prefix := ConvGroup
		if cb.ChatType == ChatTypeRoom {
			prefix = ConvRoom
			ev.Kind = core.KindLiveFeedback
			ev.Meta["stream"] = id
		}
		ev.Conversation = core.ConversationRef{Source: s.id, Conversation: prefix + id}
	default:
		return core.Inbound{}, malformed("chat_type: unknown %q", cut(cb.ChatType, 40))
	}
	if cb.Payload != nil {
		ev.Text, ev.Attachments = renderBodies(cb.MsgID, cb.Payload.Bodies)
	}
	if strings.TrimSpace(ev.Text) == "" && len(ev.Attachments) == 0 {
		// Command (cmd) and custom messages carry nothing a ticket can use.
		return core.Inbound{Reply: ack}, nil
	}
	return core.Inbound{Events: []core.Event{ev}, Reply: ack}, nil
}

// renderBodies joins the text bodies and turns files into attachments.
func renderBodies(msgID string, bodies []ChatBody) (string, []core.Attachment) {
	var lines []string
	var atts []core.Attachment
	for i, b := range bodies {
		switch b.Type {
		case "txt":
			if t := strings.TrimSpace(b.Msg); t != "" {
				lines = append(lines, b.Msg)
			}
		case "img", "file", "audio", "video":
			if b.URL == "" {
				continue
			}
			atts = append(atts, core.Attachment{
				ID:   attachmentID(msgID, i, b.URL),
				Name: orDefault(b.Filename, b.Type),
				Size: b.FileLength,
				URL:  b.URL,
			})
		case "loc":
			lines = append(lines, strings.TrimSpace(fmt.Sprintf("[location] %s (%g, %g)", b.Addr, b.Lat, b.Lng)))
		}
	}
	return strings.Join(lines, "\n"), atts
}

// attachmentID is the file's uuid (the last part of its chatfiles URL),
// or the message id and body index when the URL has none.
func attachmentID(msgID string, i int, url string) string {
	if base := path.Base(strings.SplitN(url, "?", 2)[0]); base != "" && base != "." && base != "/" && !strings.Contains(base, ":") {
		return base
	}
	return msgID + "#" + strconv.Itoa(i)
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
