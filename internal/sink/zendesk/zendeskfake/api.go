package zendeskfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/sink/zendesk"
)

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var req zendesk.TicketEnvelope[zendesk.NewTicket]
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]string{"title": "Invalid JSON", "message": err.Error()}})
		return
	}
	nt := req.Ticket
	switch {
	case strings.TrimSpace(nt.Comment.Body) == "":
		writeJSON(w, http.StatusUnprocessableEntity, recordInvalid("description", "Description: cannot be blank"))
		return
	case nt.Priority != "" && !slices.Contains(zendesk.Priorities, nt.Priority):
		writeJSON(w, http.StatusUnprocessableEntity, recordInvalid("priority", fmt.Sprintf("Priority: %s is not valid", nt.Priority)))
		return
	case nt.Requester != nil && !strings.Contains(nt.Requester.Email, "@"):
		writeJSON(w, http.StatusUnprocessableEntity, recordInvalid("requester", "Requester: Email is invalid"))
		return
	}
	key := r.Header.Get("Idempotency-Key")
	s.mu.Lock()
	if id, ok := s.idem[key]; ok && key != "" {
		t := copyTicket(s.find(id))
		s.mu.Unlock()
		w.Header().Set("X-Idempotency-Lookup", "hit")
		writeJSON(w, http.StatusCreated, zendesk.TicketEnvelope[zendesk.Ticket]{Ticket: t.Ticket})
		return
	}
	t := &Ticket{
		Ticket: zendesk.Ticket{
			ID: int64(len(s.tickets) + 1), ExternalID: nt.ExternalID, Subject: nt.Subject,
			Status: "new", Priority: nt.Priority, GroupID: nt.GroupID, BrandID: nt.BrandID,
			Tags: nt.Tags, CustomFields: nt.CustomFields, RequesterID: s.o.Me.ID,
		},
		Create:   nt,
		Comments: []Comment{{ID: s.nextCommentID(), Body: nt.Comment.Body, Public: nt.Comment.Public, AuthorID: s.o.Me.ID, Uploads: nt.Comment.Uploads}},
	}
	t.URL = s.srv.URL + "/api/v2/tickets/" + strconv.FormatInt(t.ID, 10) + ".json"
	s.touch(t)
	s.tickets = append(s.tickets, t)
	if key != "" {
		s.idem[key] = t.ID
	}
	lose := s.loseCreate
	s.loseCreate = false
	out := copyTicket(t)
	s.mu.Unlock()
	if lose {
		hangUp(w)
		return
	}
	w.Header().Set("X-Idempotency-Lookup", "miss")
	w.Header().Set("Location", out.URL)
	writeJSON(w, http.StatusCreated, zendesk.TicketEnvelope[zendesk.Ticket]{Ticket: out.Ticket})
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		writeError(w, http.StatusBadGateway, "lost")
		return
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	ext := r.URL.Query().Get("external_id")
	s.mu.Lock()
	out := zendesk.TicketList{Tickets: []zendesk.Ticket{}}
	for _, t := range s.tickets {
		if ext == "" || t.ExternalID == ext {
			out.Tickets = append(out.Tickets, t.Ticket)
		}
	}
	s.mu.Unlock()
	out.Count = len(out.Tickets)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) show(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	s.mu.Lock()
	var t *Ticket
	if ok {
		t = s.find(id)
	}
	var out zendesk.Ticket
	if t != nil {
		out = t.Ticket
	}
	s.mu.Unlock()
	if t == nil {
		writeError(w, http.StatusNotFound, "")
		return
	}
	writeJSON(w, http.StatusOK, zendesk.TicketEnvelope[zendesk.Ticket]{Ticket: out})
}

// update takes a comment (with upload tokens) and a status. Like Zendesk,
// it refuses any update of a closed ticket and, here, a close of a ticket
// that is not solved (accounts where only automations close tickets).
func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	var req zendesk.TicketEnvelope[zendesk.TicketUpdate]
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]string{"title": "Invalid JSON", "message": err.Error()}})
		return
	}
	id, ok := pathID(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	var t *Ticket
	if ok {
		t = s.find(id)
	}
	u := req.Ticket
	switch {
	case t == nil:
		writeError(w, http.StatusNotFound, "")
		return
	case t.Status == "closed":
		writeJSON(w, http.StatusUnprocessableEntity, recordInvalid("status", "Status: closed prevents ticket update"))
		return
	case u.Status != "" && !slices.Contains(zendesk.Statuses, u.Status):
		writeJSON(w, http.StatusUnprocessableEntity, recordInvalid("status", fmt.Sprintf("Status: %s is not valid", u.Status)))
		return
	case u.Status == "closed" && t.Status != "solved":
		writeJSON(w, http.StatusUnprocessableEntity, recordInvalid("status", "Status: closed is not allowed from "+t.Status))
		return
	case u.Priority != "" && !slices.Contains(zendesk.Priorities, u.Priority):
		writeJSON(w, http.StatusUnprocessableEntity, recordInvalid("priority", fmt.Sprintf("Priority: %s is not valid", u.Priority)))
		return
	case u.GroupID != 0 && !slices.Contains(s.o.Groups, u.GroupID):
		writeJSON(w, http.StatusUnprocessableEntity, recordInvalid("group", fmt.Sprintf("Group: %d is not valid", u.GroupID)))
		return
	case u.Comment != nil && strings.TrimSpace(u.Comment.Body) == "" && len(u.Comment.Uploads) == 0:
		writeJSON(w, http.StatusUnprocessableEntity, recordInvalid("comment", "Comment: Body cannot be blank"))
		return
	}
	if u.Comment != nil {
		for _, tok := range u.Comment.Uploads {
			if !slices.ContainsFunc(s.uploads, func(x UploadInfo) bool { return x.Token == tok }) {
				writeJSON(w, http.StatusUnprocessableEntity, recordInvalid("uploads", "Uploads: token "+tok+" is invalid or expired"))
				return
			}
		}
		s.addComment(t, Comment{Body: u.Comment.Body, Public: u.Comment.Public, AuthorID: s.o.Me.ID, Uploads: u.Comment.Uploads})
	}
	if s.loseComment && u.Comment != nil {
		s.loseComment = false
		s.touch(t)
		writeError(w, http.StatusBadGateway, "")
		return
	}
	if u.Priority != "" {
		t.Priority = u.Priority
	}
	if u.GroupID != 0 {
		t.GroupID = u.GroupID
	}
	if u.Status != "" {
		t.Status = u.Status
	} else if t.Status == "new" {
		t.Status = "open"
	}
	s.touch(t)
	writeJSON(w, http.StatusOK, zendesk.TicketEnvelope[zendesk.Ticket]{Ticket: t.Ticket})
}

