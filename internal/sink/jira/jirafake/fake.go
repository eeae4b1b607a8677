// Package jirafake is a Jira Cloud site for tests: an httptest server
// speaking the parts of REST v3 (and the JSM request API) the jira sink
// uses, with Basic auth, Jira's error bodies, a small workflow, fault
// injection, and admin webhooks signed with X-Hub-Signature.
package jirafake

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink/jira"
)

// Options configures a Site; zero values pick the defaults shown.
type Options struct {
	Email   string // default bot@example.com
	Token   string // default test-token
	Project string // default OPS
	// AccountID is the API user's accountId; default "tb-bot".
	AccountID string
	// WebhookSecret signs webhooks; default "hook-secret".
	WebhookSecret string
	// TimeZone is the API user's zone for JQL dates; default UTC.
	TimeZone string
	// RequiredFields are extra required fields of the create screen.
	RequiredFields []jira.FieldMeta
	// Users answer user search.
	Users []jira.User
	// MaxAttachmentBytes makes bigger uploads fail with 413; 0: no limit.
	MaxAttachmentBytes int64
	// Now is the site's clock; default time.Now.
	Now func() time.Time
	// EditableFields are custom fields on the edit screen
	// (customfield_10070 …): an edit sets them, the issue shows them.
	EditableFields []string
}

// Comment is a comment the site holds.
type Comment struct {
	ID         string
	Body       jira.ADF
	Author     jira.User
	Created    time.Time
	Visibility *jira.Visibility
	Properties []jira.EntityProperty
}

// Attachment is an uploaded file.
type Attachment struct {
	Name, ContentType string
	Size              int64
}

// Issue is an issue the site holds.
type Issue struct {
	ID, Key     string
	Fields      map[string]any // as created
	Labels      []string
	Status      jira.Status
	Updated     time.Time
	Comments    []Comment
	Attachments []Attachment
	History     []jira.History
	// JSM is set for issues raised through the request API.
	JSM *jira.RequestCreate
}

// Request is one request the site received.
type Request struct {
	Method, Path string
	Header       http.Header
	Body         []byte // JSON bodies only
	Time         time.Time
}

// Statuses of the site's workflow.
var (
	StatusToDo       = jira.Status{ID: "10000", Name: "To Do", StatusCategory: jira.StatusCategory{Key: "new"}}
	StatusInProgress = jira.Status{ID: "10001", Name: "In Progress", StatusCategory: jira.StatusCategory{Key: "indeterminate"}}
	StatusDone       = jira.Status{ID: "10002", Name: "Done", StatusCategory: jira.StatusCategory{Key: "done"}}
	StatusWontDo     = jira.Status{ID: "10003", Name: "Won't Do", StatusCategory: jira.StatusCategory{Key: "done"}}
	// StatusWaiting is a service desk's "waiting for customer": an agent
	// moves an issue there inside the site (Move); no transition of
	// ours leads to it.
	StatusWaiting = jira.Status{ID: "10004", Name: "Waiting for customer", StatusCategory: jira.StatusCategory{Key: "indeterminate"}}
)

// workflow lists every transition; each leads to its status from any
// other status.
var workflow = []jira.Transition{
	{ID: "11", Name: "Start work", To: StatusInProgress},
	{ID: "21", Name: "Won't do", To: StatusWontDo},
	{ID: "31", Name: "Resolve", To: StatusDone},
	{ID: "41", Name: "Reopen", To: StatusToDo},
}

// Priorities the site offers.
var Priorities = []string{"Highest", "High", "Medium", "Low", "Lowest"}

// Site is the fake Jira.
type Site struct {
	o   Options
	srv *httptest.Server

	mu       sync.Mutex
	issues   []*Issue
	requests []Request
	fails    []failure
	lose     bool
	// loseUpload stores the next upload and answers 502.
	loseUpload bool
	// loseComment stores the next comment and answers 502.
	loseComment bool
	nextID      int
}

type failure struct {
	method, path string // empty: any request
	status       int
	header       http.Header
}

// New starts a site that closes with the test.
func New(tb testing.TB, o Options) *Site {
	tb.Helper()
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&o.Email, "bot@example.com")
	def(&o.Token, "test-token")
	def(&o.Project, "OPS")
	def(&o.AccountID, "tb-bot")
	def(&o.WebhookSecret, "hook-secret")
	def(&o.TimeZone, "UTC")
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Site{o: o, nextID: 10000}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rest/api/3/myself", s.myself)
	mux.HandleFunc("GET /rest/api/3/project/{key}", s.project)
	mux.HandleFunc("GET /rest/api/3/user/search", s.userSearch)
	mux.HandleFunc("POST /rest/api/3/issue", s.createIssue)
	mux.HandleFunc("POST /rest/servicedeskapi/request", s.createRequest)
	mux.HandleFunc("POST /rest/api/3/search/jql", s.search)
	mux.HandleFunc("GET /rest/api/3/search", func(w http.ResponseWriter, _ *http.Request) {
		writeErr(w, http.StatusGone, "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.")
	})
	mux.HandleFunc("GET /rest/api/3/issue/{key}", s.getIssue)
	mux.HandleFunc("PUT /rest/api/3/issue/{key}", s.editIssue)
	mux.HandleFunc("POST /rest/api/3/issue/{key}/comment", s.comment)
	mux.HandleFunc("GET /rest/api/3/issue/{key}/comment", s.comments)
	mux.HandleFunc("POST /rest/api/3/issue/{key}/attachments", s.attach)
	mux.HandleFunc("GET /rest/api/3/issue/{key}/transitions", s.transitions)
	mux.HandleFunc("POST /rest/api/3/issue/{key}/transitions", s.transition)
	mux.HandleFunc("POST /rest/servicedeskapi/request/{key}/transition", s.transition)
	mux.HandleFunc("GET /rest/api/3/issue/createmeta/{project}/issuetypes", s.issueTypes)
	mux.HandleFunc("GET /rest/api/3/issue/createmeta/{project}/issuetypes/{id}", s.createFields)
	mux.HandleFunc("GET /rest/servicedeskapi/servicedesk/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "10" {
			writeJSON(w, http.StatusNotFound, jira.ErrorBody{ErrorMessage: "Service Desk does not exist"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"id": "10", "projectKey": s.o.Project})
	})
	s.srv = httptest.NewServer(s.guard(mux))
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the site's base URL.
func (s *Site) URL() string { return s.srv.URL }

