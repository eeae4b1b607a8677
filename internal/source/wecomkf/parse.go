package wecomkf

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

// Meta keys this source adds besides source.MetaMessageID.
const (
	MetaOpenKfID     = "open_kfid"
	MetaOrigin       = "origin"
	MetaEvent        = "event"
	MetaServiceState = "service_state"
	MetaServicer     = "servicer"
	MetaToken        = "token"
	MetaScene        = "scene"
)

// Service states of a 微信客服 session (service_state).
const (
	StateHuman = 3 // 由人工接待
	StateEnded = 4 // 已结束/未开始
)

// Menu entry ids of our confirmation prompt: menuPrefix + action + ":" + token.
const menuPrefix = "tb:"

// maxPages bounds the pages one callback reads even inside its budget.
const maxPages = 20

type query struct {
	signature, timestamp, nonce, echostr string
}

func readQuery(r *http.Request) query {
	q := r.URL.Query()
	return query{
		signature: q.Get("msg_signature"),
		timestamp: q.Get("timestamp"),
		nonce:     q.Get("nonce"),
		// base64 holds no spaces: a '+' left unescaped arrives as one.
		echostr: strings.ReplaceAll(q.Get("echostr"), " ", "+"),
	}
}

// CheckHeaders refuses, before the body is read, a callback without the
// query parameters its signature covers.
func (s *Source) CheckHeaders(r *http.Request) error {
	q := readQuery(r)
	if q.signature == "" || q.timestamp == "" || q.nonce == "" {
		return fmt.Errorf("%w: msg_signature, timestamp and nonce are required", core.ErrBadSignature)
	}
	return nil
}

// Verify checks msg_signature over the ciphertext (echostr on the URL
// check) and that it decrypts for our CorpID. Like the WeCom app
// callback, it has no time window; see the package doc.
func (s *Source) Verify(r *http.Request, body []byte) error {
	if err := s.CheckHeaders(r); err != nil {
		return err
	}
	q := readQuery(r)
	enc, err := encrypted(r, q, body)
	if err != nil {
		return err
	}
	if !s.cipher.CheckSignature(q.signature, q.timestamp, q.nonce, enc) {
		return fmt.Errorf("%w: msg_signature does not match", core.ErrBadSignature)
	}
	_, err = s.cipher.Decrypt(enc)
	return err
}

func encrypted(r *http.Request, q query, body []byte) (string, error) {
	switch r.Method {
	case http.MethodGet:
		if q.echostr == "" {
			return "", fmt.Errorf("%w: echostr is required", core.ErrMalformed)
		}
		return q.echostr, nil
	case http.MethodPost:
		var env Envelope
		if err := xml.Unmarshal(body, &env); err != nil {
			return "", fmt.Errorf("%w: envelope: %w", core.ErrMalformed, err)
		}
		if env.Encrypt == "" {
			return "", fmt.Errorf("%w: envelope: Encrypt is missing", core.ErrMalformed)
		}
		return env.Encrypt, nil
	}
	return "", fmt.Errorf("%w: method %s", core.ErrMalformed, r.Method)
}

// Parse answers the URL check with the decrypted echostr. A
// kf_msg_or_event callback names an account with new messages: Parse
// reads them with kf/sync_msg from the account's stored cursor and
// returns them as events; the cursor moves only in Inbound.Stored, after
// ingress has stored them. Every POST is answered with an empty 200.
func (s *Source) Parse(ctx context.Context, r *http.Request, body []byte) (core.Inbound, error) {
	q := readQuery(r)
	enc, err := encrypted(r, q, body)
	if err != nil {
		return core.Inbound{}, err
	}
	plain, err := s.cipher.Decrypt(enc)
	if err != nil {
		return core.Inbound{}, err
	}
	ok := &core.Reply{Status: http.StatusOK, ContentType: "text/plain; charset=utf-8"}
	if r.Method == http.MethodGet {
		ok.Body = plain
		return core.Inbound{Reply: ok}, nil
	}
	var cb Callback
	if err := xml.Unmarshal(plain, &cb); err != nil {
		return core.Inbound{}, fmt.Errorf("%w: callback: %w", core.ErrMalformed, err)
	}
	if cb.MsgType != "event" || cb.Event != EventKfMsgOrEvent {
		// Other callbacks on this URL (account or servicer changes) carry
		// nothing to read.
		return core.Inbound{Reply: ok}, nil
	}
	if cb.OpenKfID == "" {
		return core.Inbound{}, fmt.Errorf("%w: callback: OpenKfId is missing", core.ErrMalformed)
	}
	if s.accounts != nil && !s.accounts[cb.OpenKfID] {
		s.log.InfoContext(ctx, "callback for an account this source does not serve", "open_kfid", cb.OpenKfID)
		return core.Inbound{Reply: ok}, nil
	}
	if s.cursors == nil {
		return core.Inbound{}, fmt.Errorf("%w: wecom_kf has no cursor store", core.ErrUnavailable)
	}
	events, next, err := s.pull(ctx, cb.OpenKfID, cb.Token)
	if err != nil {
		// The platform retries an unanswered callback; until then the
		// messages wait behind the stored cursor.
		return core.Inbound{}, fmt.Errorf("%w: read messages of %s: %w", core.ErrUnavailable, cb.OpenKfID, err)
	}
	in := core.Inbound{Events: events, Reply: ok}
	if next != "" {
		name := s.cursorName(cb.OpenKfID)
		in.Stored = func(ctx context.Context) error { return s.cursors.CursorSet(ctx, name, next) }
	}
	return in, nil
}

