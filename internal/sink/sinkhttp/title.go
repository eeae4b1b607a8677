package sinkhttp

import (
	"strings"
	"unicode/utf8"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Title is the draft's title on one line, else the description's first
// line, else a stock title, cut to max characters with an ellipsis.
func Title(t core.TicketDraft, max int) string {
	tt := strings.Join(strings.Fields(t.Title), " ")
	if tt == "" {
		first, _, _ := strings.Cut(strings.TrimSpace(t.Description), "\n")
		tt = strings.Join(strings.Fields(first), " ")
	}
	if tt == "" {
		tt = "Ticket from chat"
	}
	if utf8.RuneCountInString(tt) > max {
		tt = string([]rune(tt)[:max-1]) + "…"
	}
	return tt
}

// IsChatState says whether s is one of core.ChatStates.
func IsChatState(s string) bool {
	for _, st := range core.ChatStates {
		if s == st {
			return true
		}
	}
	return false
}
