package generic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// MaxBatch is the most events one delivery may carry.
const MaxBatch = 500

var kinds = map[string]core.EventKind{
	string(core.KindMessage):           core.KindMessage,
	string(core.KindCommand):           core.KindCommand,
	string(core.KindReaction):          core.KindReaction,
	string(core.KindCallEnded):         core.KindCallEnded,
	string(core.KindLiveFeedback):      core.KindLiveFeedback,
	string(core.KindConversationEnded): core.KindConversationEnded,
	string(core.KindHandover):          core.KindHandover,
}

var roles = map[string]core.Role{
	"":                        core.RoleCustomer,
	string(core.RoleCustomer): core.RoleCustomer,
	string(core.RoleAgent):    core.RoleAgent,
	string(core.RoleBot):      core.RoleBot,
}

// Parse turns a verified delivery into events; see the package doc for the
// body. Refusals wrap core.ErrMalformed and name the field.
func (s *Source) Parse(_ context.Context, r *http.Request, body []byte) (core.Inbound, error) {
	id := r.Header.Get(stdwebhook.CanonicalID)
	if id == "" {
		return core.Inbound{}, malformed("%s header: missing", stdwebhook.HeaderID)
	}
	// The delivery time stands in for events that carry none.
	at := s.now()
	if ts, err := stdwebhook.ParseTimestamp(r.Header.Get(stdwebhook.CanonicalTimestamp)); err == nil {
		at = ts.UTC()
	}

	if w, ok := parseFlat(body); ok {
		ev, err := s.convert(w, body, "", id, at)
		if err != nil {
			return core.Inbound{}, err
		}
		return core.Inbound{Events: []core.Event{ev}}, nil
	}
	// One decoding serves both shapes: a single event's fields, or a
	// batch under "events" (decoding twice was a visible share of the
	// ingest CPU).
	var probe struct {
		Event
		Events json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return core.Inbound{}, malformed("%s", jsonReason("", err))
	}
	if probe.Events == nil || bytes.Equal(probe.Events, []byte("null")) {
		ev, err := s.convert(probe.Event, body, "", id, at)
		if err != nil {
			return core.Inbound{}, err
		}
		return core.Inbound{Events: []core.Event{ev}}, nil
	}

	var items []json.RawMessage
	if err := json.Unmarshal(probe.Events, &items); err != nil {
		return core.Inbound{}, malformed("events: must be an array of objects")
	}
	switch {
	case len(items) == 0:
		return core.Inbound{}, malformed("events: empty")
	case len(items) > MaxBatch:
		return core.Inbound{}, malformed("events: %d events, at most %d allowed", len(items), MaxBatch)
	}
	out := make([]core.Event, 0, len(items))
	for i, raw := range items {
		ev, err := s.event(raw, fmt.Sprintf("events[%d].", i), id+"#"+strconv.Itoa(i), at)
		if err != nil {
			return core.Inbound{}, err
		}
		out = append(out, ev)
	}
	return core.Inbound{Events: out}, nil
}

// event checks and converts one event; path prefixes field names in
// errors ("events[2].").
func (s *Source) event(raw []byte, path, eventID string, at time.Time) (core.Event, error) {
	var w Event
	if err := json.Unmarshal(raw, &w); err != nil {
		return core.Event{}, malformed("%s", jsonReason(path, err))
	}
	return s.convert(w, raw, path, eventID, at)
}

// convert checks and converts one decoded event.
func (s *Source) convert(w Event, raw []byte, path, eventID string, at time.Time) (core.Event, error) {
	kind, ok := kinds[w.Type]
	switch {
	case w.Type == "":
		return core.Event{}, malformed("%stype: missing", path)
	case !ok:
		return core.Event{}, malformed("%stype: unknown %q", path, cutText(w.Type, 40))
	case w.Conversation.ID == "":
		return core.Event{}, malformed("%sconversation.id: missing", path)
	case w.Sender.ID == "":
		return core.Event{}, malformed("%ssender.id: missing", path)
	}
	role, ok := roles[w.Sender.Role]
	if !ok {
		return core.Event{}, malformed("%ssender.role: unknown %q (customer, agent or bot)", path, cutText(w.Sender.Role, 40))
	}
	for i, a := range w.Attachments {
		if a.ID == "" {
			return core.Event{}, malformed("%sattachments[%d].id: missing", path, i)
		}
	}
	command := strings.TrimPrefix(strings.TrimSpace(w.Command), "/")
	switch kind {
	case core.KindMessage:
		if strings.TrimSpace(w.Text) == "" && len(w.Attachments) == 0 {
			return core.Event{}, malformed("%stext: empty message without attachments", path)
		}
	case core.KindCommand:
		if command == "" && w.Action == "" {
			return core.Event{}, malformed("%scommand: a command event needs command or action", path)
		}
	}
	if w.Time != "" {
		t, err := time.Parse(time.RFC3339Nano, w.Time)
		if err != nil {
			return core.Event{}, malformed("%stime: not RFC 3339", path)
		}
		at = t.UTC()
	}
	return core.Event{
		Source:  s.id,
		EventID: eventID,
		Kind:    kind,
		Conversation: core.ConversationRef{
			Source:       s.id,
			Conversation: w.Conversation.ID,
			Thread:       w.Conversation.Thread,
		},
		Sender:      core.Sender{ID: w.Sender.ID, Name: w.Sender.Name, Email: w.Sender.Email, Role: role},
		Time:        at,
		Text:        w.Text,
		Command:     command,
		Action:      w.Action,
		Attachments: w.Attachments,
		Meta:        w.Meta,
		Raw:         json.RawMessage(raw),
	}, nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{core.ErrMalformed}, args...)...)
}

// jsonReason turns a decoding error into a short reason naming the field
// (under path, "events[2].") where there is one.
func jsonReason(path string, err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fmt.Sprintf("%sbody: must be a JSON object, not %s", path, te.Value)
		}
		return fmt.Sprintf("%s%s: must be %s, not %s", path, te.Field, te.Type, te.Value)
	}
	return fmt.Sprintf("%sbody: invalid JSON: %v", path, err)
}

func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
