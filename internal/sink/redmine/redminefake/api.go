package redminefake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink/redmine"
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Header.Get("Content-Type") == "application/json" {
		body, _ = io.ReadAll(r.Body)
	}
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body, Time: time.Now()})
	for i, f := range s.faults {
		if f.method == r.Method && f.path == r.URL.Path {
			s.faults = slices.Delete(s.faults, i, i+1)
			s.mu.Unlock()
			for k, v := range f.header {
				w.Header()[k] = v
			}
			w.WriteHeader(f.status)
			return
		}
	}
	s.mu.Unlock()
	user, ok := userOf(r.Header.Get("X-Redmine-API-Key"))
	if !ok {
		// Redmine with login_required answers a wrong key with a bare 401.
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	path := strings.TrimSuffix(r.URL.Path, ".json")
	switch {
	case r.Method == "GET" && path == "/users/current":
		writeJSON(w, 200, map[string]any{"user": map[string]any{"id": user.ID, "login": strings.ToLower(strings.Fields(user.Name)[0]), "admin": user.ID == Admin.ID}})
	case r.Method == "GET" && path == "/projects/"+Project:
		writeJSON(w, 200, map[string]any{"project": map[string]any{"id": 1, "identifier": Project, "name": "Ops",
			"trackers": []redmine.IDName{{ID: 1, Name: "Bug"}, {ID: 2, Name: "Feature"}, {ID: 3, Name: "Support"}}}})
	case r.Method == "GET" && path == "/issue_statuses":
		writeJSON(w, 200, redmine.StatusList{IssueStatuses: Statuses})
	case r.Method == "GET" && path == "/enumerations/issue_priorities":
		writeJSON(w, 200, map[string]any{"issue_priorities": []map[string]any{
			{"id": 1, "name": "Low"}, {"id": 2, "name": "Normal", "is_default": true},
			{"id": 3, "name": "High"}, {"id": 4, "name": "Urgent"}, {"id": 5, "name": "Immediate"}}})
	case r.Method == "POST" && path == "/issues":
		s.create(w, r, user, body)
	case r.Method == "GET" && path == "/issues":
		s.list(w, r)
	case r.Method == "POST" && path == "/uploads":
		s.upload(w, r)
	case strings.HasPrefix(path, "/issues/"):
		s.one(w, r, user, strings.TrimPrefix(path, "/issues/"), body)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func userOf(key string) (redmine.IDName, bool) {
	for _, u := range []redmine.IDName{Admin, Agent, Reporter} {
		if key != "" && key == Key(u) {
			return u, true
		}
	}
	return redmine.IDName{}, false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func unprocessable(w http.ResponseWriter, msgs ...string) {
	writeJSON(w, http.StatusUnprocessableEntity, redmine.ErrorBody{Errors: msgs})
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, user redmine.IDName, body []byte) {
	var in redmine.IssueWrite
	if err := json.Unmarshal(body, &in); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	f := in.Issue
	switch {
	case f.ProjectID != Project:
		unprocessable(w, "Project cannot be blank")
		return
	case strings.TrimSpace(f.Subject) == "":
		unprocessable(w, "Subject cannot be blank")
		return
	case f.PriorityID < 0 || f.PriorityID > 5:
		unprocessable(w, "Priority cannot be blank")
		return
	}
	s.mu.Lock()
	now := s.now()
	is := &Issue{Issue: redmine.Issue{
		ID: len(s.issues) + 1, Project: redmine.IDName{ID: 1, Name: "Ops"},
		Tracker: redmine.IDName{ID: max(f.TrackerID, 1)}, Status: Statuses[0],
		Priority: redmine.IDName{ID: max(f.PriorityID, 2)}, Author: user,
		Subject: f.Subject, Description: strings.ReplaceAll(f.Description, "\n", "\r\n"),
		CreatedOn: now.Format(redmine.TimeFormat), UpdatedOn: now.Format(redmine.TimeFormat),
	}, Updated: now}
	s.issues = append(s.issues, is)
	lose := s.loseNext
	s.loseNext = false
	out := redmine.IssueAnswer{Issue: is.Issue}
	s.mu.Unlock()
	if lose {
		panic(http.ErrAbortHandler)
	}
	writeJSON(w, http.StatusCreated, out)
}

// list filters like Redmine: the project, status_id (open only unless
// "*"), description "~" (contains), updated_on ">=", sorted by
// updated_on then id, paged.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if p := q.Get("project_id"); p != "" && p != Project {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	var since time.Time
	if v, ok := strings.CutPrefix(q.Get("updated_on"), ">="); ok {
		t, err := time.Parse(redmine.TimeFormat, v)
		if err != nil {
			unprocessable(w, "Updated is not a valid date")
			return
		}
		since = t
	}
	contains, _ := strings.CutPrefix(q.Get("description"), "~")
	s.mu.Lock()
	var hits []redmine.Issue
	for _, is := range s.issues {
		switch {
		case q.Get("status_id") != "*" && is.Status.IsClosed,
			!since.IsZero() && is.Updated.Truncate(time.Second).Before(since),
			contains != "" && !strings.Contains(strings.ToLower(is.Description), strings.ToLower(contains)):
			continue
		}
		c := is.Issue
		c.Journals, c.Attachments = nil, nil
		hits = append(hits, c)
	}
	s.mu.Unlock()
	if strings.HasPrefix(q.Get("sort"), "updated_on") {
		slices.SortStableFunc(hits, func(a, b redmine.Issue) int { return strings.Compare(a.UpdatedOn, b.UpdatedOn) })
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 25
	}
	total := len(hits)
	hits = hits[min(offset, total):min(offset+limit, total)]
	writeJSON(w, 200, redmine.IssueList{Issues: hits, TotalCount: total, Offset: offset, Limit: limit})
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Content-Type") != "application/octet-stream" {
		w.WriteHeader(http.StatusNotAcceptable)
		return
	}
	// Redmine under Rack stores a chunked body (no Content-Length) as an
	// empty file, and answers 201 all the same.
	var body io.Reader = r.Body
	if r.ContentLength < 0 {
		body = strings.NewReader("")
	}
	n, err := io.Copy(io.Discard, io.LimitReader(body, s.opts.MaxUploadBytes+1))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if n > s.opts.MaxUploadBytes {
		unprocessable(w, fmt.Sprintf("This file cannot be uploaded because it exceeds the maximum allowed file size (%d KB)", s.opts.MaxUploadBytes>>10))
		return
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	s.mu.Lock()
	id := len(s.uploads) + 1
	token := fmt.Sprintf("%d.%s", id, hex.EncodeToString(b))
	s.uploads[token] = redmine.Attached{ID: id, Filename: r.URL.Query().Get("filename"), Filesize: n}
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, redmine.UploadAnswer{Upload: struct {
		ID    int    `json:"id"`
		Token string `json:"token"`
	}{ID: id, Token: token}})
}

func (s *Server) one(w http.ResponseWriter, r *http.Request, user redmine.IDName, idText string, body []byte) {
	id, err := strconv.Atoi(idText)
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(id)
	if err != nil || is == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	switch r.Method {
	case "GET":
		out := is.Issue
		if !strings.Contains(r.URL.Query().Get("include"), "attachments") {
			out.Attachments = nil
		}
		if !strings.Contains(r.URL.Query().Get("include"), "journals") {
			out.Journals = nil
		} else if user.ID == Reporter.ID {
			out.Journals = slices.DeleteFunc(slices.Clone(out.Journals), func(j redmine.Journal) bool { return j.PrivateNotes })
		}
		writeJSON(w, 200, redmine.IssueAnswer{Issue: out})
	case "PUT":
		var in redmine.IssueWrite
		if err := json.Unmarshal(body, &in); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if msg := s.update(is, user, in.Issue); msg != "" {
			unprocessable(w, msg)
			return
		}
		if s.loseNote && (in.Issue.Notes != "" || len(in.Issue.Uploads) > 0) {
			s.loseNote = false
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		// Redmine 5.0 answers an update with 204 and no body.
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// update applies a PUT: a status the workflow does not allow is dropped
// without a word, as Redmine's safe attributes do.
func (s *Server) update(is *Issue, user redmine.IDName, f redmine.IssueFields) string {
	var details []redmine.JournalDetail
	if f.StatusID != 0 && f.StatusID != is.Status.ID {
		st, ok := statusByID(f.StatusID)
		if !ok {
			return "Status is not included in the list"
		}
		if allowed(user, is.Status, st) {
			details = append(details, redmine.JournalDetail{Property: "attr", Name: "status_id", OldValue: strconv.Itoa(is.Status.ID), NewValue: strconv.Itoa(st.ID)})
			is.Status = st
		}
	}
	for _, u := range f.Uploads {
		a, ok := s.uploads[u.Token]
		if !ok {
			return "Attachments is invalid"
		}
		delete(s.uploads, u.Token)
		a.Filename, a.ContentType, a.Description = u.Filename, u.ContentType, u.Description
		is.Attachments = append(is.Attachments, a)
		details = append(details, redmine.JournalDetail{Property: "attachment", Name: strconv.Itoa(a.ID), NewValue: a.Filename})
	}
	if f.Notes != "" || len(details) > 0 {
		s.journal(is, user, f.Notes, f.PrivateNotes, details)
	}
	return ""
}

// allowed is the stock workflow: Reporter may only close, or send a
// resolved issue back to feedback; the others may do anything.
func allowed(user redmine.IDName, from, to redmine.Status) bool {
	if user.ID != Reporter.ID {
		return true
	}
	return to.Name == "Closed" || from.Name == "Resolved" && to.Name == "Feedback"
}

func (s *Server) setStatus(is *Issue, user redmine.IDName, st redmine.Status) {
	d := redmine.JournalDetail{Property: "attr", Name: "status_id", OldValue: strconv.Itoa(is.Status.ID), NewValue: strconv.Itoa(st.ID)}
	is.Status = st
	s.journal(is, user, "", false, []redmine.JournalDetail{d})
}

func (s *Server) journal(is *Issue, user redmine.IDName, notes string, private bool, details []redmine.JournalDetail) {
	s.journalID++
	now := s.now()
	is.Journals = append(is.Journals, redmine.Journal{ID: s.journalID, User: user, Notes: notes, PrivateNotes: private,
		CreatedOn: now.Format(redmine.TimeFormat), Details: details})
	is.Updated, is.UpdatedOn = now, now.Format(redmine.TimeFormat)
}

func (s *Server) now() time.Time { return s.opts.Now().UTC() }

func (s *Server) find(id int) *Issue {
	if id < 1 || id > len(s.issues) {
		return nil
	}
	return s.issues[id-1]
}

func statusByID(id int) (redmine.Status, bool) {
	for _, st := range Statuses {
		if st.ID == id {
			return st, true
		}
	}
	return redmine.Status{}, false
}

func statusNamed(name string) (redmine.Status, bool) {
	for _, st := range Statuses {
		if st.Name == name {
			return st, true
		}
	}
	return redmine.Status{}, false
}