// Options returns the options in effect (with defaults).
func (s *Site) Options() Options { return s.o }

// FailNext makes the next n requests fail with status before they do
// anything, with Jira's error body for it. header adds headers (use it
// for Retry-After and X-RateLimit-Reset).
func (s *Site) FailNext(n, status int, header http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fails = append(s.fails, failure{status: status, header: header})
	}
}

// FailNextOn is FailNext for the requests with method and path only, so
// that background calls (start-up validation) do not take the failure.
func (s *Site) FailNextOn(method, path string, n, status int, header http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fails = append(s.fails, failure{method: method, path: path, status: status, header: header})
	}
}

// LoseNextCreate makes the next creation store its issue and answer 502,
// as a proxy that timed out would: the answer is lost.
func (s *Site) LoseNextCreate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose = true
}

// LoseNextComment makes the next comment be stored and answered 502.
func (s *Site) LoseNextComment() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseComment = true
}

// LoseNextUpload makes the next upload store its files and answer 502.
func (s *Site) LoseNextUpload() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseUpload = true
}

// Requests returns the requests received so far.
func (s *Site) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestsTo counts the requests with method and path.
func (s *Site) RequestsTo(method, path string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// Issues returns copies of all issues in creation order.
func (s *Site) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, 0, len(s.issues))
	for _, is := range s.issues {
		out = append(out, s.copyIssue(is))
	}
	return out
}

// Issue returns a copy of one issue.
func (s *Site) Issue(key string) (Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.find(key); is != nil {
		return s.copyIssue(is), true
	}
	return Issue{}, false
}

func (s *Site) copyIssue(is *Issue) Issue {
	c := *is
	c.Labels = append([]string(nil), is.Labels...)
	c.Comments = append([]Comment(nil), is.Comments...)
	c.Attachments = append([]Attachment(nil), is.Attachments...)
	c.History = append([]jira.History(nil), is.History...)
	return c
}

// CountExternal counts the issues labelled with externalID's label; more
// than one means a creation was not idempotent.
func (s *Site) CountExternal(externalID string) int {
	want := jira.ExternalLabel(externalID)
	n := 0
	for _, is := range s.Issues() {
		for _, l := range is.Labels {
			if l == want {
				n++
			}
		}
	}
	return n
}

func (s *Site) find(key string) *Issue {
	for _, is := range s.issues {
		if is.Key == key || is.ID == key {
			return is
		}
	}
	return nil
}

// guard records, checks Basic auth and injects failures.
func (s *Site) guard(next http.Handler) http.Handler {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(s.o.Email+":"+s.o.Token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Time: time.Now()}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				writeErr(w, http.StatusBadRequest, "unreadable body")
				return
			}
			rec.Body = body
			r.Body = io.NopCloser(strings.NewReader(string(body)))
		}
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		var f *failure
		for i, c := range s.fails {
			if (c.method == "" || c.method == r.Method) && (c.path == "" || c.path == r.URL.Path) {
				f = &c
				s.fails = append(s.fails[:i:i], s.fails[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
		if f != nil {
			for k, vs := range f.header {
				for _, v := range vs {
					w.Header().Add(k, v)
				}
			}
			writeFailure(w, f.status)
			return
		}
		if r.Header.Get("Authorization") != want {
			// Jira Cloud answers unauthenticated calls in plain text.
			w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, "Client must be authenticated to access this resource.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeFailure answers with the body Jira sends for status.
func writeFailure(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusBadRequest:
		writeJSON(w, status, jira.ErrorBody{ErrorMessages: []string{}, Errors: map[string]string{"customfield_10077": "Customer Impact is required."}})
	case http.StatusUnauthorized:
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		w.WriteHeader(status)
		io.WriteString(w, "Client must be authenticated to access this resource.")
	case http.StatusForbidden:
		writeErr(w, status, "You do not have permission to create issues in this project.")
	case http.StatusNotFound:
		writeErr(w, status, "Issue does not exist or you do not have permission to see it.")
	case http.StatusConflict:
		writeErr(w, status, "The issue is being edited by another request; try again.")
	case http.StatusTooManyRequests:
		writeErr(w, status, "Rate limit exceeded.")
	case http.StatusServiceUnavailable:
		writeErr(w, status, "Jira is temporarily unavailable. Please try again later.")
	default:
		writeErr(w, status, "Internal server error ("+strconv.Itoa(status)+").")
	}
}

func writeErr(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, jira.ErrorBody{ErrorMessages: []string{msg}, Errors: map[string]string{}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
