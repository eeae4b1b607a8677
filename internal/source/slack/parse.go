package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

// Action ids of our confirmation buttons.
const (
	ActionConfirmID = "tb_confirm"
	ActionRejectID  = "tb_reject"
	// PromptBlockID names the actions block carrying them.
	PromptBlockID = "tb_prompt"
	// ActionRatePrefix + "1" … "5" are a survey's buttons, in the actions
	// block RatingBlockID; ActionHandoverID is a "talk to a person"
	// button a bot may post.
	ActionRatePrefix = "tb_rate_"
	RatingBlockID    = "tb_rating"
	ActionHandoverID = "tb_handover"
)

// Meta keys this connector adds besides source.Meta*.
const (
	// MetaEventID is Slack's envelope event id ("Ev…").
	MetaEventID = "slack_event_id"
	// MetaTeam is the workspace id.
	MetaTeam = "team"
	// MetaToken is the prompt token a confirmation button carried.
	MetaToken = "token"
	// MetaAuthor is the author of the message a shortcut or reaction
	// points at, the likely requester.
	MetaAuthor = "author"
	// MetaTicketReaction is true when a reaction is the configured one.
	MetaTicketReaction = "ticket_reaction"
	// MetaPrompt is the ts of our prompt message whose button was pressed.
	MetaPrompt = "prompt_ts"
)

// messageSubtypes are the message subtypes people write; every other one
// (bot_message, message_changed, channel_join, …) is not a new message.
var messageSubtypes = map[string]bool{"": true, "file_share": true, "thread_broadcast": true, "me_message": true}

// Parse turns a verified request into events: a JSON body is an Events API
// delivery, a form body a slash command or (with payload=) an interaction.
// Deliveries that carry nothing for us (bot messages, edits, other
// interaction types) give no events and are acknowledged.
func (s *Source) Parse(_ context.Context, r *http.Request, body []byte) (core.Inbound, error) {
	if isForm(r, body) {
		return s.parseForm(r, body)
	}
	return s.parseEvent(body)
}

func isForm(r *http.Request, body []byte) bool {
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil {
		switch ct {
		case "application/x-www-form-urlencoded":
			return true
		case "application/json":
			return false
		}
	}
	t := bytes.TrimSpace(body)
	return len(t) > 0 && t[0] != '{'
}

func (s *Source) parseEvent(body []byte) (core.Inbound, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return core.Inbound{}, malformed("%s", jsonReason(err))
	}
	switch env.Type {
	case "url_verification":
		if env.Challenge == "" {
			return core.Inbound{}, malformed("challenge: missing")
		}
		return core.Inbound{Reply: &core.Reply{Status: http.StatusOK, ContentType: "text/plain", Body: []byte(env.Challenge)}}, nil
	case "event_callback":
	case "":
		return core.Inbound{}, malformed("type: missing")
	default:
		// app_rate_limited and future envelope types: nothing to store.
		return core.Inbound{}, nil
	}
	if env.EventID == "" {
		return core.Inbound{}, malformed("event_id: missing")
	}
	if len(env.Event) == 0 {
		return core.Inbound{}, malformed("event: missing")
	}
	for _, a := range env.Authorizations {
		if a.IsBot && validID(a.UserID) {
			s.learnBotUser(a.UserID)
		}
	}
	var probe struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(env.Event, &probe); err != nil {
		return core.Inbound{}, malformed("event: %s", jsonReason(err))
	}
	at := time.Unix(env.EventTime, 0).UTC()
	var (
		ev  core.Event
		ok  bool
		err error
	)
	switch probe.Type {
	case "message", "app_mention":
		ev, ok, err = s.messageEvent(env.Event)
	case "reaction_added":
		ev, ok, err = s.reactionEvent(env, at)
	default:
		return core.Inbound{}, nil
	}
	if err != nil || !ok {
		return core.Inbound{}, err
	}
	if ev.Time.IsZero() {
		ev.Time = at
	}
	ev.Meta[MetaEventID] = env.EventID
	if env.TeamID != "" {
		ev.Meta[MetaTeam] = env.TeamID
	}
	ev.Raw = json.RawMessage(body)
	return core.Inbound{Events: []core.Event{ev}}, nil
}

