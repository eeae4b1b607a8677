package jira_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app/apptest"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/sink/jira"
	"github.com/ticketbridge/ticketbridge/internal/sink/jira/jirafake"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// bridge is the whole app with the Jira sink "jira" on a fake site.
type bridge struct {
	*apptest.Bridge
	site *jirafake.Site
}

func startBridge(t *testing.T) *bridge {
	t.Helper()
	site := jirafake.New(t, jirafake.Options{})
	o := site.Options()
	c := config.NewConnector("sinks[1]", "jira", "jira")
	for k, v := range map[string]any{
		"url": site.URL(), "email": o.Email, "api_token": o.Token, "project": o.Project,
		"webhook_secret": o.WebhookSecret, "integration_account_id": o.AccountID,
	} {
		c.Set(k, v)
	}
	return &bridge{Bridge: apptest.Start(t, c), site: site}
}

// A chat command makes an issue; the agent's public comment and status
// change come back as signed webhooks and reach the chat; internal notes
// and our own comments do not.
func TestEndToEndTwoWay(t *testing.T) {
	t.Parallel()
	b := startBridge(t)
	b.Say("c1", "/ticket the VPN drops every hour")
	got := b.Replies(1)
	issues := b.site.Issues()
	if len(issues) != 1 || !strings.Contains(issues[0].Fields["summary"].(string), "VPN") {
		t.Fatalf("issues = %+v", issues)
	}
	key := issues[0].Key
	if !strings.Contains(got[0], key) {
		t.Fatalf("created notice %q lacks %s", got[0], key)
	}
	ctx, url := t.Context(), b.Srv.URL
	b.Delivered(b.site.SendComment(ctx, url, "jira", key, "internal: check the gateway logs", jirafake.Agent.AccountID, jirafake.InternalJSMMislabelled))
	b.Delivered(b.site.SendComment(ctx, url, "jira", key, "admins: escalate", jirafake.Agent.AccountID, jirafake.RoleRestricted))
	b.Delivered(b.site.SendComment(ctx, url, "jira", key, "echo of our own comment", b.site.Options().AccountID, jirafake.Public))
	b.Delivered(b.site.SendComment(ctx, url, "jira", key, "We replaced the VPN gateway.", jirafake.Agent.AccountID, jirafake.Public))
	got = b.Replies(2)
	if !strings.Contains(got[1], "We replaced the VPN gateway.") {
		t.Fatalf("comment notice = %q", got[1])
	}
	b.Delivered(b.site.SendStatusChange(ctx, url, "jira", key, "In Progress", jirafake.Agent.AccountID))
	got = b.Replies(3)
	if !strings.Contains(strings.ToLower(got[2]), "in progress") {
		t.Fatalf("status notice = %q", got[2])
	}
	b.Quiet(3)
	for _, r := range got {
		if strings.Contains(r, "internal") || strings.Contains(r, "admins") || strings.Contains(r, "echo") {
			t.Fatalf("leaked to the chat: %q", r)
		}
	}
}

// A creation whose answer is lost is retried, finds the issue by its
// label and makes no second one.
func TestEndToEndLostCreate(t *testing.T) {
	t.Parallel()
	b := startBridge(t)
	b.site.LoseNextCreate()
	b.Say("c2", "/ticket the answer to this one gets lost")
	b.Replies(1)
	b.Quiet(1)
	issues := b.site.Issues()
	if len(issues) != 1 {
		t.Fatalf("%d issues after a lost answer", len(issues))
	}
	ext := ""
	for _, l := range issues[0].Labels {
		if strings.HasPrefix(l, "tb-ext-") {
			ext = strings.TrimPrefix(l, "tb-ext-")
		}
	}
	if ext == "" || b.site.CountExternal(ext) != 1 || b.site.RequestsTo("POST", "/rest/api/3/issue") != 1 {
		t.Fatalf("labels %v, creates %d", issues[0].Labels, b.site.RequestsTo("POST", "/rest/api/3/issue"))
	}
}

