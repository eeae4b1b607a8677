package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/local"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

const deskPage = 50

// Priorities offered on the desk; a ticket may carry another one from its
// route's mapping, which is kept and shown.
var priorities = []string{"", "low", "normal", "high", "urgent"}

type deskListView struct {
	F          store.DeskFilter
	Tickets    []store.DeskListing
	Next       string // query of the next page, "" on the last
	Statuses   []string
	Priorities []string
	NoDesk     bool
}

func (c *Console) deskList(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	f := store.DeskFilter{Status: q.Get("status"), Priority: q.Get("priority"), Assignee: q.Get("assignee"),
		Source: q.Get("source"), Text: strings.TrimSpace(q.Get("q")), Before: q.Get("before"), Limit: deskPage + 1}
	list, err := c.Store.DeskSearch(r.Context(), f)
	if errors.Is(err, store.ErrNotFound) {
		c.fail(w, r, s, http.StatusBadRequest, "err.page")
		return
	}
	if err != nil {
		c.fail(w, r, s, http.StatusServiceUnavailable, "err.store")
		return
	}
	v := deskListView{F: f, Tickets: list, Statuses: local.Statuses, Priorities: priorities, NoDesk: c.Desk == nil}
	if len(list) > deskPage {
		v.Tickets = list[:deskPage]
		q.Set("before", list[deskPage-1].Key)
		v.Next = q.Encode()
	}
	c.render(w, r, http.StatusOK, "desk.html", s, v)
}

// timelineItem is one entry of a ticket's page: a chat event or a desk
// comment, in the order they happened.
type timelineItem struct {
	Event   *core.StoredEvent
	Comment *store.DeskComment
}

type ticketView struct {
	T          store.DeskListing
	Link       *store.Link
	Rule       string
	Timeline   []timelineItem
	Version    string
	Statuses   []string
	Priorities []string
	NoDesk     bool
	// CSAT is the customer's answer to the satisfaction survey, written
	// into the desk's own field (zero Score: not answered).
	CSAT struct {
		Score   int
		Comment string
	}
}

// satisfactionReader reads a desk ticket's satisfaction field; stores with
// service-quality state have it (store.Quality).
type satisfactionReader interface {
	DeskSatisfaction(ctx context.Context, key string) (score int, comment string, err error)
}

// timelineLimit bounds the events shown; a longer conversation shows its
// newest ones.
const timelineLimit = 500

func (c *Console) deskShow(w http.ResponseWriter, r *http.Request, s *session) {
	v, ok := c.loadTicket(w, r, s)
	if !ok {
		return
	}
	c.render(w, r, http.StatusOK, "ticket.html", s, v)
}

func (c *Console) loadTicket(w http.ResponseWriter, r *http.Request, s *session) (ticketView, bool) {
	ctx := r.Context()
	key := r.PathValue("key")
	t, err := c.Store.DeskListingGet(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		c.fail(w, r, s, http.StatusNotFound, "err.noticket")
		return ticketView{}, false
	}
	if err != nil {
		c.fail(w, r, s, http.StatusServiceUnavailable, "err.store")
		return ticketView{}, false
	}
	comments, err := c.Store.DeskComments(ctx, key)
	if err != nil {
		c.fail(w, r, s, http.StatusServiceUnavailable, "err.store")
		return ticketView{}, false
	}
	v := ticketView{T: t, Rule: ruleOf(t.Description), Statuses: local.Statuses, Priorities: priorities, NoDesk: c.Desk == nil}
	if !slices.Contains(v.Priorities, t.Priority) {
		v.Priorities = append(slices.Clone(priorities), t.Priority)
	}
	var events []core.StoredEvent
	if c.Desk != nil {
		l, err := c.Store.LinkByTicket(ctx, c.Desk.ID(), key)
		switch {
		case err == nil:
			v.Link = &l
			if events, err = c.Store.ConversationEvents(ctx, l.ConvKey, 0, 0, timelineLimit); err != nil {
				c.fail(w, r, s, http.StatusServiceUnavailable, "err.store")
				return ticketView{}, false
			}
		case !errors.Is(err, store.ErrNotFound):
			c.fail(w, r, s, http.StatusServiceUnavailable, "err.store")
			return ticketView{}, false
		}
	}
	if sr, ok := c.Store.(satisfactionReader); ok {
		if v.CSAT.Score, v.CSAT.Comment, err = sr.DeskSatisfaction(ctx, key); err != nil {
			c.fail(w, r, s, http.StatusServiceUnavailable, "err.store")
			return ticketView{}, false
		}
	}
	v.Timeline = merge(events, comments)
	var last int64
	if n := len(events); n > 0 {
		last = events[n-1].ID
	}
	v.Version = fmt.Sprintf("%d.%d.%d", last, len(comments), t.UpdatedAt.UnixNano())
	return v, true
}