// messageEvent converts a message or app_mention event. Its event id is
// the message's own (channel and ts), not the envelope's: Slack delivers
// one message that mentions the bot twice, as message and as app_mention,
// with different envelope ids, and redeliveries keep both ids anyway.
func (s *Source) messageEvent(raw json.RawMessage) (core.Event, bool, error) {
	var m message
	if err := json.Unmarshal(raw, &m); err != nil {
		return core.Event{}, false, malformed("event: %s", jsonReason(err))
	}
	if m.Channel == "" {
		return core.Event{}, false, malformed("event.channel: missing")
	}
	if m.TS == "" {
		return core.Event{}, false, malformed("event.ts: missing")
	}
	ev, ok := s.messageToEvent(m, m.Channel)
	if !ok {
		return core.Event{}, false, nil
	}
	return ev, true, nil
}

// messageToEvent converts a message people wrote; ok is false for the
// ones ticketbridge ignores (bots, ourselves, edits, system messages,
// empty ones).
func (s *Source) messageToEvent(m message, channel string) (core.Event, bool) {
	bot := s.botUser()
	if m.Hidden || !messageSubtypes[m.Subtype] || m.BotID != "" || m.User == "" || (bot != "" && m.User == bot) {
		return core.Event{}, false
	}
	text := renderText(m.Text, bot)
	atts := attachments(m.Files)
	if strings.TrimSpace(text) == "" && len(atts) == 0 {
		return core.Event{}, false
	}
	ev := core.Event{
		Source:  s.id,
		EventID: channel + ":" + m.TS,
		Kind:    core.KindMessage,
		Conversation: core.ConversationRef{
			Source:       s.id,
			Conversation: channel,
			Thread:       m.ThreadTS,
		},
		Sender:      core.Sender{ID: m.User, Role: core.RoleCustomer},
		Time:        tsTime(m.TS),
		Text:        text,
		Attachments: atts,
		Meta:        map[string]any{source.MetaMessageID: m.TS},
	}
	return ev, true
}

// attachments lists a message's files that can be downloaded; files hidden
// by the workspace's plan or deleted ("tombstone") have no URL.
func attachments(files []file) []core.Attachment {
	var out []core.Attachment
	for _, f := range files {
		u := f.URLPrivateDownload
		if u == "" {
			u = f.URLPrivate
		}
		if f.ID == "" || u == "" {
			continue
		}
		name := f.Name
		if name == "" {
			name = f.Title
		}
		out = append(out, core.Attachment{ID: f.ID, Name: name, ContentType: f.Mimetype, Size: f.Size, URL: u})
	}
	return out
}

// reactionEvent converts reaction_added on a message. The conversation is
// the thread the message starts (its ts as thread_ts), which is where
// replies to a top-level message go; for a message that is itself a
// reply, the thread root is unknown here, and the notices go to a new
// thread under the reacted-to message. A MessageFetcher call finds the
// message's text.
func (s *Source) reactionEvent(env envelope, at time.Time) (core.Event, bool, error) {
	var re reactionEvent
	if err := json.Unmarshal(env.Event, &re); err != nil {
		return core.Event{}, false, malformed("event: %s", jsonReason(err))
	}
	if re.Item.Type != "message" || re.User == "" || re.Reaction == "" {
		return core.Event{}, false, nil // reactions on files and the like
	}
	if re.Item.Channel == "" || re.Item.TS == "" {
		return core.Event{}, false, malformed("event.item: channel and ts required")
	}
	role := core.RoleCustomer
	if bot := s.botUser(); bot != "" && re.User == bot {
		role = core.RoleBot
	}
	meta := map[string]any{
		source.MetaReaction: reactionName(re.Reaction),
		source.MetaTarget:   re.Item.TS,
		MetaTicketReaction:  reactionName(re.Reaction) == s.reaction,
	}
	if re.ItemUser != "" {
		meta[MetaAuthor] = re.ItemUser
	}
	t := tsTime(re.EventTS)
	if t.IsZero() {
		t = at
	}
	return core.Event{
		Source:       s.id,
		EventID:      env.EventID,
		Kind:         core.KindReaction,
		Conversation: core.ConversationRef{Source: s.id, Conversation: re.Item.Channel, Thread: re.Item.TS},
		Sender:       core.Sender{ID: re.User, Role: role},
		Time:         t,
		Meta:         meta,
	}, true, nil
}

