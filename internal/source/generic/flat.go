package generic

import (
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// parseFlat decodes the common delivery, one event with plain string
// fields and no attachments or meta, without encoding/json's reflection,
// which was the largest part of the ingest handler's CPU. It declines (ok
// false) anything else: another key, a key in another case, a value that
// is not a plain string (escapes, control characters, invalid UTF-8,
// null, numbers). The caller then decodes with encoding/json, which gives
// the same Event for every body this accepts (FuzzFlatMatchesJSON).
func parseFlat(body []byte) (ev Event, ok bool) {
	if !gjson.ValidBytes(body) {
		return Event{}, false
	}
	root := gjson.ParseBytes(body)
	if !root.IsObject() {
		return Event{}, false
	}
	ok = true
	root.ForEach(func(k, v gjson.Result) bool {
		switch k.Raw {
		case `"type"`:
			ev.Type, ok = plainString(v)
		case `"text"`:
			ev.Text, ok = plainString(v)
		case `"time"`:
			ev.Time, ok = plainString(v)
		case `"command"`:
			ev.Command, ok = plainString(v)
		case `"action"`:
			ev.Action, ok = plainString(v)
		case `"conversation"`:
			ok = plainObject(v, func(k string, s string) bool {
				switch k {
				case `"id"`:
					ev.Conversation.ID = s
				case `"thread"`:
					ev.Conversation.Thread = s
				default:
					return false
				}
				return true
			})
		case `"sender"`:
			ok = plainObject(v, func(k string, s string) bool {
				switch k {
				case `"id"`:
					ev.Sender.ID = s
				case `"name"`:
					ev.Sender.Name = s
				case `"email"`:
					ev.Sender.Email = s
				case `"role"`:
					ev.Sender.Role = s
				default:
					return false
				}
				return true
			})
		default:
			ok = false
		}
		return ok
	})
	if !ok {
		return Event{}, false
	}
	return ev, true
}

// plainObject hands each key (raw, with its quotes) and plain string value
// of an object to set, and fails on anything else.
func plainObject(v gjson.Result, set func(key, value string) bool) bool {
	if !v.IsObject() {
		return false
	}
	ok := true
	v.ForEach(func(k, v gjson.Result) bool {
		var s string
		if s, ok = plainString(v); ok {
			ok = set(k.Raw, s)
		}
		return ok
	})
	return ok
}

// plainString returns a JSON string's text when its raw form needs no
// decoding: no escape, no control character, valid UTF-8. It shares the
// copy of the body that gjson.ParseBytes made.
func plainString(v gjson.Result) (string, bool) {
	raw := v.Raw
	if v.Type != gjson.String || len(raw) < 2 {
		return "", false
	}
	s := raw[1 : len(raw)-1]
	if strings.IndexByte(s, '\\') >= 0 || !utf8.ValidString(s) {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 {
			return "", false
		}
	}
	return s, true
}
