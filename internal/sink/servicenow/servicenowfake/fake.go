// Package servicenowfake is a ServiceNow instance for tests: the Table
// API on incident, sys_user, sys_user_group, sys_dictionary and
// sys_journal_field, the attachment API, Basic/Bearer auth, the
// instance's error bodies, fault injection, and the signed webhooks the
// business rule of docs/sinks/servicenow.md sends.
package servicenowfake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Loss says how a "lost" creation answer is lost.
type Loss int

const (
	// LoseWith502 stores the incident and answers 502, like a proxy
	// timing out in front of a slow instance.
	LoseWith502 Loss = iota + 1
	// LoseHangUp stores the incident and closes the connection.
	LoseHangUp
)

// Options configures an instance; zero values pick working defaults.
type Options struct {
	Username, Password string // Basic auth; default "tb.integration"/"s3cret-pass"
	Token              string // Bearer auth accepted besides Basic when set
	WebhookSecret      string // default "whsecret-0123456789abcdef"
	// DictionaryForbidden answers 403 on sys_dictionary, as for an
	// account without the admin or personalize_dictionary role.
	DictionaryForbidden bool
	// Mandatory adds mandatory incident columns (no default value).
	Mandatory []string
	// Columns adds optional incident columns (custom u_… fields).
	Columns []string
	// MaxAttachment is the instance's attachment limit; default 1 MiB.
	MaxAttachment int64
	Now           func() time.Time
}

// Journal is one comment or work note.
type Journal struct {
	SysID     string
	Element   string // comments or work_notes
	Value     string
	CreatedBy string
	CreatedOn string
}

// Attachment is a stored file (only its digest is kept).
type Attachment struct {
	SysID       string
	FileName    string
	ContentType string
	Size        int64
	SHA256      string
}

// Incident is an incident the instance holds.
type Incident struct {
	SysID       string
	Number      string
	Fields      map[string]string // every column written, as strings
	Journal     []Journal
	Attachments []Attachment
	ModCount    int
	CreatedOn   string
	UpdatedOn   string
	UpdatedBy   string
}

// Request is a recorded request.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Body   []byte // JSON bodies only; attachments are not kept
}

// User is a sys_user row.
type User struct{ SysID, UserName, Email string }

// Instance is the fake.
type Instance struct {
	srv  *httptest.Server
	opts Options

	mu         sync.Mutex
	incidents  []*Incident
	users      []User
	groups     map[string]string // name → sys_id
	requests   []Request
	failN      int
	failStatus int
	failRetry  string
	lose       Loss
	loseNote   Loss
	loseUpload Loss
	seq        int
}

// New starts an instance that closes with the test. It has the
// integration user and a group "Service Desk".
func New(tb testing.TB, o Options) *Instance {
	tb.Helper()
	if o.Username == "" {
		o.Username, o.Password = "tb.integration", "s3cret-pass"
	}
	if o.WebhookSecret == "" {
		o.WebhookSecret = "whsecret-0123456789abcdef"
	}
	if o.MaxAttachment == 0 {
		o.MaxAttachment = 1 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	in := &Instance{opts: o, groups: map[string]string{"Service Desk": sysID("group", 1)}}
	in.users = append(in.users, User{SysID: sysID("user", 1), UserName: o.Username, Email: "integration@example.com"})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/now/table/incident", in.create)
	mux.HandleFunc("GET /api/now/table/incident", in.list)
	mux.HandleFunc("GET /api/now/table/incident/{id}", in.get)
	mux.HandleFunc("PATCH /api/now/table/incident/{id}", in.patch)
	mux.HandleFunc("PUT /api/now/table/incident/{id}", in.patch)
	mux.HandleFunc("GET /api/now/table/sys_user", in.listUsers)
	mux.HandleFunc("GET /api/now/table/sys_user_group", in.listGroups)
	mux.HandleFunc("GET /api/now/table/sys_dictionary", in.dictionary)
	mux.HandleFunc("GET /api/now/table/sys_journal_field", in.journal)
	mux.HandleFunc("POST /api/now/attachment/file", in.attach)
	mux.HandleFunc("GET /api/now/attachment", in.attachments)
	in.srv = httptest.NewServer(in.guard(mux))
	tb.Cleanup(in.srv.Close)
	return in
}

// URL is the instance root, for the sink's url.
func (in *Instance) URL() string { return in.srv.URL }

// Options returns the options in force (credentials, secret).
func (in *Instance) Options() Options { return in.opts }

// AddUser adds a sys_user and returns its sys_id.
func (in *Instance) AddUser(userName, email string) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	id := sysID("user", len(in.users)+1)
	in.users = append(in.users, User{SysID: id, UserName: userName, Email: email})
	return id
}