// merge orders events and comments by time; events keep their arrival
// order among themselves.
func merge(events []core.StoredEvent, comments []store.DeskComment) []timelineItem {
	out := make([]timelineItem, 0, len(events)+len(comments))
	i, j := 0, 0
	for i < len(events) || j < len(comments) {
		if j == len(comments) || (i < len(events) && !events[i].Time.After(comments[j].CreatedAt)) {
			out = append(out, timelineItem{Event: &events[i]})
			i++
			continue
		}
		out = append(out, timelineItem{Comment: &comments[j]})
		j++
	}
	return out
}

// ruleOf finds the rule that fired in the description the route's
// mapping wrote ("Rule: …" line); tickets made otherwise have none.
func ruleOf(description string) string {
	for line := range strings.Lines(description) {
		if rule, ok := strings.CutPrefix(strings.TrimSpace(line), "Rule: "); ok {
			return rule
		}
	}
	return ""
}

// deskVersion answers the ticket page's poll: it changes when the
// customer writes, someone comments, or the ticket changes.
func (c *Console) deskVersion(w http.ResponseWriter, r *http.Request, s *session) {
	v, ok := c.loadTicket(w, r, s)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(v.Version))
}

func (c *Console) deskComment(w http.ResponseWriter, r *http.Request, s *session) {
	if c.Desk == nil {
		c.fail(w, r, s, http.StatusNotFound, "err.nodesk")
		return
	}
	key := r.PathValue("key")
	public := r.PostFormValue("visibility") == "public"
	body := strings.TrimSpace(r.PostFormValue("body"))
	cm, err := c.Desk.AgentComment(r.Context(), key, s.Actor, body, public)
	if !c.deskErr(w, r, s, err) {
		return
	}
	action := "console.desk.note"
	if public {
		action = "console.desk.reply"
	}
	c.audit(r, s, action, key, map[string]any{"comment_id": cm.ID})
	http.Redirect(w, r, "/console/desk/"+key, http.StatusSeeOther)
}

func (c *Console) deskStatus(w http.ResponseWriter, r *http.Request, s *session) {
	if c.Desk == nil {
		c.fail(w, r, s, http.StatusNotFound, "err.nodesk")
		return
	}
	key, status := r.PathValue("key"), r.PostFormValue("status")
	prev, err := c.Desk.SetStatus(r.Context(), key, status)
	if !c.deskErr(w, r, s, err) {
		return
	}
	c.audit(r, s, "console.desk.status", key, map[string]any{"from": prev, "to": status})
	http.Redirect(w, r, "/console/desk/"+key, http.StatusSeeOther)
}

// maxAssignee bounds a free-text assignee name.
const maxAssignee = 200

func (c *Console) deskFields(w http.ResponseWriter, r *http.Request, s *session) {
	key := r.PathValue("key")
	priority, assignee := r.PostFormValue("priority"), strings.TrimSpace(r.PostFormValue("assignee"))
	if len(assignee) > maxAssignee || len(priority) > maxAssignee {
		c.failDetail(w, r, s, http.StatusBadRequest, "err.invalid", "assignee: at most "+strconv.Itoa(maxAssignee)+" bytes")
		return
	}
	before, err := c.Store.DeskListingGet(r.Context(), key)
	if errors.Is(err, store.ErrNotFound) {
		c.fail(w, r, s, http.StatusNotFound, "err.noticket")
		return
	}
	if err == nil && assignee != "" && assignee != before.Assignee && c.Desk != nil {
		// Assigning through the desk announces it, with the change.
		err = c.Desk.Assign(r.Context(), key, assignee)
	}
	if err == nil {
		err = c.Store.DeskSetFields(r.Context(), key, priority, assignee)
	}
	if !c.deskErr(w, r, s, err) {
		return
	}
	c.audit(r, s, "console.desk.fields", key, map[string]any{
		"priority": map[string]string{"from": before.Priority, "to": priority},
		"assignee": map[string]string{"from": before.Assignee, "to": assignee}})
	http.Redirect(w, r, "/console/desk/"+key, http.StatusSeeOther)
}

// deskErr answers a failed desk change and reports whether there was none.
func (c *Console) deskErr(w http.ResponseWriter, r *http.Request, s *session, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, local.ErrInvalid):
		c.failDetail(w, r, s, http.StatusBadRequest, "err.invalid", err.Error())
	case errors.Is(err, store.ErrNotFound):
		c.fail(w, r, s, http.StatusNotFound, "err.noticket")
	default:
		c.fail(w, r, s, http.StatusServiceUnavailable, "err.store")
	}
	return false
}