// pull reads pages from the stored cursor until WeCom has no more, the
// budget is spent or maxPages were read; it returns the events and the
// cursor after the last page ("" when nothing was read).
func (s *Source) pull(ctx context.Context, openKfID, token string) ([]core.Event, string, error) {
	cursor, err := s.cursors.CursorGet(ctx, s.cursorName(openKfID))
	if err != nil {
		return nil, "", fmt.Errorf("load cursor: %w", err)
	}
	deadline := s.now().Add(s.budget)
	var events []core.Event
	next := ""
	for page := 0; page < maxPages; page++ {
		var ans SyncAnswer
		req := SyncRequest{Cursor: cursor, Token: token, Limit: 1000, OpenKfID: openKfID}
		err := s.api.Call(ctx, "sync messages", http.MethodPost, "/cgi-bin/kf/sync_msg", nil, req, &ans,
			func() (int, string) { return ans.ErrCode, ans.ErrMsg })
		if err != nil && ans.ErrCode == errMsgToken && token != "" {
			// The token is optional (without it WeCom throttles harder): a
			// stale one must not leave the messages unread.
			token, req.Token, ans = "", "", SyncAnswer{}
			err = s.api.Call(ctx, "sync messages", http.MethodPost, "/cgi-bin/kf/sync_msg", nil, req, &ans,
				func() (int, string) { return ans.ErrCode, ans.ErrMsg })
		}
		if err != nil {
			if next != "" {
				// Keep what was read: its cursor is stored with it.
				break
			}
			return nil, "", err
		}
		for _, m := range ans.MsgList {
			ev, ok, err := s.normalize(m)
			if err != nil {
				// One unreadable message must not hold the account's
				// queue: it is logged and passed over.
				s.log.WarnContext(ctx, "message not understood", "msgid", m.MsgID, "error", err)
				continue
			}
			if ok {
				events = append(events, ev)
			}
		}
		if ans.NextCursor != "" {
			cursor, next = ans.NextCursor, ans.NextCursor
		}
		if ans.HasMore == 0 || ans.NextCursor == "" || !s.now().Before(deadline) {
			break
		}
	}
	return events, next, nil
}

