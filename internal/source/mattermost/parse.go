package mattermost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

// Meta keys this connector adds besides source.Meta*.
const (
	// MetaTeam is the team id.
	MetaTeam = "team"
	// MetaTriggerWord is the outgoing webhook's trigger word that fired.
	MetaTriggerWord = "trigger_word"
	// MetaToken is the prompt token a confirmation button carried.
	MetaToken = "token"
	// MetaPrompt is the id of our prompt post whose button was pressed.
	MetaPrompt = "prompt_post"
)

// Parse turns a verified request into events. An outgoing webhook gives a
// message (its thread root is looked up, see threadOf), a slash command a
// command answered with an ephemeral note, a button press a confirm or
// reject command (or a "Create ticket" command) answered with a note only
// the presser sees. Posts with neither text nor files give nothing.
func (s *Source) Parse(ctx context.Context, r *http.Request, body []byte) (core.Inbound, error) {
	req, err := classify(r, body)
	if err != nil {
		return core.Inbound{}, malformed("%v", err)
	}
	switch req.kind {
	case kindOutgoing:
		return s.parseOutgoing(ctx, req)
	case kindCommand:
		return s.parseCommand(req)
	default:
		return s.parseAction(req)
	}
}

func (s *Source) parseOutgoing(ctx context.Context, req request) (core.Inbound, error) {
	o := req.out
	for k, v := range map[string]string{"channel_id": o.ChannelID, "user_id": o.UserID, "post_id": o.PostID} {
		if v == "" {
			return core.Inbound{}, malformed("%s: missing", k)
		}
	}
	at := s.now().UTC()
	if o.Timestamp > 0 {
		if req.outSeconds {
			at = time.Unix(o.Timestamp, 0).UTC()
		} else {
			at = time.UnixMilli(o.Timestamp).UTC()
		}
	}
	botID, botName := s.botUser()
	text := stripMention(o.Text, botName)
	var atts []core.Attachment
	for _, id := range strings.Split(o.FileIDs, ",") {
		if id = strings.TrimSpace(id); validID(id) {
			atts = append(atts, s.attachment(fileInfo{ID: id}))
		}
	}
	if strings.TrimSpace(text) == "" && len(atts) == 0 {
		return core.Inbound{}, nil
	}
	role := core.RoleCustomer
	thread, p := s.threadOf(ctx, o.PostID)
	if p != nil {
		if isBotPost(*p) {
			role = core.RoleBot
		}
		// The post's own metadata names its files; the webhook only has ids.
		if p.Metadata != nil && len(p.Metadata.Files) > 0 {
			atts = atts[:0]
			for _, f := range p.Metadata.Files {
				atts = append(atts, s.attachment(f))
			}
		}
	}
	if botID != "" && o.UserID == botID {
		role = core.RoleBot
	}
	meta := map[string]any{source.MetaMessageID: o.PostID}
	if o.TeamID != "" {
		meta[MetaTeam] = o.TeamID
	}
	if o.TriggerWord != "" {
		meta[MetaTriggerWord] = o.TriggerWord
	}
	// The token is a secret: it stays out of the stored raw payload.
	clean := o
	clean.Token = ""
	raw, _ := json.Marshal(clean)
	return core.Inbound{Events: []core.Event{{
		Source:       s.id,
		EventID:      o.PostID,
		Kind:         core.KindMessage,
		Conversation: core.ConversationRef{Source: s.id, Conversation: o.ChannelID, Thread: thread},
		Sender:       core.Sender{ID: o.UserID, Name: o.UserName, Role: role},
		Time:         at,
		Text:         text,
		Attachments:  atts,
		Meta:         meta,
		Raw:          raw,
	}}}, nil
}

