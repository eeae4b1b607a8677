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
func parseFlat(body []byte) (Event, bool) {
	if !gjson.ValidBytes(body) {
		return Event{}, false
	}
	var ev Event
	top := []field{{`"type"`, &ev.Type}, {`"text"`, &ev.Text}, {`"time"`, &ev.Time},
		{`"command"`, &ev.Command}, {`"action"`, &ev.Action}}
	conversation := []field{{`"id"`, &ev.Conversation.ID}, {`"thread"`, &ev.Conversation.Thread}}
	sender := []field{{`"id"`, &ev.Sender.ID}, {`"name"`, &ev.Sender.Name},
		{`"email"`, &ev.Sender.Email}, {`"role"`, &ev.Sender.Role}}
	ok := eachKey(gjson.ParseBytes(body), func(key string, v gjson.Result) bool {
		switch key {
		case `"conversation"`:
			return eachKey(v, func(key string, v gjson.Result) bool { return setPlain(conversation, key, v) })
		case `"sender"`:
			return eachKey(v, func(key string, v gjson.Result) bool { return setPlain(sender, key, v) })
		}
		return setPlain(top, key, v)
	})
	if !ok {
		return Event{}, false
	}
	return ev, true
}

// field is a key the fast path knows (raw, with its quotes: a key with an
// escape matches none) and where its value goes.
type field struct {
	key string
	dst *string
}

// eachKey calls each for every key of an object, and fails when v is not
// an object or each fails.
func eachKey(v gjson.Result, each func(key string, v gjson.Result) bool) bool {
	if !v.IsObject() {
		return false
	}
	ok := true
	v.ForEach(func(k, v gjson.Result) bool {
		ok = each(k.Raw, v)
		return ok
	})
	return ok
}

// setPlain stores v in the field named key; an unknown key or a value
// that is not a plain string fails.
func setPlain(fields []field, key string, v gjson.Result) bool {
	for _, f := range fields {
		if f.key == key {
			s, ok := plainString(v)
			*f.dst = s
			return ok
		}
	}
	return false
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
