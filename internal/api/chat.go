package api

import (
	"net/http"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

// chatMessages serves GET /api/v1/chat/messages?source=&conversation=&after=&limit=:
// the bot's messages kept in the chat inbox, oldest first. next_cursor is
// the after= of the next page; "" when this page was the last one.
func (a *API) chatMessages(w http.ResponseWriter, r *http.Request) {
	inbox, ok := a.Store.(store.ChatInbox)
	if !ok {
		writeError(w, http.StatusNotFound, "this store keeps no chat inbox")
		return
	}
	limit, after, ok := idPage(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	msgs, err := inbox.ChatInboxList(r.Context(), store.ChatInboxQuery{Source: q.Get("source"),
		Conversation: q.Get("conversation"), After: after, Limit: limit})
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	next := nextID(len(msgs), limit, func() int64 { return msgs[len(msgs)-1].ID })
	writeJSON(w, http.StatusOK, map[string]any{"messages": msgs, "next_cursor": next})
}
