package console_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/app/apptest"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/health"
	"github.com/ticketbridge/ticketbridge/internal/jobs"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

const (
	agentToken = "agent-token-0123456789abcdef0123456789"
	leadToken  = "lead-token-0123456789abcdef01234567890"
	adminToken = "admin-token-0123456789abcdef0123456789"
	publicURL  = "https://tickets.example.com"
)

// startBridge runs the whole app with the local desk as the route's sink,
// an agent token and a lead (operate) token.
func startBridge(t *testing.T) *apptest.Bridge {
	t.Helper()
	return apptest.Start(t, config.NewConnector("sinks[1]", "desk2", "local"), func(c *config.Config) {
		c.Sinks = c.Sinks[len(c.Sinks)-1:]
		c.Server.PublicURL = publicURL
		c.Admin.Tokens = []config.Token{
			{Name: "ann-agent", Token: agentToken, Scopes: []string{"agent"}},
			{Name: "lee-lead", Token: leadToken, Scopes: []string{"operate"}},
			{Name: "ada-admin", Token: adminToken, Scopes: []string{"admin"}},
		}
		// Reloads read this file; the tests write into it what they
		// reload.
		c.File = filepath.Join(t.TempDir(), "ticketbridge.yaml")
	})
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so each step's answer can be checked.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) get(path string) (int, string, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

func (b *browser) post(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field on the page: %.500s", page)
	}
	return m[1]
}

// signIn follows path to the sign-in page, signs in with token and
// returns where it was sent.
func (b *browser) signIn(path, token string) string {
	b.t.Helper()
	code, loc, _ := b.get(path)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/signin?next=") {
		b.t.Fatalf("GET %s signed out: %d → %q, want the sign-in page", path, code, loc)
	}
	code, _, page := b.get(loc)
	if code != http.StatusOK {
		b.t.Fatalf("sign-in page: %d", code)
	}
	next, _ := url.Parse(loc)
	code, loc, page = b.post("/console/signin", url.Values{"csrf": {csrfOf(b.t, page)}, "next": {next.Query().Get("next")}, "token": {token}})
	if code != http.StatusSeeOther {
		b.t.Fatalf("sign in: %d %.300s", code, page)
	}
	return loc
}

