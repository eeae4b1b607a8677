package slack_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/source/slack"
	"github.com/ticketbridge/ticketbridge/internal/source/slack/slackfake"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// waitPost waits for a post whose text contains want.
func (h *e2e) waitPost(want string) slackfake.Post {
	h.t.Helper()
	deadline := time.Now().Add(time.Minute) // a bound for a real failure, not a timing assumption
	for {
		for _, p := range h.fake.Posts() {
			if strings.Contains(p.Text, want) {
				return p
			}
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("no post containing %q; posts %+v", want, h.fake.Posts())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *e2e) countPosts(with string) int {
	n := 0
	for _, p := range h.fake.Posts() {
		if strings.Contains(p.Text, with) {
			n++
		}
	}
	return n
}

// A support bot answered in a Slack thread; the customer asks for a
// person: one ticket whose description carries the bot's answers (read
// from the thread), the next message in the thread goes to the same
// ticket, and the customer is told who picked it up. A "talk to a
// person" button in another thread does the same.
func TestEndToEndHandoverFromBotInThread(t *testing.T) {
	h := startAppRoute(t, func(r *config.Route) {
		r.Trigger = config.Trigger{Command: "ticket"}
		r.Handover = &config.Handover{}
	})
	const channel, root = "C0HELP", "1795861000.000100"
	say := func(ts, text, eventID string) {
		m := slackfake.Message{Type: "message", User: "U0ANN", Text: text, TS: ts, ThreadTS: root}
		if ts == root {
			m.ThreadTS = ""
		}
		h.fake.AddMessage(channel, m)
		h.send(slackfake.EventCallback(t, eventID, time.Now(), slackfake.ChannelMessage(channel, "U0ANN", ts, root, text)))
	}
	say(root, "my laptop will not charge", "Ev0HO1")
	h.fake.AddMessage(channel, slackfake.Message{Type: "message", Subtype: "bot_message", BotID: "B0HELPBOT", ThreadTS: root,
		Text: "HelpBot: have you tried another power outlet?", TS: "1795861001.000100"})
	say("1795861002.000100", "yes, three of them", "Ev0HO2")
	h.fake.AddMessage(channel, slackfake.Message{Type: "message", Subtype: "bot_message", BotID: "B0HELPBOT", ThreadTS: root,
		Text: "HelpBot: please hold the power button for 30 seconds.", TS: "1795861003.000100"})
	say("1795861004.000100", "that did nothing, I want to talk to a person", "Ev0HO3")

	opened := h.waitPost("I've opened ticket")
	ts := h.tickets()
	if len(ts) != 1 {
		t.Fatalf("%d tickets, want 1", len(ts))
	}
	tk := ts[0]
	if opened.Channel != channel || opened.ThreadTS != root || !strings.Contains(opened.Text, tk.Key) {
		t.Fatalf("created notice %+v", opened)
	}
	for _, want := range []string{"another power outlet", "30 seconds", "talk to a person"} {
		if !strings.Contains(tk.Description, want) {
			t.Errorf("description lacks %q:\n%s", want, tk.Description)
		}
	}
	say("1795861005.000100", "serial number is C02XK", "Ev0HO4")
	deadline := time.Now().Add(time.Minute) // a bound for a real failure, not a timing assumption
	for {
		cs, err := h.app.Store.DeskComments(t.Context(), tk.Key)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) > 0 && strings.Contains(cs[len(cs)-1].Body, "C02XK") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("follow-up not on %s: %+v", tk.Key, cs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := h.app.Desk.Assign(t.Context(), tk.Key, "Ana"); err != nil {
		t.Fatal(err)
	}
	picked := h.waitPost("Ana has picked up your request")
	if picked.Channel != channel || picked.ThreadTS != root {
		t.Fatalf("assignment notice %+v", picked)
	}

	// A bot's "talk to a person" button, in another thread.
	const root2 = "1795862000.000100"
	h.fake.AddMessage(channel, slackfake.Message{Type: "message", User: "U0BEN", Text: "refund status?", TS: root2})
	h.send(slackfake.Interaction(t, slackfake.ButtonPress(slack.ActionHandoverID, "", channel, root2, "1795862001.000100", "U0BEN", "1795862002.000100")))
	h.waitPost("I've opened ticket LOCAL-2")
	if n := len(h.tickets()); n != 2 {
		t.Fatalf("%d tickets after the button, want 2", n)
	}
}

// Solving a ticket asks the Slack thread with five Block Kit buttons;
// pressing 5 writes the score on the ticket, thanks the customer and is
// counted; pressing again changes nothing.
func TestEndToEndCSATButtons(t *testing.T) {
	h := startAppRoute(t, func(r *config.Route) {
		r.Trigger = config.Trigger{Command: "ticket"}
		r.CSAT = &config.CSAT{}
	})
	const channel, root = "C0HELP", "1795863000.000100"
	h.send(slackfake.EventCallback(t, "Ev0CS1", time.Now(), slackfake.ChannelMessage(channel, "U0ANN", "1795863001.000100", root, "/ticket wifi drops in room 4")))
	h.waitPost("I've opened ticket")
	tk := h.tickets()[0]
	if _, err := h.app.Desk.SetStatus(t.Context(), tk.Key, "solved"); err != nil {
		t.Fatal(err)
	}
	ask := h.waitPost("How satisfied are you")
	if ask.ThreadTS != root || len(ask.Blocks) != 2 {
		t.Fatalf("survey %+v", ask)
	}
	var actions struct {
		BlockID  string `json:"block_id"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(ask.Blocks[1], &actions); err != nil || len(actions.Elements) != 5 || actions.BlockID != slack.RatingBlockID {
		t.Fatalf("survey buttons %s: %v", ask.Blocks[1], err)
	}
	five := actions.Elements[4]
	if five.ActionID != "tb_rate_5" || five.Value == "" {
		t.Fatalf("fifth button %+v", five)
	}
	press := slackfake.ButtonPress(five.ActionID, five.Value, channel, root, ask.TS, "U0ANN", "1795863100.000100")
	h.send(slackfake.Interaction(t, press))
	h.waitPost("Thank you for your feedback")
	h.send(slackfake.Interaction(t, slackfake.ButtonPress(actions.Elements[0].ActionID, five.Value, channel, root, ask.TS, "U0ANN", "1795863101.000100")))
	// The desk keeps the score in its own satisfaction field.
	q := h.app.Store.(store.Quality)
	deadline := time.Now().Add(time.Minute) // a bound for a real failure, not a timing assumption
	for {
		score, _, err := q.DeskSatisfaction(t.Context(), tk.Key)
		if err != nil {
			t.Fatal(err)
		}
		if score == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no score on %s (field %d)", tk.Key, score)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if score, _, _ := q.DeskSatisfaction(t.Context(), tk.Key); score != 5 {
		t.Fatalf("the second press changed the score to %d", score)
	}
	if n := h.countPosts("Thank you for your feedback"); n != 1 {
		t.Fatalf("thanked %d times, want once", n)
	}
	if v := h.metric(`ticketbridge_csat_responses_total{score="5"}`); v != 1 {
		t.Errorf("csat 5 = %v, want 1", v)
	}
	if v := h.metric(`ticketbridge_csat_responses_total{score="1"}`); v > 0 {
		t.Errorf("csat 1 = %v, want none", v)
	}
}