// upload reads the raw body in a stream, counting it, and refuses files
// over the limit with 413.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("filename")
	if name == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]string{"title": "Missing parameter", "message": "filename is required"}})
		return
	}
	n, err := io.Copy(io.Discard, io.LimitReader(r.Body, s.o.MaxUploadBytes+1))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]string{"title": "Upload failed", "message": err.Error()}})
		return
	}
	if n > s.o.MaxUploadBytes {
		writeError(w, http.StatusRequestEntityTooLarge, "")
		return
	}
	s.mu.Lock()
	tok := fmt.Sprintf("upl_%d", len(s.uploads)+1)
	s.uploads = append(s.uploads, UploadInfo{Token: tok, Name: name, ContentType: r.Header.Get("Content-Type"), Size: n, Chunked: r.ContentLength < 0})
	s.mu.Unlock()
	var out zendesk.Upload
	out.Upload.Token = tok
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) fields(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, zendesk.TicketFields{TicketFields: s.o.Fields})
}

func (s *Server) me(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"user": s.o.Me})
}

func (s *Server) exists(ids func() []int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(r)
		if !ok || !slices.Contains(ids(), id) {
			writeError(w, http.StatusNotFound, "")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": id})
	}
}

// export serves the cursor-based incremental ticket export: tickets whose
// last change is after the cursor, oldest change first, one entry each.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after := 0
	switch {
	case q.Get("cursor") != "":
		b, err := base64.StdEncoding.DecodeString(q.Get("cursor"))
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "seq:"))
		if err != nil || err2 != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]string{"title": "Invalid cursor", "message": "cursor is invalid"}})
			return
		}
		after = n
	case q.Get("start_time") != "":
		// Every ticket of the fake is recent enough for any start_time.
	default:
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]string{"title": "Missing parameter", "message": "start_time or cursor is required"}})
		return
	}
	s.mu.Lock()
	var changed []*Ticket
	for _, t := range s.tickets {
		if t.seq > after {
			changed = append(changed, t)
		}
	}
	slices.SortFunc(changed, func(a, b *Ticket) int { return a.seq - b.seq })
	end := len(changed) <= s.o.PageSize
	if !end {
		changed = changed[:s.o.PageSize]
	}
	last := after
	page := zendesk.IncrementalPage{Tickets: []zendesk.Ticket{}, EndOfStream: end}
	for _, t := range changed {
		page.Tickets = append(page.Tickets, t.Ticket)
		last = t.seq
	}
	if last == 0 {
		last = s.seq
	}
	s.mu.Unlock()
	page.AfterCursor = base64.StdEncoding.EncodeToString([]byte("seq:" + strconv.Itoa(last)))
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) nextCommentID() int64 {
	s.commentSeq++
	return s.commentSeq
}

// comments lists a ticket's comments the way Zendesk does: oldest first
// unless sort_order=desc, in pages of page[size] (at most 100) with an
// opaque after_cursor while has_more.
func (s *Server) comments(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	q := r.URL.Query()
	size := 100
	if v := q.Get("page[size]"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "InvalidPaginationParameter", "description": "page[size] must be between 1 and 100"})
			return
		}
		size = n
	}
	from := 0
	if v := q.Get("page[after]"); v != "" {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		n, err2 := strconv.Atoi(string(raw))
		if err != nil || err2 != nil || n < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "InvalidPaginationParameter", "description": "page[after] is not a cursor"})
			return
		}
		from = n
	}
	s.mu.Lock()
	var t *Ticket
	if ok {
		t = s.find(id)
	}
	if t == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "")
		return
	}
	all := slices.Clone(t.Comments)
	s.mu.Unlock()
	if q.Get("sort_order") == "desc" {
		slices.Reverse(all)
	}
	var page zendesk.CommentPage
	for i := from; i < len(all) && i < from+size; i++ {
		c := all[i]
		page.Comments = append(page.Comments, zendesk.TicketComment{ID: c.ID, Body: c.Body, PlainBody: c.Body, Public: c.Public, AuthorID: c.AuthorID})
	}
	if from+size < len(all) {
		page.Meta.HasMore = true
		page.Meta.AfterCursor = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(from + size)))
	}
	writeJSON(w, http.StatusOK, page)
}
