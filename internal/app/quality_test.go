package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/jobs"
	"github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// replyWith waits for a reply containing want and returns it.
func (h *harness) replyWith(want string) generictest.Reply {
	h.t.Helper()
	var found generictest.Reply
	h.eventually("a reply containing "+want, func() bool {
		for _, r := range h.chat.Replies() {
			if strings.Contains(r.Text, want) {
				found = r
				return true
			}
		}
		return false
	})
	return found
}

func (h *harness) countReplies(with string) int {
	n := 0
	for _, r := range h.chat.Replies() {
		if strings.Contains(r.Text, with) {
			n++
		}
	}
	return n
}

func (h *harness) botSays(conv, text string) {
	h.t.Helper()
	ev := generictest.Message(conv, "assistant", text)
	ev.Sender.Role = string(core.RoleBot)
	ev.Sender.Name = "Assistant"
	h.send(conv, ev)
}

func (h *harness) deskComments(key string) []store.DeskComment {
	h.t.Helper()
	cs, err := h.app.Store.DeskComments(h.t.Context(), key)
	if err != nil {
		h.t.Fatal(err)
	}
	return cs
}

// A bot handled the conversation; the customer asks for a person (转人工):
// one ticket carrying the bot's part, everything after it appended to
// the same ticket, asking again changes nothing, and the customer is told
// who picked it up. The platform's own handover event does the same.
func TestHandoverFromBotToHumanOnOneTicket(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st store.Store) {
		h := start(t, st, withRoute(func(r *config.Route) { r.Handover = &config.Handover{} }))
		h.say("h1", "hi there")
		h.botSays("h1", "Hello! I'm the assistant. You can ask me about delivery times.")
		h.say("h1", "my parcel 7731 has not moved for a week")
		h.botSays("h1", "Parcels usually arrive within 5 working days.")
		h.say("h1", "转人工")
		opened := h.replyWith("I've opened ticket")
		ts := h.tickets()
		if len(ts) != 1 {
			t.Fatalf("desk has %d tickets, want 1", len(ts))
		}
		tk := ts[0]
		if !strings.Contains(opened.Text, tk.Key) {
			t.Fatalf("created notice %q does not name %s", opened.Text, tk.Key)
		}
		for _, want := range []string{"I'm the assistant", "parcel 7731", "within 5 working days", "转人工"} {
			if !strings.Contains(tk.Description, want) {
				t.Errorf("description lacks the conversation's %q:\n%s", want, tk.Description)
			}
		}

		h.say("h1", "人工客服！！")
		h.say("h1", "the tracking number is RR123")
		h.eventually("the follow-ups on the ticket", func() bool {
			// One comment or two, depending on how the appends fall.
			var all strings.Builder
			for _, c := range h.deskComments(tk.Key) {
				all.WriteString(c.Body + "\n")
			}
			return strings.Contains(all.String(), "RR123") && strings.Contains(all.String(), "人工客服")
		})
		if n := len(h.tickets()); n != 1 {
			t.Fatalf("asking again made %d tickets, want 1", n)
		}

		code, _ := h.api("POST", "/api/v1/desk/tickets/"+tk.Key+"/assignee", adminToken, map[string]string{"assignee": "Ana"})
		if code != 200 {
			t.Fatalf("assign: %d", code)
		}
		picked := h.replyWith("Ana has picked up your request")
		if picked.Conversation.ID != "h1" || !strings.Contains(picked.Text, tk.Key) {
			t.Fatalf("assignment notice %+v", picked)
		}
		code, body := h.api("POST", "/api/v1/desk/tickets/"+tk.Key+"/assignee", adminToken, map[string]string{"assignee": "  "})
		if code != 400 {
			t.Fatalf("empty assignee: %d %v, want 400", code, body)
		}

		// The platform's own signal (a WeCom 微信客服 service_state
		// change, emitted as a handover event) opens the ticket too.
		h.say("h2", "hello")
		h.botSays("h2", "How can I help?")
		ev := generictest.Message("h2", "kf-system", "")
		ev.Type = string(core.KindHandover)
		h.send("h2", ev)
		h.replyWith("I've opened ticket LOCAL-2")
		h.quiet(len(h.chat.Replies()))
		if n := len(h.tickets()); n != 2 {
			t.Fatalf("desk has %d tickets, want 2", n)
		}
	})
}

