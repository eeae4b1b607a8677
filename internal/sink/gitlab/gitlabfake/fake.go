// Package gitlabfake is a GitLab project for tests: an httptest server
// speaking the REST v4 endpoints the gitlab sink uses (PRIVATE-TOKEN
// auth, issues by iid, notes with the internal flag, project uploads,
// state_event), GitLab's error bodies and 429 with RateLimit headers,
// fault injection, and Issue/Note hooks with X-Gitlab-Token.
package gitlabfake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/sink/gitlab"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinktest"
)

// Options configures a Server; zero values pick the defaults shown.
type Options struct {
	Token        string // default glpat-test
	Username     string // the token's user; default tb-bot
	Project      string // default acme/support
	WebhookToken string // default hook-token
	// MaxUploadBytes makes bigger uploads fail with 413; 0: 1 MiB.
	MaxUploadBytes int64
}

// Issue is an issue the server holds.
type Issue struct {
	gitlab.Issue
	Notes []gitlab.Note
}

// Uploaded is a file uploaded to the project.
type Uploaded struct {
	Name string
	Size int64
}

// Server is a running fake GitLab.
type Server struct {
	t    *testing.T
	srv  *httptest.Server
	opts Options

	mu       sync.Mutex
	issues   []*Issue
	uploads  []Uploaded
	faults   sinktest.Faults
	loseNext bool
	// loseNote stores the next note and answers 502.
	loseNote bool
	noteID   int64
}

// New starts a server, closed when the test ends.
func New(t *testing.T, o Options) *Server {
	t.Helper()
	if o.Token == "" {
		o.Token = "glpat-test"
	}
	if o.Username == "" {
		o.Username = "tb-bot"
	}
	if o.Project == "" {
		o.Project = "acme/support"
	}
	if o.WebhookToken == "" {
		o.WebhookToken = "hook-token"
	}
	if o.MaxUploadBytes == 0 {
		o.MaxUploadBytes = 1 << 20
	}
	s := &Server{t: t, opts: o, noteID: 500}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the site's URL.
func (s *Server) URL() string { return s.srv.URL }

// Options returns the options in effect.
func (s *Server) Options() Options { return s.opts }

// Issues returns a copy of the issues.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, len(s.issues))
	for i, is := range s.issues {
		out[i] = *is
		out[i].Notes = slices.Clone(is.Notes)
	}
	return out
}

// Uploads returns the files uploaded so far.
func (s *Server) Uploads() []Uploaded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.uploads)
}

// FailNextOn answers the next request with method and path (after
// /api/v4) with status, header and body.
func (s *Server) FailNextOn(method, path string, status int, h http.Header, body string) {
	s.faults.Add(sinktest.Fault{Method: method, Path: path, Status: status, Header: h, Body: body})
}

// LoseNextNote stores the next note and answers 502, as GitLab's proxy
// does when the answer is lost behind it.
func (s *Server) LoseNextNote() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseNote = true
}

// LoseNextCreate creates the next issue and drops the connection.
func (s *Server) LoseNextCreate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseNext = true
}

// SendNote adds a note by username and delivers its Note Hook.
func (s *Server) SendNote(ctx context.Context, bridgeURL, sinkID string, iid int, body, username string, internal bool) (*http.Response, error) {
	s.mu.Lock()
	is := s.find(iid)
	if is == nil {
		s.mu.Unlock()
		s.t.Fatalf("gitlabfake: no issue %d", iid)
	}
	s.noteID++
	n := gitlab.Note{ID: s.noteID, Body: body, Internal: internal, Author: gitlab.User{Username: username}}
	is.Notes = append(is.Notes, n)
	h := gitlab.Hook{ObjectKind: "note", User: gitlab.User{Username: username, Name: username},
		ObjectAttributes: gitlab.HookAttributes{ID: n.ID, Note: body, NoteableType: "Issue", Internal: internal},
		Issue:            attrs(is)}
	s.mu.Unlock()
	return s.Deliver(ctx, bridgeURL, sinkID, "Note Hook", h)
}

// SendState closes ("close") or reopens ("reopen") an issue as username
// and delivers its Issue Hook.
func (s *Server) SendState(ctx context.Context, bridgeURL, sinkID string, iid int, action, username string) (*http.Response, error) {
	s.mu.Lock()
	is := s.find(iid)
	if is == nil {
		s.mu.Unlock()
		s.t.Fatalf("gitlabfake: no issue %d", iid)
	}
	is.State = map[string]string{"close": "closed", "reopen": "opened"}[action]
	a := attrs(is)
	a.Action = action
	h := gitlab.Hook{ObjectKind: "issue", User: gitlab.User{Username: username, Name: username}, ObjectAttributes: *a}
	s.mu.Unlock()
	return s.Deliver(ctx, bridgeURL, sinkID, "Issue Hook", h)
}

func attrs(is *Issue) *gitlab.HookAttributes {
	return &gitlab.HookAttributes{ID: is.ID, IID: is.IID, Title: is.Title, Description: is.Description, State: is.State, URL: is.WebURL}
}

// Deliver posts a hook with the project's secret token.
func (s *Server) Deliver(ctx context.Context, bridgeURL, sinkID, event string, payload any) (*http.Response, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, bridgeURL+"/hooks/tickets/"+sinkID, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(gitlab.HeaderToken, s.opts.WebhookToken)
	req.Header.Set(gitlab.HeaderEvent, event)
	req.Header.Set(gitlab.HeaderEventUUID, hex.EncodeToString(b))
	return http.DefaultClient.Do(req)
}