// normalize maps one synced message to an event; ok is false for what
// ticketbridge has no use for.
func (s *Source) normalize(m Msg) (core.Event, bool, error) {
	if m.MsgID == "" {
		return core.Event{}, false, errors.New("msgid is missing")
	}
	if m.SendTime <= 0 {
		return core.Event{}, false, errors.New("send_time is missing")
	}
	ev := core.Event{
		Source:  s.id,
		EventID: m.MsgID,
		Kind:    core.KindMessage,
		Time:    time.Unix(m.SendTime, 0).UTC(),
		Meta:    map[string]any{source.MetaMessageID: m.MsgID, MetaOrigin: m.Origin, MetaOpenKfID: m.OpenKfID},
	}
	raw, _ := json.Marshal(m)
	ev.Raw = raw
	if m.Origin == OriginSystem {
		return s.normalizeEvent(ev, m)
	}
	if m.ExternalUserID == "" {
		return core.Event{}, false, errors.New("external_userid is missing")
	}
	ev.Conversation = conversation(s.id, m.OpenKfID, m.ExternalUserID)
	switch m.Origin {
	case OriginCustomer:
		ev.Sender = core.Sender{ID: m.ExternalUserID, Role: core.RoleCustomer}
	case OriginServicer:
		ev.Sender = core.Sender{ID: m.ServicerUserID, Role: core.RoleAgent}
	default:
		return core.Event{}, false, nil
	}
	switch {
	case m.MsgType == "text" && m.Text != nil:
		if rest, ours := strings.CutPrefix(m.Text.MenuID, menuPrefix); ours {
			action, token, _ := strings.Cut(rest, ":")
			if action == core.ActionConfirm || action == core.ActionReject {
				ev.Kind, ev.Action = core.KindCommand, action
				ev.Meta[MetaToken] = token
				return ev, true, nil
			}
		}
		ev.Text = m.Text.Content
	case m.MsgType == "image" && m.Image != nil:
		ev.Attachments = []core.Attachment{{ID: m.Image.MediaID, Name: "image.jpg", ContentType: "image/jpeg"}}
	case m.MsgType == "voice" && m.Voice != nil:
		ev.Attachments = []core.Attachment{{ID: m.Voice.MediaID, Name: "voice.amr", ContentType: "audio/amr"}}
	case m.MsgType == "video" && m.Video != nil:
		ev.Attachments = []core.Attachment{{ID: m.Video.MediaID, Name: "video.mp4", ContentType: "video/mp4"}}
	case m.MsgType == "file" && m.File != nil:
		ev.Attachments = []core.Attachment{{ID: m.File.MediaID, Name: "file"}}
	case m.MsgType == "location" && m.Location != nil:
		l := m.Location
		ev.Text = strings.TrimSpace(fmt.Sprintf("[location] %s %s (%.6f, %.6f)", l.Name, l.Address, l.Latitude, l.Longitude))
	case m.MsgType == "link" && m.Link != nil:
		ev.Text = strings.TrimSpace(strings.Join([]string{m.Link.Title, m.Link.Desc, m.Link.URL}, "\n"))
	default:
		// Business cards, mini programs, channel shares: nothing a ticket
		// can use.
		return core.Event{}, false, nil
	}
	for _, a := range ev.Attachments {
		if a.ID == "" {
			return core.Event{}, false, fmt.Errorf("%s message without media_id", m.MsgType)
		}
	}
	if strings.TrimSpace(ev.Text) == "" && len(ev.Attachments) == 0 {
		return core.Event{}, false, fmt.Errorf("empty %s message", m.MsgType)
	}
	return ev, true, nil
}

// normalizeEvent maps a system event: a servicer taking the session
// (service_state 3) is a handover, the session ending (4) ends the
// conversation. Entering the session and send failures are logged and
// dropped.
func (s *Source) normalizeEvent(ev core.Event, m Msg) (core.Event, bool, error) {
	e := m.Event
	if m.MsgType != "event" || e == nil {
		return core.Event{}, false, nil
	}
	ev.Meta[MetaEvent] = e.EventType
	kf, user := e.OpenKfID, e.ExternalUserID
	if kf == "" {
		kf = m.OpenKfID
	}
	if user == "" {
		user = m.ExternalUserID
	}
	switch e.EventType {
	case EventSessionStatusChange:
		if user == "" {
			return core.Event{}, false, errors.New("session_status_change without external_userid")
		}
		ev.Conversation = conversation(s.id, kf, user)
		switch e.ChangeType {
		case ChangeFromPool, ChangeReopen:
			ev.Kind = core.KindHandover
			ev.Sender = core.Sender{ID: e.NewServicerUserID, Role: core.RoleAgent}
			ev.Meta[MetaServiceState] = StateHuman
			ev.Meta[MetaServicer] = e.NewServicerUserID
			return ev, true, nil
		case ChangeEnd:
			ev.Kind = core.KindConversationEnded
			ev.Sender = core.Sender{ID: e.OldServicerUserID, Role: core.RoleAgent}
			ev.Meta[MetaServiceState] = StateEnded
			return ev, true, nil
		}
		// A transfer between servicers keeps the session with a human.
		return core.Event{}, false, nil
	case EventMsgSendFail:
		s.log.Warn("wecom_kf: a sent message did not reach the customer", "open_kfid", kf,
			"external_userid", user, "fail_msgid", e.FailMsgID, "fail_type", e.FailType)
	}
	return core.Event{}, false, nil
}

// conversation is one customer's conversation with one 客服帐号.
func conversation(sourceID, openKfID, externalUserID string) core.ConversationRef {
	return core.ConversationRef{Source: sourceID, Conversation: openKfID + ":" + externalUserID}
}

// splitConversation is conversation's inverse.
func splitConversation(c core.ConversationRef) (openKfID, externalUserID string, ok bool) {
	openKfID, externalUserID, ok = strings.Cut(c.Conversation, ":")
	return openKfID, externalUserID, ok && openKfID != "" && externalUserID != ""
}