// A solved ticket's conversation is asked once how it went; a typed "4"
// with a comment is written on the ticket as an internal note and
// counted; a second answer, a second solve, and new tickets of the same
// person (in the same or another conversation) inside the quiet period
// ask nothing more; another person is asked.
func TestCSATAskedOnceAndAnswerWrittenBack(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st store.Store) {
		h := start(t, st, withRoute(func(r *config.Route) { r.CSAT = &config.CSAT{} }))
		h.say("s1", "/ticket the invoice PDF is empty")
		h.replyWith("I've opened ticket")
		tk := h.tickets()[0]
		if _, err := h.app.Desk.SetStatus(t.Context(), tk.Key, "solved"); err != nil {
			t.Fatal(err)
		}
		ask := h.replyWith("How satisfied are you")
		if ask.Rating == nil || ask.Rating.Scale != 5 || !strings.Contains(ask.Text, "Reply with a number from 1") {
			t.Fatalf("survey = %+v, want a 1-5 rating with typed instructions", ask.Reply)
		}
		h.say("s1", "4 quick fix, thanks")
		h.replyWith("Thank you for your feedback")
		// The desk has a satisfaction field of its own: the answer goes
		// there, not into a note.
		h.eventually("the answer in the ticket's satisfaction field", func() bool {
			sc, cm, err := st.(store.Quality).DeskSatisfaction(t.Context(), tk.Key)
			return err == nil && sc == 4 && cm == "quick fix, thanks"
		})
		if code, body := h.api("GET", "/api/v1/desk/tickets/"+tk.Key, adminToken, nil); code != 200 ||
			fmt.Sprint(body["satisfaction"]) != "map[comment:quick fix, thanks score:4]" {
			t.Fatalf("desk show: %d %v, want the satisfaction field", code, body["satisfaction"])
		}
		h.say("s1", "5")
		// Reopened and solved again: the ticket was asked already.
		for i, s := range []string{"open", "solved"} {
			if _, err := h.app.Desk.SetStatus(t.Context(), tk.Key, s); err != nil {
				t.Fatal(err)
			}
			h.eventually("the status notice", func() bool { return h.countReplies(tk.Key+" is now") == 2+i })
		}
		// A new ticket in the same conversation, solved within the
		// quiet period: not asked either.
		h.say("s1", "/ticket another thing")
		h.eventually("the second ticket", func() bool { return len(h.tickets()) == 2 })
		h.eventually("the second ticket's number", func() bool { return h.countReplies("I've opened ticket") == 2 })
		second := h.tickets()[1]
		if _, err := h.app.Desk.SetStatus(t.Context(), second.Key, "solved"); err != nil {
			t.Fatal(err)
		}
		h.eventually("the second solve's notice", func() bool { return h.countReplies(second.Key+" is now") == 1 })
		// The same person in another conversation: spared too.
		h.send("s9", generictest.Message("s9", "cust-s1", "/ticket one more thing"))
		h.eventually("the third ticket's number", func() bool { return h.countReplies("I've opened ticket") == 3 })
		third := h.tickets()[2]
		if _, err := h.app.Desk.SetStatus(t.Context(), third.Key, "solved"); err != nil {
			t.Fatal(err)
		}
		h.eventually("the third solve's notice", func() bool { return h.countReplies(third.Key+" is now") == 1 })
		// Someone else is asked.
		h.say("s3", "/ticket my own problem")
		h.eventually("the fourth ticket's number", func() bool { return h.countReplies("I've opened ticket") == 4 })
		fourth := h.tickets()[3]
		if _, err := h.app.Desk.SetStatus(t.Context(), fourth.Key, "solved"); err != nil {
			t.Fatal(err)
		}
		if r := h.replyWith("How satisfied are you with how we handled " + fourth.Key); r.Conversation.ID != "s3" {
			t.Fatalf("survey for %s went to %+v", fourth.Key, r.Conversation)
		}
		h.quiet(len(h.chat.Replies()))
		if n := h.countReplies("How satisfied are you"); n != 2 {
			t.Fatalf("asked %d times, want twice (s1 once, s3 once)", n)
		}
		if n := h.countReplies("Thank you for your feedback"); n != 1 {
			t.Fatalf("thanked %d times, want once", n)
		}
		for _, c := range h.deskComments(tk.Key) {
			if strings.Contains(c.Body, "Customer satisfaction") {
				t.Errorf("the answer was noted as well as written in the field: %q", c.Body)
			}
		}
		if v := h.metric(`ticketbridge_csat_responses_total{score="4"}`); v != 1 {
			t.Errorf(`csat_responses_total{score="4"} = %v, want 1`, v)
		}
		if v := h.metric(`ticketbridge_csat_responses_total{score="5"}`); v != -1 {
			t.Errorf(`csat_responses_total{score="5"} = %v, want none`, v)
		}
	})
}