// Jira's 429 with Retry-After: 2 holds every request back for 2 seconds.
func TestEndToEndRetryAfter(t *testing.T) {
	t.Parallel()
	b := startBridge(t)
	b.site.FailNextOn("POST", "/rest/api/3/issue", 1, http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}})
	begin := time.Now()
	b.Say("c3", "/ticket slow down please")
	// Start-up validation reads createmeta in the background; only the
	// ticket calls matter here.
	ticketCalls := func() []jirafake.Request {
		var out []jirafake.Request
		for _, r := range b.site.Requests() {
			if !strings.Contains(r.Path, "/createmeta/") {
				out = append(out, r)
			}
		}
		return out
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(ticketCalls()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no request reached the site")
		}
		time.Sleep(10 * time.Millisecond)
	}
	first := ticketCalls()[0]
	if first.Path != "/rest/api/3/issue" {
		t.Fatalf("first call %s %s", first.Method, first.Path)
	}
	time.Sleep(time.Until(first.Time.Add(1500 * time.Millisecond)))
	if n := len(ticketCalls()); n != 1 {
		t.Fatalf("%d requests within Retry-After, want 1", n)
	}
	b.Replies(1)
	for _, r := range ticketCalls()[1:] {
		if gap := r.Time.Sub(first.Time); gap < 2*time.Second {
			t.Fatalf("%s %s came %v after the 429, before Retry-After's 2s", r.Method, r.Path, gap)
		}
	}
	if time.Since(begin) < 2*time.Second {
		t.Fatal("issue created before Retry-After's 2s")
	}
	if len(b.site.Issues()) != 1 {
		t.Fatalf("issues = %d", len(b.site.Issues()))
	}
}

// A person raises an issue's priority in Jira: the jira:issue_updated
// webhook's priority item (Highest, read back through priority_map as
// urgent) moves the resolution deadline from 18:00 to 12:00, where the
// breach is told once; no echo follows.
func TestEndToEndPriorityChangeInJiraMovesTheDeadline(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock(time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)) // Monday; ahead of the real clock
	site := jirafake.New(t, jirafake.Options{Now: clock.Now})
	o := site.Options()
	c := config.NewConnector("sinks[1]", "jira", "jira")
	for k, v := range map[string]any{
		"url": site.URL(), "email": o.Email, "api_token": o.Token, "project": o.Project,
		"webhook_secret": o.WebhookSecret, "integration_account_id": o.AccountID,
	} {
		c.Set(k, v)
	}
	b := apptest.StartClocked(t, c, clock, func(cfg *config.Config) {
		cfg.Routes[0].SLA = &config.SLA{
			TimeZone:   "UTC",
			Resolution: map[string]time.Duration{"normal": 8 * time.Hour, "urgent": 2 * time.Hour},
			Channel:    &config.Channel{Source: "chat", Conversation: "team"},
		}
	})
	b.Say("p1", "/ticket payroll export is missing December")
	b.Replies(1)
	key := site.Issues()[0].Key
	clock.Advance(30 * time.Minute)
	b.Delivered(site.SendPriorityChange(t.Context(), b.Srv.URL, "jira", key, "Highest", jirafake.Agent.AccountID))
	q := b.App.Store.(store.Quality)
	deadline := time.Now().Add(time.Minute) // a bound for a real failure, not a timing assumption
	for {
		links, err := b.App.Store.LinksForConversation(t.Context(), "chat/p1")
		if err != nil || len(links) != 1 {
			t.Fatalf("links: %v %v", links, err)
		}
		if cl, err := q.SLAGet(t.Context(), links[0].ID); err == nil && cl.Priority == "urgent" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the clock never took the priority set in Jira")
		}
		time.Sleep(20 * time.Millisecond)
	}
	clock.Advance(89 * time.Minute) // 11:59
	b.TimersDone(clock)
	if n := b.Count("SLA breached"); n != 0 {
		t.Fatalf("breached before the new deadline: %d", n)
	}
	clock.Advance(2 * time.Minute)
	b.ReplyWith("SLA breached: resolution of " + key + " was due at 2027-01-04 12:00 UTC")
	clock.Advance(8 * time.Hour) // past the old deadline
	b.TimersDone(clock)
	b.Quiet(len(b.Chat.Replies()))
	if n := b.Count("SLA breached"); n != 1 {
		t.Fatalf("breach told %d times, want once", n)
	}
}