// FailNext makes the next n requests fail with status before they do
// anything; retryAfter, when set, goes into Retry-After (and, for 429,
// the rate-limit headers).
func (in *Instance) FailNext(n, status int, retryAfter string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.failN, in.failStatus, in.failRetry = n, status, retryAfter
}

// LoseNextCreate makes the next creation store its incident and lose
// the answer the way l says.
func (in *Instance) LoseNextCreate(l Loss) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.lose = l
}

// LoseNextComment makes the next comment or work note go into the
// journal and its answer be lost the way l says.
func (in *Instance) LoseNextComment(l Loss) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.loseNote = l
}

// LoseNextUpload makes the next attachment be stored and its answer be
// lost the way l says.
func (in *Instance) LoseNextUpload(l Loss) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.loseUpload = l
}

// Incidents returns copies of all incidents in creation order.
func (in *Instance) Incidents() []Incident {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]Incident, 0, len(in.incidents))
	for _, i := range in.incidents {
		out = append(out, i.copy())
	}
	return out
}

// Incident returns a copy of the incident with that number.
func (in *Instance) Incident(number string) (Incident, bool) {
	for _, i := range in.Incidents() {
		if i.Number == number {
			return i, true
		}
	}
	return Incident{}, false
}

// CountExternal counts incidents whose correlation_id is externalID;
// more than one means a creation was not idempotent.
func (in *Instance) CountExternal(externalID string) int {
	n := 0
	for _, i := range in.Incidents() {
		if i.Fields["correlation_id"] == externalID {
			n++
		}
	}
	return n
}

// Requests returns the recorded requests (all, including refused ones).
func (in *Instance) Requests() []Request {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Request(nil), in.requests...)
}

func (i *Incident) copy() Incident {
	c := *i
	c.Fields = map[string]string{}
	for k, v := range i.Fields {
		c.Fields[k] = v
	}
	c.Journal = append([]Journal(nil), i.Journal...)
	c.Attachments = append([]Attachment(nil), i.Attachments...)
	return c
}

// guard records, injects failures and checks auth before the API.
func (in *Instance) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query()}
		if strings.HasPrefix(r.URL.Path, "/api/now/table/") {
			body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			if err != nil {
				writeError(w, http.StatusBadRequest, "Bad Request", "unreadable body")
				return
			}
			rec.Body = body
			r.Body = io.NopCloser(strings.NewReader(string(body)))
		}
		in.mu.Lock()
		in.requests = append(in.requests, rec)
		if in.failN > 0 {
			in.failN--
			status, retry := in.failStatus, in.failRetry
			in.mu.Unlock()
			in.fail(w, status, retry)
			return
		}
		in.mu.Unlock()
		if !in.authorized(r) {
			writeError(w, http.StatusUnauthorized, "User Not Authenticated", "Required to provide Auth information")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (in *Instance) fail(w http.ResponseWriter, status int, retry string) {
	if retry != "" {
		w.Header().Set("Retry-After", retry)
	}
	switch status {
	case http.StatusTooManyRequests:
		w.Header().Set("X-RateLimit-Limit", "100")
		w.Header().Set("X-RateLimit-Rule", "b6ac53c3db1333008f6e7ebdbf96198b")
		var secs int64 = 60
		fmt.Sscan(retry, &secs)
		w.Header().Set("X-RateLimit-Reset", fmt.Sprint(in.opts.Now().Unix()+secs))
		writeError(w, status, "Rate limit exceeded", "Too many requests for this user; see the rate limit rule")
	case http.StatusBadRequest:
		writeError(w, status, "Operation Failed", "Data Policy Exception: \n Short description is mandatory")
	case http.StatusUnauthorized:
		writeError(w, status, "User Not Authenticated", "Required to provide Auth information")
	case http.StatusForbidden:
		writeError(w, status, "Operation Failed", "ACL Exception Insert Failed due to security constraints")
	case http.StatusNotFound:
		writeError(w, status, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")
	case http.StatusConflict:
		writeError(w, status, "Conflict", "The record was changed by another transaction")
	case http.StatusServiceUnavailable:
		writeError(w, status, "Service Unavailable", "The instance is hibernating or under maintenance")
	default:
		writeError(w, status, http.StatusText(status), "injected failure")
	}
}

func (in *Instance) authorized(r *http.Request) bool {
	if u, p, ok := r.BasicAuth(); ok {
		return u == in.opts.Username && p == in.opts.Password
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return in.opts.Token != "" && tok == in.opts.Token
	}
	return false
}

func writeError(w http.ResponseWriter, status int, message, detail string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"message": message, "detail": detail}, "status": "failure"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// sysID makes a stable 32-hex-digit id.
func sysID(kind string, n int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s-%d", kind, n)))
	return hex.EncodeToString(sum[:16])
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		writeError(w, http.StatusBadGateway, "Bad Gateway", "connection lost")
		return
	}
	if conn, _, err := hj.Hijack(); err == nil {
		conn.Close()
	}
}