// clock is the injected time of the app and of its job queue.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) NowOrNil() *time.Time {
	t := c.Now()
	return &t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func withClock(c *clock) option {
	return func(_ *config.Config, opts *app.Options) {
		opts.Now = c.Now
		opts.JobTime = c
	}
}

// An SLA timer is a job scheduled at the deadline: it survives a
// restart, and once the (injected) clock passes the deadline on the new
// process the breach is noted on the ticket, told to the team channel
// and the escalation channel, the priority goes up through the sink, and
// the breach is counted once.
func TestSLABreachFiresAfterRestart(t *testing.T) {
	reopen := teststore.SQLiteReopener(t)
	// Friday 16:00 in Berlin; business hours 09:00-17:00 on weekdays. The
	// clock starts ahead of the real one: the processing-lag sampler reads
	// the database's own clock, and a queue clock behind it would look
	// like hours of lag (429s).
	c := &clock{t: time.Date(2027, 1, 8, 15, 0, 0, 0, time.UTC)}
	slaRoute := withRoute(func(r *config.Route) {
		r.SLA = &config.SLA{
			TimeZone:      "Europe/Berlin",
			BusinessHours: &config.BusinessHours{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "17:00"},
			FirstResponse: map[string]time.Duration{"default": 2 * time.Hour},
			RemindBefore:  30 * time.Minute,
			Channel:       &config.Channel{Source: "chat", Conversation: "team-support"},
			Escalate: &config.Escalate{Priority: "urgent", Queue: "tier-2",
				Channel: &config.Channel{Source: "chat", Conversation: "team-leads"}},
		}
	})
	first := start(t, reopen(nil), slaRoute, withClock(c))
	first.chat.SetClock(c.Now)
	resp, err := generictest.SendWithID(t.Context(), first.srv.URL, "chat", first.key, "p1-1", c.Now(),
		generictest.Message("p1", "cust-p1", "/ticket the export job fails every night"))
	first.delivered(resp, err)
	first.replyWith("I've opened ticket")
	tk := first.tickets()[0]
	q := first.app.Store.(store.Quality)
	first.eventually("the SLA clock", func() bool {
		_, err := q.SLAGet(t.Context(), linkOf(t, first, "p1"))
		return err == nil
	})
	if err := first.app.Close(t.Context()); err != nil {
		t.Fatal(err)
	}

	// Two business hours from Friday 16:00 is Monday 10:00 (09:00 UTC).
	c.Advance(65*time.Hour + 30*time.Minute) // Monday 09:30 Berlin: the reminder is due, not the breach
	second := start(t, reopen(nil), slaRoute, withClock(c))
	second.chat.SetClock(c.Now)
	remind := second.replyWith("SLA reminder: first response of " + tk.Key)
	if remind.Conversation.ID != "team-support" || !strings.Contains(remind.Text, "2027-01-11 10:00 CET") {
		t.Fatalf("reminder %+v", remind)
	}
	if n := second.countReplies("SLA breached"); n != 0 {
		t.Fatalf("breached before the deadline: %d %q", n, texts(second.chat.Replies()))
	}
	c.Advance(31 * time.Minute)
	// The breach goes to the team channel and, escalated, to the leads'
	// channel: in either order.
	second.eventually("the breach in the team channel", func() bool {
		for _, r := range second.chat.Replies() {
			if r.Conversation.ID == "team-support" && strings.Contains(r.Text, "SLA breached: first response of "+tk.Key) {
				return true
			}
		}
		return false
	})
	second.eventually("the escalation", func() bool {
		var toLeads bool
		for _, r := range second.chat.Replies() {
			toLeads = toLeads || (r.Conversation.ID == "team-leads" && strings.Contains(r.Text, "SLA breached: first response of "+tk.Key))
		}
		got, err := second.app.Store.DeskGet(t.Context(), tk.Key)
		return toLeads && err == nil && got.Priority == "urgent"
	})
	// The desk has no queues: the escalation asks for the move on the
	// ticket instead.
	second.eventually("the notes on the ticket", func() bool {
		var remind, breach, queue bool
		for _, n := range second.deskComments(tk.Key) {
			remind = remind || (!n.Public && strings.HasPrefix(n.Body, "SLA reminder: first response"))
			breach = breach || (!n.Public && strings.HasPrefix(n.Body, "SLA breached: first response"))
			queue = queue || (!n.Public && n.Body == "SLA escalation: please move this ticket to queue tier-2.")
		}
		return remind && breach && queue
	})
	if v := second.metric(`ticketbridge_sla_breaches_total{kind="first_response",route="support"}`); v != 1 {
		t.Errorf("sla_breaches_total = %v, want 1", v)
	}
	// Later timers (the overdue reminder is off) and the escalation's
	// new clock fire nothing twice.
	c.Advance(time.Hour)
	second.timersDone(c)
	second.quiet(len(second.chat.Replies()))
	if n := second.countReplies("SLA breached: first response"); n != 2 {
		t.Fatalf("breach told %d times, want twice (team and leads)", n)
	}
}

