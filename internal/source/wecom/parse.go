package wecom

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

// Button keys of our confirmation card: keyPrefix + action + ":" + token.
const keyPrefix = "tb:"

// Meta keys this source adds besides source.MetaMessageID.
const (
	MetaToken        = "token"
	MetaTaskID       = "task_id"
	MetaResponseCode = "response_code"
	MetaEvent        = "event"
)

// query holds the signed query parameters of a callback.
type query struct {
	signature, timestamp, nonce, echostr string
}

func readQuery(r *http.Request) query {
	q := r.URL.Query()
	return query{
		signature: q.Get("msg_signature"),
		timestamp: q.Get("timestamp"),
		nonce:     q.Get("nonce"),
		// A sender that forgot to escape '+' has it turned into a space by
		// query decoding; base64 never holds spaces, so put it back.
		echostr: strings.ReplaceAll(q.Get("echostr"), " ", "+"),
	}
}

// Verify checks msg_signature over the Encrypt value (echostr on the URL
// check) and that it decrypts to a message for our receive id. WeCom
// signs no time window, so there is none here: redeliveries and replays
// are dropped by the store's dedupe on the event id (see the package doc).
func (s *Source) Verify(r *http.Request, body []byte) error {
	q := readQuery(r)
	if q.signature == "" || q.timestamp == "" || q.nonce == "" {
		return fmt.Errorf("%w: msg_signature, timestamp and nonce are required", core.ErrBadSignature)
	}
	encrypt, err := s.encrypted(r, q, body)
	if err != nil {
		return err
	}
	if !s.cipher.CheckSignature(q.signature, q.timestamp, q.nonce, encrypt) {
		return fmt.Errorf("%w: msg_signature does not match", core.ErrBadSignature)
	}
	_, err = s.cipher.Decrypt(encrypt)
	return err
}

// encrypted returns the signed ciphertext: echostr for the GET URL check,
// the envelope's Encrypt for a POST.
func (s *Source) encrypted(r *http.Request, q query, body []byte) (string, error) {
	switch r.Method {
	case http.MethodGet:
		if q.echostr == "" {
			return "", fmt.Errorf("%w: echostr is required", core.ErrMalformed)
		}
		return q.echostr, nil
	case http.MethodPost:
		var env Envelope
		if err := s.unmarshal(body, &env); err != nil {
			return "", fmt.Errorf("%w: envelope: %w", core.ErrMalformed, err)
		}
		if env.Encrypt == "" {
			return "", fmt.Errorf("%w: envelope: encrypt is missing", core.ErrMalformed)
		}
		return env.Encrypt, nil
	}
	return "", fmt.Errorf("%w: method %s", core.ErrMalformed, r.Method)
}

func (s *Source) unmarshal(data []byte, v any) error {
	if s.format == FormatJSON {
		return json.Unmarshal(data, v)
	}
	return xml.Unmarshal(data, v)
}

// Parse answers the URL check with the decrypted echostr, and turns a
// callback into events. Every POST is answered with an empty 200, which
// WeCom reads as "no passive reply" (our JSON summary would not be).
func (s *Source) Parse(_ context.Context, r *http.Request, body []byte) (core.Inbound, error) {
	q := readQuery(r)
	encrypt, err := s.encrypted(r, q, body)
	if err != nil {
		return core.Inbound{}, err
	}
	plain, err := s.cipher.Decrypt(encrypt)
	if err != nil {
		return core.Inbound{}, err
	}
	if r.Method == http.MethodGet {
		return core.Inbound{Reply: &core.Reply{Status: http.StatusOK, ContentType: "text/plain; charset=utf-8", Body: plain}}, nil
	}
	var m Message
	if err := s.unmarshal(plain, &m); err != nil {
		return core.Inbound{}, fmt.Errorf("%w: message: %w", core.ErrMalformed, err)
	}
	ev, ok, err := s.normalize(m, plain)
	if err != nil {
		return core.Inbound{}, err
	}
	in := core.Inbound{Reply: &core.Reply{Status: http.StatusOK, ContentType: "text/plain; charset=utf-8"}}
	if ok {
		in.Events = []core.Event{ev}
	}
	return in, nil
}

