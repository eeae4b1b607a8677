package githubfake

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink/github"
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if s.opts.Dialect == github.TypeGitea {
		p, ok := strings.CutPrefix(path, "/api/v1")
		if !ok {
			http.NotFound(w, r)
			return
		}
		path = p
	}
	var body []byte
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		body, _ = io.ReadAll(r.Body)
	}
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: path, Query: r.URL.RawQuery, Body: body, Time: time.Now()})
	s.mu.Unlock()
	if s.faults.Serve(w, r.Method, path) {
		return
	}
	want := "Bearer " + s.opts.Token
	if s.opts.Dialect == github.TypeGitea {
		want = "token " + s.opts.Token
	}
	if r.Header.Get("Authorization") != want {
		message(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	repo := "/repos/" + s.opts.Repository
	rest, inRepo := strings.CutPrefix(path, repo)
	switch {
	case r.Method == "GET" && path == "/user":
		writeJSON(w, 200, github.User{ID: 7, Login: s.opts.Login})
	case !inRepo:
		message(w, http.StatusNotFound, "Not Found")
	case r.Method == "GET" && rest == "":
		out := github.Repository{FullName: s.opts.Repository, HasIssues: true}
		out.Permissions.Pull, out.Permissions.Push = true, !s.opts.NoPush
		writeJSON(w, 200, out)
	case r.Method == "GET" && rest == "/labels":
		s.mu.Lock()
		writeJSON(w, 200, s.labels)
		s.mu.Unlock()
	case r.Method == "POST" && rest == "/issues":
		s.create(w, body)
	case r.Method == "GET" && rest == "/issues":
		s.list(w, r)
	case strings.HasPrefix(rest, "/issues/"):
		s.issue(w, r, strings.Split(strings.TrimPrefix(rest, "/issues/"), "/"), body)
	default:
		message(w, http.StatusNotFound, "Not Found")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func message(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

func (s *Server) create(w http.ResponseWriter, body []byte) {
	var in struct {
		Title  string          `json:"title"`
		Body   string          `json:"body"`
		Labels json.RawMessage `json:"labels"`
	}
	if json.Unmarshal(body, &in) != nil {
		message(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	if strings.TrimSpace(in.Title) == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed",
			"errors": []map[string]string{{"resource": "Issue", "field": "title", "code": "missing_field"}}})
		return
	}
	s.mu.Lock()
	labels, bad := s.resolveLabels(in.Labels)
	if bad != "" {
		s.mu.Unlock()
		message(w, http.StatusUnprocessableEntity, bad)
		return
	}
	n := len(s.issues) + 1
	is := &Issue{Issue: github.Issue{ID: s.id(), Number: n, Title: in.Title, Body: in.Body, State: "open",
		HTMLURL: fmt.Sprintf("%s/%s/issues/%d", s.srv.URL, s.opts.Repository, n), User: github.User{ID: 7, Login: s.opts.Login}, Labels: labels}}
	s.issues = append(s.issues, is)
	out := is.Issue
	lose := s.loseNext
	s.loseNext = false
	s.mu.Unlock()
	if lose {
		panic(http.ErrAbortHandler)
	}
	writeJSON(w, http.StatusCreated, out)
}

// resolveLabels: GitHub takes names and makes missing labels (with push
// access; without it they are dropped); Gitea takes existing ids only.
func (s *Server) resolveLabels(raw json.RawMessage) ([]github.Label, string) {
	if len(raw) == 0 {
		return nil, ""
	}
	var out []github.Label
	if s.opts.Dialect == github.TypeGitea {
		var ids []int64
		if json.Unmarshal(raw, &ids) != nil {
			return nil, "labels: must be a list of label ids"
		}
		for _, id := range ids {
			i := slices.IndexFunc(s.labels, func(l github.Label) bool { return l.ID == id })
			if i < 0 {
				return nil, fmt.Sprintf("label %d does not exist", id)
			}
			out = append(out, s.labels[i])
		}
		return out, ""
	}
	var names []string
	if json.Unmarshal(raw, &names) != nil {
		return nil, "labels: must be a list of names"
	}
	if s.opts.NoPush {
		return nil, ""
	}
	for _, n := range names {
		i := slices.IndexFunc(s.labels, func(l github.Label) bool { return strings.EqualFold(l.Name, n) })
		if i < 0 {
			s.labels = append(s.labels, github.Label{ID: s.id(), Name: n})
			i = len(s.labels) - 1
		}
		out = append(out, s.labels[i])
	}
	return out, ""
}

// list answers newest first, filtered by state and creator.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	creator := q.Get("creator")
	if s.opts.Dialect == github.TypeGitea {
		creator = q.Get("created_by")
	}
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	s.mu.Lock()
	var out []github.Issue
	for i := len(s.issues) - 1; i >= 0; i-- {
		is := s.issues[i]
		if (state == "all" || is.State == state) && (creator == "" || is.User.Login == creator) {
			out = append(out, is.Issue)
		}
	}
	s.mu.Unlock()
	per, _ := strconv.Atoi(q.Get("per_page") + q.Get("limit"))
	if per <= 0 {
		per = 30
	}
	if len(out) > per {
		out = out[:per]
	}
	if out == nil {
		out = []github.Issue{}
	}
	writeJSON(w, 200, out)
}

func (s *Server) issue(w http.ResponseWriter, r *http.Request, parts []string, body []byte) {
	n, _ := strconv.Atoi(parts[0])
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(n)
	if is == nil {
		message(w, http.StatusNotFound, "Not Found")
		return
	}
	switch {
	case len(parts) == 1 && r.Method == "GET":
		out := is.Issue
		out.Comments = len(is.Comments)
		writeJSON(w, 200, out)
	case len(parts) == 2 && parts[1] == "comments" && r.Method == "GET":
		writeJSON(w, 200, s.commentPage(is, r.URL.Query()))
	case len(parts) == 1 && r.Method == "PATCH":
		var in struct {
			State       string `json:"state"`
			StateReason string `json:"state_reason"`
		}
		if json.Unmarshal(body, &in) != nil || in.State != "" && in.State != "open" && in.State != "closed" {
			message(w, http.StatusUnprocessableEntity, "Validation Failed")
			return
		}
		if in.State != "" {
			is.State = in.State
		}
		writeJSON(w, 200, is.Issue)
	case len(parts) == 2 && parts[1] == "comments" && r.Method == "POST":
		var in struct {
			Body string `json:"body"`
		}
		if json.Unmarshal(body, &in) != nil || strings.TrimSpace(in.Body) == "" {
			message(w, http.StatusUnprocessableEntity, "Validation Failed")
			return
		}
		c := github.Comment{ID: s.id(), Body: in.Body, User: github.User{ID: 7, Login: s.opts.Login}}
		is.Comments = append(is.Comments, c)
		if s.loseComment {
			s.loseComment = false
			message(w, http.StatusBadGateway, "Server Error")
			return
		}
		writeJSON(w, http.StatusCreated, c)
	case len(parts) == 2 && parts[1] == "assets" && r.Method == "POST" && s.opts.Dialect == github.TypeGitea:
		s.asset(w, r, is)
	case len(parts) == 2 && parts[1] == "assets" && r.Method == "GET" && s.opts.Dialect == github.TypeGitea:
		writeJSON(w, 200, append([]github.Asset{}, is.Assets...))
	default:
		message(w, http.StatusNotFound, "Not Found")
	}
}

// asset reads Gitea's multipart "attachment" field.
func (s *Server) asset(w http.ResponseWriter, r *http.Request, is *Issue) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		message(w, http.StatusBadRequest, "not multipart")
		return
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			message(w, http.StatusBadRequest, "attachment missing")
			return
		}
		if p.FormName() != "attachment" {
			continue
		}
		n, err := io.Copy(io.Discard, io.LimitReader(p, s.opts.MaxAssetBytes+1))
		if err != nil {
			message(w, http.StatusBadRequest, err.Error())
			return
		}
		if n > s.opts.MaxAssetBytes {
			message(w, http.StatusRequestEntityTooLarge, "file too large")
			return
		}
		name := r.URL.Query().Get("name")
		if name == "" {
			name = p.FileName()
		}
		a := github.Asset{ID: s.id(), Name: name, Size: n}
		is.Assets = append(is.Assets, a)
		if s.loseComment {
			s.loseComment = false
			message(w, http.StatusBadGateway, "Server Error")
			return
		}
		writeJSON(w, http.StatusCreated, a)
		return
	}
}

// commentPage lists an issue's comments oldest first. GitHub pages them
// (per_page up to 100, default 30; page from 1); Gitea's endpoint takes
// no paging and answers with all of them.
func (s *Server) commentPage(is *Issue, q url.Values) []github.Comment {
	all := is.Comments
	if s.opts.Dialect == github.TypeGitea {
		return append([]github.Comment{}, all...)
	}
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per <= 0 {
		per = 30
	}
	per = min(per, 100)
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page <= 0 {
		page = 1
	}
	from := min((page-1)*per, len(all))
	return append([]github.Comment{}, all[from:min(from+per, len(all))]...)
}