func (h *harness) delivered(resp *http.Response, err error) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("delivery: %s", resp.Status)
	}
}

// timersDone waits until no SLA timer due by the clock is left to run.
func (h *harness) timersDone(c *clock) {
	h.t.Helper()
	h.eventually("the due SLA timers", func() bool {
		res, err := h.app.Queue.JobList(h.t.Context(), river.NewJobListParams().Kinds(jobs.KindSLATimer).
			States(rivertype.JobStateScheduled, rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable).First(1000))
		if err != nil {
			h.t.Fatal(err)
		}
		for _, j := range res.Jobs {
			if !j.ScheduledAt.After(c.Now()) {
				return false
			}
		}
		return true
	})
}

// linkOf is the id of the conversation's link on the default route.
func linkOf(t *testing.T, h *harness, conv string) string {
	t.Helper()
	links, err := h.app.Store.LinksForConversation(t.Context(), "chat/"+conv)
	if err != nil || len(links) == 0 {
		t.Fatalf("links of %s: %v %v", conv, links, err)
	}
	return links[0].ID
}

// Timers move with the ticket: an agent's public reply before the
// deadline meets the first response (its timer wakes and does nothing);
// on the next ticket the first-response breach escalates the priority,
// which pulls the resolution deadline in from 8 to 2 hours; solving the
// ticket stops what is left.
func TestSLATimersMoveWithTheTicket(t *testing.T) {
	c := &clock{t: time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)} // ahead of the real clock, see above
	h := start(t, teststore.SQLite(t), withClock(c), withRoute(func(r *config.Route) {
		r.SLA = &config.SLA{
			TimeZone:      "UTC",
			FirstResponse: map[string]time.Duration{"default": time.Hour},
			Resolution:    map[string]time.Duration{"normal": 8 * time.Hour, "urgent": 2 * time.Hour},
			Channel:       &config.Channel{Source: "chat", Conversation: "team"},
			Escalate:      &config.Escalate{Priority: "urgent"},
		}
	}))
	h.chat.SetClock(c.Now)
	say := func(conv, id, text string) {
		resp, err := generictest.SendWithID(t.Context(), h.srv.URL, "chat", h.key, id, c.Now(), generictest.Message(conv, "cust-"+conv, text))
		h.delivered(resp, err)
	}
	say("m1", "m1-1", "/ticket the dashboard is blank")
	h.replyWith("I've opened ticket LOCAL-1")
	q := h.app.Store.(store.Quality)
	l1 := linkOf(t, h, "m1")
	// The clock commits with the ticket's record, which queued the
	// notice: it is there now, before any ticket change can be told.
	if _, err := q.SLAGet(t.Context(), l1); err != nil {
		t.Fatalf("LOCAL-1 is told but its clock is not there: %v", err)
	}
	c.Advance(30 * time.Minute)
	if _, err := h.app.Desk.AgentComment(t.Context(), "LOCAL-1", "Dana", "Looking into it now.", true); err != nil {
		t.Fatal(err)
	}
	h.eventually("the first response on the clock", func() bool {
		cl, err := q.SLAGet(t.Context(), l1)
		return err == nil && !cl.FirstResponseAt.IsZero()
	})
	say("m2", "m2-1", "/ticket exports time out")
	h.replyWith("I've opened ticket LOCAL-2")
	if _, err := q.SLAGet(t.Context(), linkOf(t, h, "m2")); err != nil {
		t.Fatalf("LOCAL-2 is told but its clock is not there: %v", err)
	}

	// 10:30 + 1h: LOCAL-1 answered in time, LOCAL-2 breached.
	c.Advance(61 * time.Minute)
	h.replyWith("SLA breached: first response of LOCAL-2")
	h.eventually("LOCAL-2 escalated", func() bool {
		tk, err := h.app.Store.DeskGet(t.Context(), "LOCAL-2")
		return err == nil && tk.Priority == "urgent"
	})
	// Urgent resolution is 2 h from 10:30: due 12:30, not 18:30.
	c.Advance(time.Hour)
	h.replyWith("SLA breached: resolution of LOCAL-2 was due at 2027-01-04 12:30 UTC")
	if _, err := h.app.Desk.SetStatus(t.Context(), "LOCAL-1", "solved"); err != nil {
		t.Fatal(err)
	}
	h.eventually("LOCAL-1 resolved on its clock", func() bool {
		cl, err := q.SLAGet(t.Context(), l1)
		return err == nil && !cl.ResolvedAt.IsZero()
	})
	c.Advance(8 * time.Hour) // past LOCAL-1's normal resolution deadline
	h.timersDone(c)
	h.quiet(len(h.chat.Replies()))
	if n := h.countReplies("of LOCAL-1"); n != 0 {
		t.Fatalf("LOCAL-1 met both deadlines but %d SLA messages were sent: %q", n, texts(h.chat.Replies()))
	}
	if n := h.countReplies("SLA breached: resolution of LOCAL-2"); n != 1 {
		t.Fatalf("LOCAL-2's resolution breach told %d times, want once", n)
	}
	if v := h.metric(`ticketbridge_sla_breaches_total{kind="resolution",route="support"}`); v != 1 {
		t.Errorf("resolution breaches = %v, want 1", v)
	}
}