// normalize maps one decrypted callback to an event; ok is false for
// callbacks ticketbridge has no use for (entering the app, other apps'
// cards), which are acknowledged and dropped.
func (s *Source) normalize(m Message, plain []byte) (core.Event, bool, error) {
	if m.FromUserName == "" {
		return core.Event{}, false, fmt.Errorf("%w: FromUserName is missing", core.ErrMalformed)
	}
	if m.MsgType == "" {
		return core.Event{}, false, fmt.Errorf("%w: MsgType is missing", core.ErrMalformed)
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(string(m.CreateTime)), 10, 64)
	if err != nil || secs <= 0 {
		return core.Event{}, false, fmt.Errorf("%w: CreateTime is not unix seconds", core.ErrMalformed)
	}
	ev := core.Event{
		Source:       s.id,
		Kind:         core.KindMessage,
		Conversation: core.ConversationRef{Source: s.id, Conversation: m.FromUserName},
		Sender:       core.Sender{ID: m.FromUserName, Role: core.RoleCustomer},
		Time:         time.Unix(secs, 0).UTC(),
		Raw:          rawJSON(plain, s.format),
	}
	if m.MsgType == "event" {
		return s.normalizeEvent(ev, m)
	}
	msgID := strings.TrimSpace(string(m.MsgID))
	if msgID == "" {
		// Every message carries MsgId; without one, fall back to what
		// the docs suggest for events so a redelivery still matches.
		msgID = fmt.Sprintf("%s@%d#%s", m.FromUserName, secs, m.MsgType)
	} else {
		ev.Meta = map[string]any{source.MetaMessageID: msgID}
	}
	ev.EventID = msgID
	switch m.MsgType {
	case "text":
		ev.Text = m.Content
	case "image":
		ev.Attachments = []core.Attachment{{ID: m.MediaID, Name: "image.jpg", ContentType: "image/jpeg", URL: m.PicURL}}
	case "voice":
		format := strings.ToLower(m.Format)
		if format == "" {
			format = "amr"
		}
		ev.Attachments = []core.Attachment{{ID: m.MediaID, Name: "voice." + format, ContentType: "audio/" + format}}
	case "video":
		ev.Attachments = []core.Attachment{{ID: m.MediaID, Name: "video.mp4", ContentType: "video/mp4"}}
	case "file":
		name := m.FileName
		if name == "" {
			name = m.Title
		}
		ev.Attachments = []core.Attachment{{ID: m.MediaID, Name: name}}
	case "location":
		ev.Text = fmt.Sprintf("[location] %s (%s, %s)", m.Label, m.LocationX, m.LocationY)
	case "link":
		ev.Text = strings.TrimSpace(strings.Join([]string{m.Title, m.Description, m.URL}, "\n"))
	default:
		return core.Event{}, false, nil
	}
	for _, a := range ev.Attachments {
		if a.ID == "" {
			return core.Event{}, false, fmt.Errorf("%w: %s message without MediaId", core.ErrMalformed, m.MsgType)
		}
	}
	if strings.TrimSpace(ev.Text) == "" && len(ev.Attachments) == 0 {
		return core.Event{}, false, fmt.Errorf("%w: empty %s message", core.ErrMalformed, m.MsgType)
	}
	return ev, true, nil
}

// normalizeEvent handles MsgType "event". Events have no MsgId; the docs
// name FromUserName + CreateTime as their identity, to which we add the
// event type and the card's task id.
func (s *Source) normalizeEvent(ev core.Event, m Message) (core.Event, bool, error) {
	ev.EventID = fmt.Sprintf("%s@%s#%s", m.FromUserName, strings.TrimSpace(string(m.CreateTime)), m.Event)
	ev.Kind = core.KindCommand
	ev.Meta = map[string]any{MetaEvent: m.Event}
	switch m.Event {
	case "template_card_event":
		rest, ours := strings.CutPrefix(m.EventKey, keyPrefix)
		action, token, found := strings.Cut(rest, ":")
		if !ours || !found || (action != core.ActionConfirm && action != core.ActionReject) {
			return core.Event{}, false, nil // a card that is not our prompt
		}
		ev.EventID += "#" + m.TaskID
		ev.Action = action
		ev.Meta[MetaToken] = token
		ev.Meta[MetaTaskID] = m.TaskID
		if m.ResponseCode != "" {
			ev.Meta[MetaResponseCode] = m.ResponseCode
		}
		return ev, true, nil
	case "click":
		// A custom menu entry whose key is a command name ("ticket").
		cmd := strings.TrimPrefix(strings.TrimSpace(m.EventKey), "/")
		if cmd == "" {
			return core.Event{}, false, nil
		}
		ev.EventID += "#" + m.EventKey
		ev.Command = cmd
		return ev, true, nil
	}
	return core.Event{}, false, nil
}

// rawJSON keeps the decrypted callback for audit. Event.Raw is JSON by
// contract, so the XML form is stored as one JSON string.
func rawJSON(plain []byte, format string) json.RawMessage {
	if format == FormatJSON && json.Valid(plain) {
		return append(json.RawMessage(nil), plain...)
	}
	b, _ := json.Marshal(string(plain))
	return b
}