func TestDeskFromChatLink(t *testing.T) {
	br := startBridge(t)
	br.Say("c1", "/ticket the printer is on fire")
	notice := br.Replies(1)[0]
	link := publicURL + "/console/desk/LOCAL-1"
	if !strings.Contains(notice, link) {
		t.Fatalf("chat notice %q lacks the absolute link %s", notice, link)
	}
	path := strings.TrimPrefix(link, publicURL)

	// A customer following the link sees a sign-in page, never the ticket.
	customer := newBrowser(t, br.Srv.URL)
	code, loc, body := customer.get(path)
	if code != http.StatusSeeOther || strings.Contains(body, "printer") {
		t.Fatalf("signed-out GET: %d %q %.200s", code, loc, body)
	}
	_, _, body = customer.get(loc)
	if strings.Contains(body, "printer") || !strings.Contains(body, `name="token"`) {
		t.Fatalf("sign-in page shows ticket data or no token field: %.500s", body)
	}
	code, _, body = customer.post("/console/signin", url.Values{"csrf": {csrfOf(t, body)}, "token": {"guess-guess-guess-guess-guess-guess"}})
	if code != http.StatusUnauthorized || strings.Contains(body, "printer") {
		t.Fatalf("bad token: %d %.200s", code, body)
	}

	agent := newBrowser(t, br.Srv.URL)
	if got := agent.signIn(path, agentToken); got != path {
		t.Fatalf("after sign-in sent to %q, want %q", got, path)
	}
	code, _, page := agent.get(path)
	if code != http.StatusOK || !strings.Contains(page, "the printer is on fire") {
		t.Fatalf("ticket page: %d %.500s", code, page)
	}
	csrf := csrfOf(t, page)

	// A public reply reaches the chat; an internal note does not.
	code, _, _ = agent.post(path+"/comment", url.Values{"csrf": {csrf}, "visibility": {"public"}, "body": {"We are sending a technician."}})
	if code != http.StatusSeeOther {
		t.Fatalf("reply: %d", code)
	}
	replies := br.Replies(2)
	if !strings.Contains(replies[1], "We are sending a technician.") {
		t.Fatalf("chat got %q, want the agent's reply", replies[1])
	}
	code, _, _ = agent.post(path+"/comment", url.Values{"csrf": {csrf}, "visibility": {"internal"}, "body": {"Customer is on the VIP list."}})
	if code != http.StatusSeeOther {
		t.Fatalf("note: %d", code)
	}
	br.Quiet(2)
	_, _, page = agent.get(path)
	for _, want := range []string{"We are sending a technician.", "Customer is on the VIP list."} {
		if !strings.Contains(page, want) {
			t.Errorf("ticket page lacks %q", want)
		}
	}

	// The customer's satisfaction answer, once in the desk's field, shows
	// beside the ticket's fields.
	if strings.Contains(page, `id="csat"`) {
		t.Fatal("ticket page shows a satisfaction answer nobody gave")
	}
	if err := br.App.Store.(store.Quality).DeskSetSatisfaction(t.Context(), "LOCAL-1", 4, "quick & kind"); err != nil {
		t.Fatal(err)
	}
	_, _, page = agent.get(path)
	if !strings.Contains(page, `<dd id="csat">4/5 · quick &amp; kind</dd>`) {
		t.Fatalf("ticket page lacks the satisfaction answer: %.2000s", page)
	}

	// The page's poll sees the customer write again.
	_, _, v1 := agent.get(path + "/version")
	br.Say("c1", "it is getting worse")
	waitFor(t, "the version to change", func() bool { _, _, v := agent.get(path + "/version"); return v != v1 })
	_, _, page = agent.get(path)
	if !strings.Contains(page, "it is getting worse") {
		t.Error("ticket page lacks the customer's new message")
	}

	// A form posted from elsewhere (no or a wrong CSRF token) changes nothing.
	for _, bad := range []string{"", "0000"} {
		code, _, _ = agent.post(path+"/status", url.Values{"csrf": {bad}, "status": {"solved"}})
		if code != http.StatusForbidden {
			t.Fatalf("CSRF %q: %d, want 403", bad, code)
		}
	}
	code, _, _ = agent.post(path+"/status", url.Values{"csrf": {csrf}, "status": {"solved"}})
	if code != http.StatusSeeOther {
		t.Fatalf("status: %d", code)
	}
	code, _, _ = agent.post(path+"/fields", url.Values{"csrf": {csrf}, "priority": {"urgent"}, "assignee": {"ann"}})
	if code != http.StatusSeeOther {
		t.Fatalf("fields: %d", code)
	}
	_, _, page = agent.get("/console/desk?assignee=ann&priority=urgent&status=solved")
	if !strings.Contains(page, `href="/console/desk/LOCAL-1"`) {
		t.Fatalf("filtered list lacks LOCAL-1: %.800s", page)
	}

	// The agent sees no operations.
	if code, _, _ = agent.get("/console/ops/dead-letters"); code != http.StatusForbidden {
		t.Fatalf("agent on dead letters: %d, want 403", code)
	}

	// Every change is audited with who made it.
	entries, err := br.App.Store.AuditList(t.Context(), store.AuditFilter{Actor: "ann-agent"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"console.signin", "console.desk.reply", "console.desk.note", "console.desk.status", "console.desk.fields"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit lacks %s: %v", want, actions)
		}
	}

	// Signing out ends the session for good.
	code, _, _ = agent.post("/console/signout", url.Values{"csrf": {csrf}})
	if code != http.StatusSeeOther {
		t.Fatalf("sign out: %d", code)
	}
	if code, _, _ = agent.get(path); code != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d, want a redirect to sign in", code)
	}
}