// The resolution clock stands still while the ticket waits on the
// customer, across a restart: a ticket due Monday 14:00 goes pending at
// 11:00; the process stops; its breach timer wakes on the new process at
// 16:00 and finds the clock paused; the agent reopens at 16:00 and the
// three business hours left run 16:00-17:00 and Tuesday 09:00-11:00.
func TestSLAPausesWhileWaitingOnTheCustomerAcrossARestart(t *testing.T) {
	for name, reopener := range map[string]func(testing.TB) teststore.Reopener{
		"sqlite": teststore.SQLiteReopener, "postgres": teststore.PostgresReopener,
	} {
		t.Run(name, func(t *testing.T) { slaPauseAcrossARestart(t, reopener(t)) })
	}
}

func slaPauseAcrossARestart(t *testing.T, reopen teststore.Reopener) {
	c := &clock{t: time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)} // Monday; ahead of the real clock, see above
	slaRoute := withRoute(func(r *config.Route) {
		r.SLA = &config.SLA{
			TimeZone:      "UTC",
			BusinessHours: &config.BusinessHours{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "17:00"},
			Resolution:    map[string]time.Duration{"default": 4 * time.Hour},
			PauseStatuses: []string{"pending"},
			Channel:       &config.Channel{Source: "chat", Conversation: "team"},
		}
	})
	first := start(t, reopen(nil), slaRoute, withClock(c))
	first.chat.SetClock(c.Now)
	resp, err := generictest.SendWithID(t.Context(), first.srv.URL, "chat", first.key, "w1-1", c.Now(),
		generictest.Message("w1", "cust-w1", "/ticket the invoice total is wrong"))
	first.delivered(resp, err)
	first.replyWith("I've opened ticket LOCAL-1")
	q := first.app.Store.(store.Quality)
	l1 := linkOf(t, first, "w1")
	first.eventually("the SLA clock", func() bool { _, err := q.SLAGet(t.Context(), l1); return err == nil })
	c.Advance(time.Hour)
	if _, err := first.app.Desk.SetStatus(t.Context(), "LOCAL-1", "pending"); err != nil {
		t.Fatal(err)
	}
	first.eventually("the pause on the clock", func() bool {
		cl, err := q.SLAGet(t.Context(), l1)
		return err == nil && len(cl.Statuses) == 1 && cl.Statuses[0].Paused
	})
	if err := first.app.Close(t.Context()); err != nil {
		t.Fatal(err)
	}

	c.Advance(5 * time.Hour) // Monday 16:00: two hours past the unpaused deadline
	second := start(t, reopen(nil), slaRoute, withClock(c))
	second.chat.SetClock(c.Now)
	second.timersDone(c)
	second.quiet(len(second.chat.Replies()))
	if n := second.countReplies("SLA breached"); n != 0 {
		t.Fatalf("breached while waiting on the customer: %q", texts(second.chat.Replies()))
	}
	if _, err := second.app.Desk.SetStatus(t.Context(), "LOCAL-1", "open"); err != nil {
		t.Fatal(err)
	}
	q = second.app.Store.(store.Quality)
	second.eventually("the resume on the clock", func() bool {
		cl, err := q.SLAGet(t.Context(), l1)
		return err == nil && len(cl.Statuses) == 2 && !cl.Statuses[1].Paused
	})
	c.Advance(18*time.Hour + 59*time.Minute) // Tuesday 10:59
	second.timersDone(c)
	second.quiet(len(second.chat.Replies()))
	if n := second.countReplies("SLA breached"); n != 0 {
		t.Fatalf("breached before the moved deadline: %q", texts(second.chat.Replies()))
	}
	c.Advance(2 * time.Minute)
	breach := second.replyWith("SLA breached: resolution of LOCAL-1 was due at 2027-01-05 11:00 UTC")
	if breach.Conversation.ID != "team" {
		t.Fatalf("breach went to %+v", breach.Conversation)
	}
	second.timersDone(c)
	second.quiet(len(second.chat.Replies()))
	if n := second.countReplies("SLA breached"); n != 1 {
		t.Fatalf("breach told %d times, want once: %q", n, texts(second.chat.Replies()))
	}
}