func (s *Server) find(iid int) *Issue {
	if iid < 1 || iid > len(s.issues) {
		return nil
	}
	return s.issues[iid-1]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v4")
	if !ok {
		http.NotFound(w, r)
		return
	}
	if s.faults.Serve(w, r.Method, path) {
		return
	}
	if r.Header.Get("PRIVATE-TOKEN") != s.opts.Token {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "401 Unauthorized"})
		return
	}
	proj := "/projects/" + url.PathEscape(s.opts.Project)
	rest, inProject := strings.CutPrefix(path, proj)
	switch {
	case r.Method == "GET" && path == "/user":
		writeJSON(w, 200, gitlab.User{ID: 9, Username: s.opts.Username, Name: "Ticketbridge"})
	case !inProject:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Project Not Found"})
	case r.Method == "GET" && rest == "":
		writeJSON(w, 200, gitlab.Project{ID: 3, PathWithNamespace: s.opts.Project, IssuesEnabled: true})
	case r.Method == "POST" && rest == "/issues":
		s.create(w, r)
	case r.Method == "GET" && rest == "/issues":
		s.list(w, r)
	case r.Method == "POST" && rest == "/uploads":
		s.upload(w, r)
	case strings.HasPrefix(rest, "/issues/"):
		s.issue(w, r, strings.Split(strings.TrimPrefix(rest, "/issues/"), "/"))
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Not found"})
	}
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title        string `json:"title"`
		Description  string `json:"description"`
		Labels       string `json:"labels"`
		Confidential bool   `json:"confidential"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body is invalid"})
		return
	}
	if strings.TrimSpace(in.Title) == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "title is missing"})
		return
	}
	s.mu.Lock()
	iid := len(s.issues) + 1
	is := &Issue{Issue: gitlab.Issue{ID: int64(100 + iid), IID: iid, Title: in.Title, Description: in.Description, State: "opened",
		WebURL: fmt.Sprintf("%s/%s/-/issues/%d", s.srv.URL, s.opts.Project, iid), Author: gitlab.User{Username: s.opts.Username}}}
	if in.Labels != "" {
		is.Labels = strings.Split(in.Labels, ",")
	}
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

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	out := []gitlab.Issue{}
	for i := len(s.issues) - 1; i >= 0; i-- {
		is := s.issues[i]
		if a := q.Get("author_username"); a == "" || is.Author.Username == a {
			out = append(out, is.Issue)
		}
	}
	s.mu.Unlock()
	if per, _ := strconv.Atoi(q.Get("per_page")); per > 0 && len(out) > per {
		out = out[:per]
	}
	writeJSON(w, 200, out)
}

func (s *Server) issue(w http.ResponseWriter, r *http.Request, parts []string) {
	iid, _ := strconv.Atoi(parts[0])
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(iid)
	if is == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Issue Not Found"})
		return
	}
	switch {
	case len(parts) == 1 && r.Method == "GET":
		writeJSON(w, 200, is.Issue)
	case len(parts) == 1 && r.Method == "PUT":
		var in struct {
			StateEvent string `json:"state_event"`
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		switch in.StateEvent {
		case "close":
			is.State = "closed"
		case "reopen":
			is.State = "opened"
		case "":
		default:
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "state_event does not have a valid value"})
			return
		}
		writeJSON(w, 200, is.Issue)
	case len(parts) == 2 && parts[1] == "notes" && r.Method == "POST":
		var in struct {
			Body     string `json:"body"`
			Internal bool   `json:"internal"`
		}
		if json.NewDecoder(r.Body).Decode(&in) != nil || strings.TrimSpace(in.Body) == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body is missing"})
			return
		}
		s.noteID++
		n := gitlab.Note{ID: s.noteID, Body: in.Body, Internal: in.Internal, Author: gitlab.User{Username: s.opts.Username}}
		is.Notes = append(is.Notes, n)
		if s.loseNote {
			s.loseNote = false
			writeJSON(w, http.StatusBadGateway, map[string]string{"message": "502 Bad Gateway"})
			return
		}
		writeJSON(w, http.StatusCreated, n)
	case len(parts) == 2 && parts[1] == "notes" && r.Method == "GET":
		writeJSON(w, 200, notePage(is.Notes, r.URL.Query()))
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Not found"})
	}
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "file is missing"})
		return
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "file is missing"})
			return
		}
		if p.FormName() != "file" {
			continue
		}
		n, err := io.Copy(io.Discard, io.LimitReader(p, s.opts.MaxUploadBytes+1))
		if err != nil || n > s.opts.MaxUploadBytes {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"message": "413 Request Entity Too Large"})
			return
		}
		name := p.FileName()
		s.mu.Lock()
		s.uploads = append(s.uploads, Uploaded{Name: name, Size: n})
		id := len(s.uploads)
		s.mu.Unlock()
		u := fmt.Sprintf("/uploads/%032d/%s", id, name)
		writeJSON(w, http.StatusCreated, gitlab.Upload{Alt: name, URL: u, FullPath: "/" + s.opts.Project + u,
			Markdown: fmt.Sprintf("[%s](%s)", name, u)})
		return
	}
}

// notePage lists notes as GitLab does: sort desc (the default) or asc by
// created_at, per_page up to 100 (default 20), page from 1.
func notePage(all []gitlab.Note, q url.Values) []gitlab.Note {
	out := slices.Clone(all)
	if q.Get("sort") != "asc" {
		slices.Reverse(out)
	}
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per <= 0 {
		per = 20
	}
	per = min(per, 100)
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page <= 0 {
		page = 1
	}
	from := min((page-1)*per, len(out))
	return append([]gitlab.Note{}, out[from:min(from+per, len(out))]...)
}