// reactionName drops a skin-tone suffix ("ticket::skin-tone-2").
func reactionName(r string) string {
	name, _, _ := strings.Cut(r, "::")
	return name
}

func (s *Source) parseForm(r *http.Request, body []byte) (core.Inbound, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return core.Inbound{}, malformed("body: invalid form encoding")
	}
	// The signed request timestamp stands in for payloads without a time.
	at := s.now().UTC()
	if ts, err := strconv.ParseInt(r.Header.Get(HeaderTimestamp), 10, 64); err == nil {
		at = time.Unix(ts, 0).UTC()
	}
	var (
		ev core.Event
		ok bool
	)
	switch {
	case form.Has("payload"):
		ev, ok, err = s.interactionEvent(form.Get("payload"), at)
	case form.Has("command"):
		ev, ok, err = s.commandEvent(form, at)
	default:
		return core.Inbound{}, malformed("body: neither a slash command nor an interaction payload")
	}
	if err != nil {
		return core.Inbound{}, err
	}
	// Slack wants an empty 200 for commands and interactions: a JSON body
	// would be shown to the user as a message.
	in := core.Inbound{Reply: &core.Reply{Status: http.StatusOK, ContentType: "text/plain"}}
	if ok {
		if form.Has("payload") {
			ev.Raw = json.RawMessage(form.Get("payload"))
		} else {
			ev.Raw, _ = json.Marshal(form)
		}
		in.Events = []core.Event{ev}
	}
	return in, nil
}

// commandEvent converts a slash command. Its event id is the trigger id,
// which is unique per invocation and kept by redeliveries.
func (s *Source) commandEvent(form url.Values, at time.Time) (core.Event, bool, error) {
	for _, k := range []string{"command", "channel_id", "user_id", "trigger_id"} {
		if form.Get(k) == "" {
			return core.Event{}, false, malformed("%s: missing", k)
		}
	}
	name := strings.TrimPrefix(strings.TrimSpace(form.Get("command")), "/")
	if name == "" {
		return core.Event{}, false, malformed("command: empty name")
	}
	meta := map[string]any{}
	if t := form.Get("team_id"); t != "" {
		meta[MetaTeam] = t
	}
	return core.Event{
		Source:       s.id,
		EventID:      "command:" + form.Get("trigger_id"),
		Kind:         core.KindCommand,
		Conversation: core.ConversationRef{Source: s.id, Conversation: form.Get("channel_id")},
		Sender:       core.Sender{ID: form.Get("user_id"), Name: form.Get("user_name"), Role: core.RoleCustomer},
		Time:         at,
		Command:      name,
		Text:         renderText(form.Get("text"), ""),
		Meta:         meta,
	}, true, nil
}

func (s *Source) interactionEvent(payload string, at time.Time) (core.Event, bool, error) {
	var in interaction
	if err := json.Unmarshal([]byte(payload), &in); err != nil {
		return core.Event{}, false, malformed("payload: %s", jsonReason(err))
	}
	switch in.Type {
	case "message_action":
		if in.CallbackID != s.callback {
			return core.Event{}, false, nil
		}
		return s.shortcutEvent(in, at)
	case "block_actions":
		return s.buttonEvent(in, at)
	case "":
		return core.Event{}, false, malformed("payload.type: missing")
	}
	return core.Event{}, false, nil
}