// An agent changes a desk ticket's priority (POST …/priority; `ticketbridge
// desk priority` does the same): the deadlines follow, from 18:00 to
// 12:00; setting the same priority again changes nothing.
func TestSLAFollowsADeskPriorityChange(t *testing.T) {
	c := &clock{t: time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)} // ahead of the real clock, see above
	h := start(t, teststore.SQLite(t), withClock(c), withRoute(func(r *config.Route) {
		r.SLA = &config.SLA{
			TimeZone:   "UTC",
			Resolution: map[string]time.Duration{"normal": 8 * time.Hour, "urgent": 2 * time.Hour},
			Channel:    &config.Channel{Source: "chat", Conversation: "team"},
		}
	}))
	h.chat.SetClock(c.Now)
	resp, err := generictest.SendWithID(t.Context(), h.srv.URL, "chat", h.key, "d1-1", c.Now(), generictest.Message("d1", "cust-d1", "/ticket the printer is on fire"))
	h.delivered(resp, err)
	h.replyWith("I've opened ticket LOCAL-1")
	q := h.app.Store.(store.Quality)
	l1 := linkOf(t, h, "d1")
	h.eventually("the SLA clock", func() bool { _, err := q.SLAGet(t.Context(), l1); return err == nil })
	c.Advance(30 * time.Minute)
	for range 2 {
		if code, body := h.api("POST", "/api/v1/desk/tickets/LOCAL-1/priority", adminToken, map[string]string{"priority": "urgent"}); code != 200 {
			t.Fatalf("priority: %d %v", code, body)
		}
	}
	if code, _ := h.api("POST", "/api/v1/desk/tickets/LOCAL-1/priority", adminToken, map[string]string{"priority": " "}); code != 400 {
		t.Fatalf("empty priority: %d, want 400", code)
	}
	h.eventually("the new priority on the clock", func() bool {
		cl, err := q.SLAGet(t.Context(), l1)
		return err == nil && cl.Priority == "urgent" && !cl.PriorityAt.IsZero()
	})
	c.Advance(89 * time.Minute) // 11:59
	h.timersDone(c)
	h.quiet(len(h.chat.Replies()))
	if n := h.countReplies("SLA breached"); n != 0 {
		t.Fatalf("breached before the new deadline: %q", texts(h.chat.Replies()))
	}
	c.Advance(2 * time.Minute)
	h.replyWith("SLA breached: resolution of LOCAL-1 was due at 2027-01-04 12:00 UTC")
	c.Advance(8 * time.Hour)
	h.timersDone(c)
	h.quiet(len(h.chat.Replies()))
	if n := h.countReplies("SLA breached"); n != 1 {
		t.Fatalf("breach told %d times, want once", n)
	}
}

