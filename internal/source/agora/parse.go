package agora

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// chatAck is the answer to a Chat callback. Post-delivery callbacks ignore
// it; a pre-delivery callback reads it as "let the message through".
var chatAck = []byte(`{"valid":true}`)

// Parse turns a verified request into events: channel notices become call
// signals, Chat message callbacks become messages (or live feedback for
// chat rooms). Notices and callbacks we do not act on are acknowledged
// with no events, so Agora does not resend them.
func (s *Source) Parse(_ context.Context, r *http.Request, body []byte) (core.Inbound, error) {
	if shapeOf(r) == shapeNCS {
		return s.parseNCS(body)
	}
	return s.parseChat(body)
}

// AcksInJSON is true: NCS wants "200 with a JSON body" for a notice it
// should not resend, so every delivery is answered with the counts.
func (s *Source) AcksInJSON() bool { return true }

// productRTC is the productId of RTC channel notices; other products
// (cloud recording, media push, …) number their events differently.
const productRTC = 1

// channelEvents maps the channel event types to whether they carry a user.
var channelEvents = map[int]bool{
	EventChannelCreate: false, EventChannelDestroy: false,
	EventBroadcasterJoin: true, EventBroadcasterLeave: true,
	EventAudienceJoin: true, EventAudienceLeave: true,
	EventUserJoin: true, EventUserLeave: true,
	EventToBroadcaster: true, EventToAudience: true,
}

func (s *Source) parseNCS(body []byte) (core.Inbound, error) {
	var n Notice
	if err := strictJSON(body, &n); err != nil {
		return core.Inbound{}, malformed("notice: %s", jsonReason(err))
	}
	if n.NoticeID == "" {
		return core.Inbound{}, malformed("noticeId: missing")
	}
	withUser, ok := channelEvents[n.EventType]
	if !ok || n.ProductID != productRTC {
		// Other products' notices and the Console's test notice.
		return core.Inbound{}, nil
	}
	var p ChannelPayload
	if err := strictJSON(n.Payload, &p); err != nil {
		return core.Inbound{}, malformed("payload: %s", jsonReason(err))
	}
	switch {
	case p.ChannelName == "":
		return core.Inbound{}, malformed("payload.channelName: missing")
	case p.TS <= 0:
		return core.Inbound{}, malformed("payload.ts: missing")
	case withUser && p.UID == "":
		return core.Inbound{}, malformed("payload.uid: missing for event %d", n.EventType)
	}
	meta := map[string]any{
		"event_type": n.EventType,
		"call_kind":  s.callKind(p.ChannelName),
	}
	sender := core.Sender{Role: core.RoleCustomer}
	if withUser {
		uid, err := strconv.ParseUint(p.UID.String(), 10, 64)
		if err != nil {
			return core.Inbound{}, malformed("payload.uid: not a whole number")
		}
		sender.ID = strconv.FormatUint(uid, 10)
		meta["uid"] = uid
		if p.Account != "" {
			sender.Name = p.Account
			meta["account"] = p.Account
		}
	} else {
		// Channel create/destroy have no user; the channel speaks.
		sender.ID = "channel:" + p.ChannelName
	}
	putInt(meta, "platform", p.Platform)
	putInt(meta, "client_type", p.ClientType)
	putInt(meta, "reason", p.Reason)
	if p.Duration != nil {
		meta["duration"] = *p.Duration
	}
	if p.ClientSeq != nil {
		meta["client_seq"] = *p.ClientSeq
	}
	return core.Inbound{Events: []core.Event{{
		Source:       s.id,
		EventID:      n.NoticeID,
		Kind:         KindCallSignal,
		Conversation: core.ConversationRef{Source: s.id, Conversation: p.ChannelName},
		Sender:       sender,
		Time:         time.Unix(p.TS, 0).UTC(),
		Meta:         meta,
		Raw:          json.RawMessage(body),
	}}}, nil
}

func putInt(meta map[string]any, key string, v *int) {
	if v != nil {
		meta[key] = *v
	}
}

var (
	errEmpty    = errors.New("empty")
	errTrailing = errors.New("trailing data after the object")
)

// strictJSON decodes one JSON object and refuses trailing data.
func strictJSON(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return errEmpty
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errTrailing
	}
	return nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", core.ErrMalformed, fmt.Sprintf(format, args...))
}

// jsonReason names the bad field without echoing the body back.
func jsonReason(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Sprintf("%s: wrong type %s", te.Field, te.Value)
	}
	if errors.Is(err, errEmpty) || errors.Is(err, errTrailing) {
		return err.Error()
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	return "invalid JSON"
}
