// Package handover recognises a customer asking a bot for a person
// (转人工): a phrase in a message, a "talk to a person" button, or the
// platform's own handover signal. It is pure and cheap, because it runs
// on every message of the routes that enable it, inside the decision.
package handover

import (
	"strings"
	"unicode"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Asks reports whether ev asks for a human: a core.KindHandover event,
// a command event with core.ActionHandover, or a customer's message
// holding one of phrases (compared after folding case, full-width
// letters and runs of spaces).
func Asks(ev core.Event, phrases []string) bool {
	switch {
	case ev.Sender.Role == core.RoleBot || ev.Sender.Role == core.RoleAgent:
		return false
	case ev.Kind == core.KindHandover:
		return true
	case ev.Kind == core.KindCommand:
		return ev.Action == core.ActionHandover
	case ev.Kind != core.KindMessage || ev.Text == "":
		return false
	}
	text := Fold(ev.Text)
	for _, p := range phrases {
		if f := Fold(p); f != "" && strings.Contains(text, f) {
			return true
		}
	}
	return false
}

// Fold lowercases s, turns full-width ASCII into ASCII and collapses
// every run of white space into one space, trimmed.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if unicode.IsSpace(r) || r == '\u3000' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