func TestOperations(t *testing.T) {
	br := startBridge(t)
	lead := newBrowser(t, br.Srv.URL)
	lead.signIn("/console/ops/dead-letters", leadToken)

	// Two dead letters: jobs cancelled before they ran.
	ids := deadLetters(t, br, 2)
	_, _, page := lead.get("/console/ops/dead-letters")
	csrf := csrfOf(t, page)
	code, loc, _ := lead.post("/console/ops/dead-letters/replay", url.Values{"csrf": {csrf}, "id": {ids[0]}})
	if code != http.StatusSeeOther {
		t.Fatalf("replay: %d", code)
	}
	_, _, page = lead.get(loc)
	if !strings.Contains(page, "replayed 1 of 1") {
		t.Fatalf("replay result missing: %.800s", page)
	}
	code, _, _ = lead.post("/console/ops/dead-letters/discard", url.Values{"csrf": {csrf}, "id": {ids[1]}})
	if code != http.StatusBadRequest {
		t.Fatalf("discard without a reason: %d, want 400", code)
	}
	code, loc, _ = lead.post("/console/ops/dead-letters/discard", url.Values{"csrf": {csrf}, "id": {ids[1]}, "reason": {"test data"}})
	if code != http.StatusSeeOther {
		t.Fatalf("discard: %d", code)
	}
	_, _, page = lead.get(loc)
	if !strings.Contains(page, "discarded 1 of 1") {
		t.Fatalf("discard result missing: %.800s", page)
	}
	left, err := jobs.DeadLetters(t.Context(), br.App.Queue, 10)
	if err != nil || len(left) != 0 {
		t.Fatalf("dead letters left: %d (%v)", len(left), err)
	}

	// The rule bench runs the same code as `rules eval`.
	code, _, page = lead.post("/console/ops/rules", url.Values{"csrf": {csrf}, "input": {"/ticket my invoice is wrong\nhello there"}})
	if code != http.StatusOK || !strings.Contains(page, `<td class="decision">create`) || !strings.Contains(page, `<td class="decision">append`) {
		t.Fatalf("rule bench: %d %s", code, page[strings.Index(page, "<main>"):])
	}

	// Health charts from the per-minute rollup.
	hs, ok := br.App.Store.(store.Health)
	if !ok {
		t.Fatalf("%T keeps no health figures", br.App.Store)
	}
	if err := hs.HealthAdd(t.Context(), time.Now(), []store.HealthRow{{Series: health.SeriesCreate, Sum: 9, Count: 10}}); err != nil {
		t.Fatal(err)
	}
	code, _, page = lead.get("/console/ops/health")
	if code != http.StatusOK || !strings.Contains(page, `<polyline points="`) || !strings.Contains(page, `<span class="last">90%</span>`) {
		t.Fatalf("health page: %d %s", code, page[strings.Index(page, "<main>"):])
	}

	// Conversations by ticket key.
	br.Say("c7", "/ticket cannot log in")
	br.Replies(1)
	_, _, page = lead.get("/console/ops/conversations?q=LOCAL-1")
	if !strings.Contains(page, "cannot log in") || !strings.Contains(page, "chat/c7") {
		t.Fatalf("conversation search: %.1500s", page)
	}

	// The bench's ticket preview is the ticket the server opened for the
	// same message: the same mapping code.
	made, err := br.App.Store.DeskGet(t.Context(), "LOCAL-1")
	if err != nil {
		t.Fatal(err)
	}
	line := `{"text":"/ticket cannot log in","conversation":"c7","sender":"cust-c7","name":"Customer c7","source":"chat"}`
	code, _, page = lead.post("/console/ops/rules", url.Values{"csrf": {csrf}, "input": {line}})
	title := previewField.FindStringSubmatch(page)
	if code != http.StatusOK || title == nil {
		t.Fatalf("bench preview: %d %s", code, page[strings.Index(page, "<main>"):])
	}
	if got := html.UnescapeString(title[1]); got != made.Title {
		t.Fatalf("preview title %q, server's ticket %q", got, made.Title)
	}
	desc := previewDesc.FindStringSubmatch(page)
	// The transcript's times are the message's on the server and the
	// bench's clock in the preview.
	if desc == nil || clock.ReplaceAllString(html.UnescapeString(desc[1]), "") != clock.ReplaceAllString(made.Description, "") {
		t.Fatalf("preview description %q, server's ticket %q", desc, made.Description)
	}
}

var (
	previewField = regexp.MustCompile(`<dd class="preview-title">([^<]*)</dd>`)
	previewDesc  = regexp.MustCompile(`(?s)<pre class="preview-description">(.*?)</pre>`)
	clock        = regexp.MustCompile(`\[\d\d:\d\d\]`)
)

// deadLetters makes n dead letters: no-op jobs scheduled later and
// cancelled, as a permanent failure leaves them.
func deadLetters(t *testing.T, br *apptest.Bridge, n int) []string {
	t.Helper()
	var out []string
	for range n {
		res, err := br.App.Queue.Insert(t.Context(), jobs.ProcessArgs{}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		cq, ok := br.App.Queue.(interface {
			JobCancel(ctx context.Context, id int64) (*rivertype.JobRow, error)
		})
		if !ok {
			t.Fatalf("%T cannot cancel jobs", br.App.Queue)
		}
		if _, err := cq.JobCancel(t.Context(), res.Job.ID); err != nil {
			t.Fatal(err)
		}
		out = append(out, strconv.FormatInt(res.Job.ID, 10))
	}
	return out
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute) // a bound for a real failure, not a timing assumption
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