// A CSAT answer on a Jira issue goes into the configured number field
// (csat_field); the comment, which has no field of its own here, goes in
// an internal comment beside it.
func TestEndToEndCSATIntoTheJiraField(t *testing.T) {
	t.Parallel()
	site := jirafake.New(t, jirafake.Options{EditableFields: []string{"customfield_10070"}})
	o := site.Options()
	c := config.NewConnector("sinks[1]", "jira", "jira")
	for k, v := range map[string]any{
		"url": site.URL(), "email": o.Email, "api_token": o.Token, "project": o.Project,
		"webhook_secret": o.WebhookSecret, "integration_account_id": o.AccountID, "csat_field": "customfield_10070",
	} {
		c.Set(k, v)
	}
	b := apptest.Start(t, c, func(cfg *config.Config) { cfg.Routes[0].CSAT = &config.CSAT{} })
	b.Say("s1", "/ticket the badge reader rejects my card")
	b.Replies(1)
	key := site.Issues()[0].Key
	b.Delivered(site.SendStatusChange(t.Context(), b.Srv.URL, "jira", key, "Done", jirafake.Agent.AccountID))
	b.ReplyWith("How satisfied are you")
	b.Say("s1", "4 fixed fast")
	b.ReplyWith("Thank you for your feedback")
	deadline := time.Now().Add(time.Minute) // a bound for a real failure, not a timing assumption
	for {
		is, _ := site.Issue(key)
		var note bool
		for _, cm := range is.Comments {
			note = note || strings.Contains(jiraText(cm.Body), "fixed fast")
		}
		if score, _ := is.Fields["customfield_10070"].(float64); score == 4 && note {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("field %v, comments %+v: want 4 in customfield_10070 and the comment noted", is.Fields["customfield_10070"], is.Comments)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// jiraText is the plain text of an ADF document.
func jiraText(doc jira.ADF) string {
	b, _ := json.Marshal(doc)
	return string(b)
}

// Jira's deliveries can come out of order: the issue waits on the
// customer from 11:30 to 12:00, but the resume's webhook arrives first.
// The clock orders the changes by their own time, so the half hour is
// given back (due 14:30, not 14:00) and the clock runs, not paused by
// the late "waiting" delivery.
func TestEndToEndPauseToldOutOfOrder(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock(time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)) // ahead of the real clock
	site := jirafake.New(t, jirafake.Options{Now: clock.Now})
	o := site.Options()
	c := config.NewConnector("sinks[1]", "jira", "jira")
	for k, v := range map[string]any{
		"url": site.URL(), "email": o.Email, "api_token": o.Token, "project": o.Project,
		"webhook_secret": o.WebhookSecret, "integration_account_id": o.AccountID,
	} {
		c.Set(k, v)
	}
	b := apptest.StartClocked(t, c, clock, func(cfg *config.Config) {
		cfg.Routes[0].SLA = &config.SLA{
			TimeZone:      "UTC",
			Resolution:    map[string]time.Duration{"default": 4 * time.Hour},
			PauseStatuses: []string{"Waiting for customer"},
			Channel:       &config.Channel{Source: "chat", Conversation: "team"},
		}
	})
	b.Say("o1", "/ticket the VPN certificate expired")
	b.Replies(1)
	key := site.Issues()[0].Key
	agent := jirafake.Agent.AccountID
	clock.Advance(90 * time.Minute) // 11:30
	from, err := site.Move(key, "Waiting for customer", agent)
	if err != nil {
		t.Fatal(err)
	}
	waiting, err := site.StatusWebhook(key, from, agent)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Minute) // 12:00
	if from, err = site.Move(key, "In Progress", agent); err != nil {
		t.Fatal(err)
	}
	resumed, err := site.StatusWebhook(key, from, agent)
	if err != nil {
		t.Fatal(err)
	}
	b.Delivered(site.SendWebhook(t.Context(), b.Srv.URL, "jira", "wh-resumed", resumed))
	b.Delivered(site.SendWebhook(t.Context(), b.Srv.URL, "jira", "wh-waiting", waiting))
	q := b.App.Store.(store.Quality)
	deadline := time.Now().Add(time.Minute) // a bound for a real failure, not a timing assumption
	for {
		links, err := b.App.Store.LinksForConversation(t.Context(), "chat/o1")
		if err != nil || len(links) != 1 {
			t.Fatalf("links: %v %v", links, err)
		}
		if cl, err := q.SLAGet(t.Context(), links[0].ID); err == nil && len(cl.Statuses) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the clock never heard of both status changes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	clock.Advance(149 * time.Minute) // 14:29
	b.TimersDone(clock)
	if n := b.Count("SLA breached"); n != 0 {
		t.Fatalf("breached before the moved deadline: %d", n)
	}
	clock.Advance(2 * time.Minute)
	b.ReplyWith("SLA breached: resolution of " + key + " was due at 2027-01-04 14:30 UTC")
}

// A Jira issue resolved and reopened: done at 11:00 and back to "To Do"
// at 13:00 (webhooks), its resolution clock runs on from the hour it had
// spent, the two resolved hours counting as paused: due 16:00, not 14:00.
func TestEndToEndReopenedIssueRunsItsResolutionClockAgain(t *testing.T) {
	t.Parallel()
	clock := apptest.NewClock(time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)) // ahead of the real clock
	site := jirafake.New(t, jirafake.Options{Now: clock.Now})
	o := site.Options()
	c := config.NewConnector("sinks[1]", "jira", "jira")
	for k, v := range map[string]any{
		"url": site.URL(), "email": o.Email, "api_token": o.Token, "project": o.Project,
		"webhook_secret": o.WebhookSecret, "integration_account_id": o.AccountID,
	} {
		c.Set(k, v)
	}
	b := apptest.StartClocked(t, c, clock, func(cfg *config.Config) {
		cfg.Routes[0].SLA = &config.SLA{
			TimeZone:   "UTC",
			Resolution: map[string]time.Duration{"default": 4 * time.Hour},
			Channel:    &config.Channel{Source: "chat", Conversation: "team"},
		}
	})
	b.Say("r1", "/ticket the badge reader rejects everyone")
	b.Replies(1)
	key := site.Issues()[0].Key
	agent := jirafake.Agent.AccountID
	q := b.App.Store.(store.Quality)
	links, err := b.App.Store.LinksForConversation(t.Context(), "chat/r1")
	if err != nil || len(links) != 1 {
		t.Fatalf("links: %v %v", links, err)
	}
	// move sends the issue to status by its webhook and waits for the
	// clock to hold n status changes.
	move := func(status, id string, n int) {
		t.Helper()
		from, err := site.Move(key, status, agent)
		if err != nil {
			t.Fatal(err)
		}
		body, err := site.StatusWebhook(key, from, agent)
		if err != nil {
			t.Fatal(err)
		}
		b.Delivered(site.SendWebhook(t.Context(), b.Srv.URL, "jira", id, body))
		deadline := time.Now().Add(15 * time.Second)
		for {
			if cl, err := q.SLAGet(t.Context(), links[0].ID); err == nil && len(cl.Statuses) == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the clock never heard of %s", status)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	clock.Advance(time.Hour) // 11:00
	move("Done", "wh-done", 1)
	clock.Advance(2 * time.Hour) // 13:00
	move("To Do", "wh-reopened", 2)
	clock.Advance(2*time.Hour + 59*time.Minute) // 15:59
	b.TimersDone(clock)
	if n := b.Count("SLA breached"); n != 0 {
		t.Fatalf("breached before the moved deadline: %d", n)
	}
	clock.Advance(2 * time.Minute)
	b.ReplyWith("SLA breached: resolution of " + key + " was due at 2027-01-04 16:00 UTC")
}