// A reopened ticket's resolution clock runs again, across a restart: a
// ticket due Monday 14:00 (first response 12:00) is solved at 11:00
// through the desk's status API; the process stops; its timers wake on
// the new process on Tuesday and find both deadlines met. The agent
// reopens it at Tuesday 10:00: the three business hours left run to
// 13:00 (the time it stood solved counts as paused), where the
// resolution breach fires; the first response stays met. Solved and
// reopened again, the breach is not told twice.
func TestSLAReopenedTicketRunsItsResolutionClockAgain(t *testing.T) {
	for name, reopener := range map[string]func(testing.TB) teststore.Reopener{
		"sqlite": teststore.SQLiteReopener, "postgres": teststore.PostgresReopener,
	} {
		t.Run(name, func(t *testing.T) { slaReopenAcrossARestart(t, reopener(t)) })
	}
}

func slaReopenAcrossARestart(t *testing.T, reopen teststore.Reopener) {
	c := &clock{t: time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)} // Monday; ahead of the real clock, see above
	slaRoute := withRoute(func(r *config.Route) {
		r.SLA = &config.SLA{
			TimeZone:      "UTC",
			BusinessHours: &config.BusinessHours{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "17:00"},
			FirstResponse: map[string]time.Duration{"default": 2 * time.Hour},
			Resolution:    map[string]time.Duration{"default": 4 * time.Hour},
			Channel:       &config.Channel{Source: "chat", Conversation: "team"},
		}
	})
	setStatus := func(h *harness, status string) {
		t.Helper()
		if code, body := h.api("POST", "/api/v1/desk/tickets/LOCAL-1/status", adminToken, map[string]string{"status": status}); code != 200 {
			t.Fatalf("desk status %s: %d %v", status, code, body)
		}
	}
	resolved := func(h *harness, l1 string, want bool, n int) {
		t.Helper()
		q := h.app.Store.(store.Quality)
		h.eventually(fmt.Sprintf("%d status changes on the clock, resolved %v", n, want), func() bool {
			cl, err := q.SLAGet(t.Context(), l1)
			return err == nil && len(cl.Statuses) == n && cl.Statuses[n-1].Resolved == want
		})
	}
	first := start(t, reopen(nil), slaRoute, withClock(c))
	first.chat.SetClock(c.Now)
	resp, err := generictest.SendWithID(t.Context(), first.srv.URL, "chat", first.key, "o1-1", c.Now(),
		generictest.Message("o1", "cust-o1", "/ticket the export button is gone"))
	first.delivered(resp, err)
	first.replyWith("I've opened ticket LOCAL-1")
	l1 := linkOf(t, first, "o1")
	first.eventually("the SLA clock", func() bool { _, err := first.app.Store.(store.Quality).SLAGet(t.Context(), l1); return err == nil })
	c.Advance(time.Hour)
	setStatus(first, "solved")
	resolved(first, l1, true, 1)
	if err := first.app.Close(t.Context()); err != nil {
		t.Fatal(err)
	}

	c.Advance(23 * time.Hour) // Tuesday 10:00: past both first deadlines
	second := start(t, reopen(nil), slaRoute, withClock(c))
	second.chat.SetClock(c.Now)
	second.timersDone(c)
	second.quiet(len(second.chat.Replies()))
	if n := second.countReplies("SLA "); n != 0 {
		t.Fatalf("SLA messages for a solved ticket: %q", texts(second.chat.Replies()))
	}
	setStatus(second, "open")
	resolved(second, l1, false, 2)
	c.Advance(2*time.Hour + 59*time.Minute) // Tuesday 12:59
	second.timersDone(c)
	second.quiet(len(second.chat.Replies()))
	if n := second.countReplies("SLA "); n != 0 {
		t.Fatalf("SLA messages before the moved deadline: %q", texts(second.chat.Replies()))
	}
	c.Advance(2 * time.Minute)
	second.replyWith("SLA breached: resolution of LOCAL-1 was due at 2027-01-05 13:00 UTC")

	// Solved and reopened once more, a day later: the breach was told.
	setStatus(second, "solved")
	resolved(second, l1, true, 3)
	c.Advance(24 * time.Hour)
	setStatus(second, "open")
	resolved(second, l1, false, 4)
	c.Advance(48 * time.Hour)
	second.timersDone(c)
	second.quiet(len(second.chat.Replies()))
	if n := second.countReplies("SLA breached: resolution of LOCAL-1"); n != 1 {
		t.Fatalf("resolution breach told %d times, want once: %q", n, texts(second.chat.Replies()))
	}
	if n := second.countReplies("first response of LOCAL-1"); n != 0 {
		t.Fatalf("the first response was met by the resolution, but: %q", texts(second.chat.Replies()))
	}
	if v := second.metric(`ticketbridge_sla_breaches_total{kind="resolution",route="support"}`); v != 1 {
		t.Errorf("resolution breaches = %v, want 1", v)
	}
}