// shortcutEvent converts the "Create ticket" message shortcut: a command
// whose text is the message it was used on, in that message's thread.
func (s *Source) shortcutEvent(in interaction, at time.Time) (core.Event, bool, error) {
	switch {
	case in.TriggerID == "":
		return core.Event{}, false, malformed("payload.trigger_id: missing")
	case in.User.ID == "":
		return core.Event{}, false, malformed("payload.user.id: missing")
	case in.Channel.ID == "":
		return core.Event{}, false, malformed("payload.channel.id: missing")
	case in.Message == nil || in.Message.TS == "":
		return core.Event{}, false, malformed("payload.message.ts: missing")
	}
	m := in.Message
	thread := m.ThreadTS
	if thread == "" {
		thread = m.TS
	}
	meta := map[string]any{source.MetaTarget: m.TS}
	if m.User != "" {
		meta[MetaAuthor] = m.User
	}
	if in.Team.ID != "" {
		meta[MetaTeam] = in.Team.ID
	}
	if t := tsTime(in.ActionTS); !t.IsZero() {
		at = t
	}
	return core.Event{
		Source:       s.id,
		EventID:      "shortcut:" + in.TriggerID,
		Kind:         core.KindCommand,
		Conversation: core.ConversationRef{Source: s.id, Conversation: in.Channel.ID, Thread: thread},
		Sender:       core.Sender{ID: in.User.ID, Name: userName(in), Role: core.RoleCustomer},
		Time:         at,
		Command:      s.command,
		Text:         renderText(m.Text, s.botUser()),
		Attachments:  attachments(m.Files),
		Meta:         meta,
	}, true, nil
}

// buttonEvent converts a press of one of our confirmation buttons; other
// buttons are not ours and give no event. The conversation is the one
// the prompt was posted to: its channel and thread.
func (s *Source) buttonEvent(in interaction, at time.Time) (core.Event, bool, error) {
	var (
		act   action
		verb  string
		score string
	)
	for _, a := range in.Actions {
		switch n, rate := strings.CutPrefix(a.ActionID, ActionRatePrefix); {
		case a.ActionID == ActionConfirmID:
			act, verb = a, core.ActionConfirm
		case a.ActionID == ActionRejectID:
			act, verb = a, core.ActionReject
		case a.ActionID == ActionHandoverID:
			act, verb = a, core.ActionHandover
		case rate && len(n) == 1 && n >= "1" && n <= "9":
			act, verb, score = a, core.ActionRate, n
		default:
			continue
		}
		break
	}
	if verb == "" {
		return core.Event{}, false, nil
	}
	channel := in.Channel.ID
	if channel == "" {
		channel = in.Container.ChannelID
	}
	thread := in.Container.ThreadTS
	if thread == "" && in.Message != nil {
		thread = in.Message.ThreadTS
	}
	stamp := act.ActionTS
	if stamp == "" {
		stamp = in.ActionTS
	}
	switch {
	case in.User.ID == "":
		return core.Event{}, false, malformed("payload.user.id: missing")
	case channel == "":
		return core.Event{}, false, malformed("payload.channel.id: missing")
	case stamp == "":
		return core.Event{}, false, malformed("payload.actions[].action_ts: missing")
	}
	meta := map[string]any{MetaToken: act.Value}
	if in.Container.MessageTS != "" {
		meta[MetaPrompt] = in.Container.MessageTS
	}
	if t := tsTime(stamp); !t.IsZero() {
		at = t
	}
	return core.Event{
		Source:       s.id,
		EventID:      "action:" + in.User.ID + ":" + stamp,
		Kind:         core.KindCommand,
		Conversation: core.ConversationRef{Source: s.id, Conversation: channel, Thread: thread},
		Sender:       core.Sender{ID: in.User.ID, Name: userName(in), Role: core.RoleCustomer},
		Time:         at,
		Action:       verb,
		Text:         score,
		Meta:         meta,
	}, true, nil
}

func userName(in interaction) string {
	if in.User.Name != "" {
		return in.User.Name
	}
	return in.User.Username
}

// tsTime reads a Slack ts ("1531431954.000073"); zero when it is not one.
func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || s <= 0 {
		return time.Time{}
	}
	var us int64
	if frac != "" {
		if len(frac) > 6 {
			frac = frac[:6]
		}
		frac += strings.Repeat("0", 6-len(frac))
		if us, err = strconv.ParseInt(frac, 10, 64); err != nil || us < 0 {
			return time.Time{}
		}
	}
	return time.Unix(s, us*1000).UTC()
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{core.ErrMalformed}, args...)...)
}

// jsonReason turns a decoding error into a short reason naming the field.
func jsonReason(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fmt.Sprintf("must be a JSON object, not %s", te.Value)
		}
		return fmt.Sprintf("%s: must be %s, not %s", te.Field, te.Type, te.Value)
	}
	return fmt.Sprintf("invalid JSON: %v", err)
}
