package jobs

import (
	"context"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
)

// enrich gives a ticket what the platform knows beyond the events we
// stored: the message a reaction or shortcut points at, the whole thread,
// and the requester's name and e-mail. Each is best effort: a platform
// that does not answer costs the ticket detail, never the ticket.
// (enrichCalls says when it calls the platform: keep the two in step.)
func (d *Deps) enrich(ctx context.Context, ev core.StoredEvent, stored []core.StoredEvent, limit int) (core.StoredEvent, []core.StoredEvent) {
	src, ok := d.Sources[ev.Source]
	if !ok {
		return ev, stored
	}
	log := d.Log.With("source", ev.Source, "event", ev.ID)
	if target, _ := ev.Meta[source.MetaTarget].(string); target != "" {
		if mf, ok := src.(source.MessageFetcher); ok {
			msg, err := mf.FetchMessage(ctx, ev.Conversation, target)
			if err != nil {
				log.WarnContext(ctx, "fetch the message a reaction points at", "error", err)
			} else {
				// The ticket is about the target message; it keeps the
				// triggering event's identity so the transcript ends there.
				about := ev
				about.Text, about.Sender, about.Attachments = msg.Text, msg.Sender, msg.Attachments
				if about.Conversation.Thread == "" {
					about.Conversation.Thread = msg.Conversation.Thread
				}
				ev = about
			}
		}
	}
	if tf, ok := src.(source.ThreadFetcher); ok && ev.Conversation.Thread != "" {
		thread, err := tf.FetchThread(ctx, ev.Conversation, limit)
		if err != nil {
			log.WarnContext(ctx, "fetch thread", "error", err)
		} else if len(thread) > 0 {
			stored = threadAsContext(ev, thread)
		}
	}
	if ur, ok := src.(source.UserResolver); ok && ev.Sender.ID != "" && (ev.Sender.Name == "" || ev.Sender.Email == "") {
		u, err := ur.LookupUser(ctx, ev.Sender.ID)
		if err != nil {
			log.WarnContext(ctx, "look up requester", "error", err)
		} else {
			if ev.Sender.Name == "" {
				ev.Sender.Name = u.Name
			}
			if ev.Sender.Email == "" {
				ev.Sender.Email = u.Email
			}
		}
	}
	return ev, stored
}

// enrichCalls tells whether enrich would call the chat platform for ev:
// such an event's ticket cannot be drafted inside a transaction.
func (d *Deps) enrichCalls(ev core.StoredEvent) bool {
	src, ok := d.Sources[ev.Source]
	if !ok {
		return false
	}
	if target, _ := ev.Meta[source.MetaTarget].(string); target != "" {
		if _, ok := src.(source.MessageFetcher); ok {
			return true
		}
	}
	if _, ok := src.(source.ThreadFetcher); ok && ev.Conversation.Thread != "" {
		return true
	}
	_, ok = src.(source.UserResolver)
	return ok && ev.Sender.ID != "" && (ev.Sender.Name == "" || ev.Sender.Email == "")
}

// threadAsContext turns fetched thread messages into the mapping's
// context. The message the ticket is about takes the event's identity
// (matched by platform message id), so the transcript ends with it.
func threadAsContext(ev core.StoredEvent, thread []core.Event) []core.StoredEvent {
	evMsg, _ := ev.Meta[source.MetaMessageID].(string)
	target, _ := ev.Meta[source.MetaTarget].(string)
	out := make([]core.StoredEvent, 0, len(thread))
	for _, m := range thread {
		se := core.StoredEvent{Event: m}
		if id, _ := m.Meta[source.MetaMessageID].(string); id != "" && (id == evMsg || id == target) {
			se = ev
		}
		out = append(out, se)
	}
	return out
}