// threadOf finds the root of the thread a post is in: the post itself
// when it starts one (or starts none yet), else its root_id. The outgoing
// webhook does not say, so the post is fetched (with a short timeout);
// when that fails the post is taken as its own root, and Post corrects a
// reply's root when Mattermost refuses it.
func (s *Source) threadOf(ctx context.Context, postID string) (string, *post) {
	if !validID(postID) {
		return postID, nil
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	p, err := s.getPost(ctx, "find thread root", postID)
	if err != nil {
		s.log.WarnContext(ctx, "mattermost: find the thread root of a post", "post", postID, "error", err)
		return postID, nil
	}
	if p.RootID != "" {
		return p.RootID, &p
	}
	return postID, &p
}

func (s *Source) parseCommand(req request) (core.Inbound, error) {
	f := req.form
	for _, k := range []string{"command", "channel_id", "user_id", "trigger_id"} {
		if f.Get(k) == "" {
			return core.Inbound{}, malformed("%s: missing", k)
		}
	}
	name := strings.TrimPrefix(strings.TrimSpace(f.Get("command")), "/")
	if name == "" || strings.ContainsAny(name, " \t\n") {
		return core.Inbound{}, malformed("command: not a command name")
	}
	meta := map[string]any{}
	if t := f.Get("team_id"); t != "" {
		meta[MetaTeam] = t
	}
	// The token is a secret: it stays out of the stored raw payload.
	clean := make(map[string]string, len(f))
	for k := range f {
		if k != "token" {
			clean[k] = f.Get(k)
		}
	}
	raw, _ := json.Marshal(clean)
	ans, _ := json.Marshal(commandAnswer{ResponseType: "ephemeral", Text: s.commandAck})
	return core.Inbound{
		Events: []core.Event{{
			Source:  s.id,
			EventID: "command:" + f.Get("trigger_id"),
			Kind:    core.KindCommand,
			// root_id is there when the server sends it (a command typed
			// in a thread on newer servers).
			Conversation: core.ConversationRef{Source: s.id, Conversation: f.Get("channel_id"), Thread: f.Get("root_id")},
			Sender:       core.Sender{ID: f.Get("user_id"), Name: f.Get("user_name"), Role: core.RoleCustomer},
			Time:         s.now().UTC(),
			Command:      name,
			Text:         f.Get("text"),
			Meta:         meta,
			Raw:          raw,
		}},
		Reply: &core.Reply{Status: http.StatusOK, ContentType: "application/json", Body: ans},
	}, nil
}

func (s *Source) parseAction(req request) (core.Inbound, error) {
	a := req.act
	c := a.Context
	switch {
	case c == nil:
		return core.Inbound{}, malformed("context: missing")
	case a.UserID == "":
		return core.Inbound{}, malformed("user_id: missing")
	case a.ChannelID == "":
		return core.Inbound{}, malformed("channel_id: missing")
	case a.PostID == "":
		return core.Inbound{}, malformed("post_id: missing")
	}
	ev := core.Event{
		Source:       s.id,
		Kind:         core.KindCommand,
		Conversation: core.ConversationRef{Source: s.id, Conversation: a.ChannelID, Thread: c.Thread},
		Sender:       core.Sender{ID: a.UserID, Name: a.UserName, Role: core.RoleCustomer},
		Time:         s.now().UTC(),
		Meta:         map[string]any{},
	}
	note := "Answer recorded."
	switch c.Action {
	case ContextConfirm, ContextReject:
		if c.Token == "" {
			return core.Inbound{}, malformed("context.token: missing")
		}
		ev.Action = c.Action
		ev.Meta[MetaToken] = c.Token
		ev.Meta[MetaPrompt] = a.PostID
		// One answer per person and prompt: a double click is a duplicate.
		ev.EventID = "action:" + a.PostID + ":" + a.UserID + ":" + c.Action
	case ContextCreate:
		target := c.Token
		if target == "" {
			target = a.PostID
		}
		ev.Command = s.command
		ev.Meta[source.MetaTarget] = target
		if ev.Conversation.Thread == "" {
			ev.Conversation.Thread = target
		}
		ev.EventID = "create:" + target + ":" + a.UserID
		note = "Opening a ticket about this message."
	default:
		return core.Inbound{}, malformed("context.action: unknown %q", cut(c.Action, 40))
	}
	if a.TeamID != "" {
		ev.Meta[MetaTeam] = a.TeamID
	}
	// The context's signature is not needed again; keep it out of storage.
	stored := a
	ctxCopy := *c
	ctxCopy.Secret = ""
	stored.Context = &ctxCopy
	ev.Raw, _ = json.Marshal(stored)
	ans, _ := json.Marshal(actionAnswer{EphemeralText: note})
	return core.Inbound{
		Events: []core.Event{ev},
		Reply:  &core.Reply{Status: http.StatusOK, ContentType: "application/json", Body: ans},
	}, nil
}

// stripMention drops a leading @mention of our bot: it addresses us and
// would hide a "/ticket" at the start of the text.
func stripMention(text, botName string) string {
	if botName == "" {
		return text
	}
	t := strings.TrimLeft(text, " ")
	p := "@" + botName
	if len(t) >= len(p) && strings.EqualFold(t[:len(p)], p) {
		rest := t[len(p):]
		if rest == "" || rest[0] == ' ' || rest[0] == ':' || rest[0] == ',' || rest[0] == '\n' {
			return strings.TrimLeft(strings.TrimLeft(rest, ":,"), " \n")
		}
	}
	return text
}

// isBotPost reports whether a post comes from a bot or a webhook; their
// props carry the flags as strings.
func isBotPost(p post) bool {
	for _, k := range []string{"from_bot", "from_webhook"} {
		switch v := p.Props[k].(type) {
		case string:
			if v == "true" {
				return true
			}
		case bool:
			if v {
				return true
			}
		}
	}
	return false
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

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
