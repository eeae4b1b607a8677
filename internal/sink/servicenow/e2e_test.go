package servicenow_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app/apptest"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/sink/servicenow/servicenowfake"
)

// world is the whole app with the ServiceNow sink "snow" on a fake
// instance.
type world struct {
	*apptest.Bridge
	in *servicenowfake.Instance
}

func startWorld(t *testing.T, in *servicenowfake.Instance) *world {
	t.Helper()
	o := in.Options()
	snow := config.NewConnector("sinks[1]", "snow", "servicenow")
	snow.Set("url", in.URL())
	snow.Set("username", o.Username)
	snow.Set("password", o.Password)
	snow.Set("webhook_secret", o.WebhookSecret)
	snow.Set("requests_per_minute", 600)
	return &world{Bridge: apptest.Start(t, snow), in: in}
}

// agent makes a change in the instance; its business rule posts the
// signed webhook, which must be accepted.
func (w *world) agent(number string, c servicenowfake.Change) []byte {
	w.T.Helper()
	body, resp, err := w.in.Update(w.T.Context(), w.Srv.URL, "snow", number, c)
	if err != nil {
		w.T.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		w.T.Fatalf("webhook: %s %s", resp.Status, b)
	}
	return body
}

// (a) A chat command makes an incident; the agent's public comment and
// state change come back to the chat; a work note and our own comment's
// echo do not; a resent webhook is dropped.
func TestEndToEndTwoWay(t *testing.T) {
	t.Parallel()
	in := servicenowfake.New(t, servicenowfake.Options{})
	w := startWorld(t, in)
	w.Say("c1", "/ticket the VPN drops every hour")
	w.Replies(1)
	incs := in.Incidents()
	if len(incs) != 1 || !strings.HasPrefix(incs[0].Fields["correlation_id"], "tb-") || !strings.Contains(incs[0].Fields["short_description"], "VPN") {
		t.Fatalf("incidents = %+v", incs)
	}
	number := incs[0].Number

	w.agent(number, servicenowfake.Change{Comment: "check the firewall logs", WorkNote: true})
	w.agent(number, servicenowfake.Change{By: in.Options().Username, Comment: "an echo of ours"})
	w.agent(number, servicenowfake.Change{Comment: "We replaced the VPN gateway."})
	got := w.Replies(2)
	if !strings.Contains(got[1], "We replaced the VPN gateway.") {
		t.Fatalf("comment notice = %q", got[1])
	}
	body := w.agent(number, servicenowfake.Change{State: "6"})
	got = w.Replies(3)
	if !strings.Contains(strings.ToLower(got[2]), "resolved") {
		t.Fatalf("status notice = %q", got[2])
	}
	resp, err := in.Post(t.Context(), w.Srv.URL, "snow", body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	w.Quiet(3)
	for _, r := range w.Chat.Replies() {
		if strings.Contains(r.Text, "firewall") || strings.Contains(r.Text, "echo of ours") {
			t.Fatalf("internal or own comment reached the chat: %q", r.Text)
		}
	}
}

// (b) A create whose answer is lost is retried and finds the incident.
func TestEndToEndLostCreateMakesOneIncident(t *testing.T) {
	t.Parallel()
	in := servicenowfake.New(t, servicenowfake.Options{})
	w := startWorld(t, in)
	in.LoseNextCreate(servicenowfake.LoseWith502)
	w.Say("l1", "/ticket the answer to this one gets lost")
	w.Replies(1)
	w.Quiet(1)
	incs := in.Incidents()
	if len(incs) != 1 || in.CountExternal(incs[0].Fields["correlation_id"]) != 1 {
		t.Fatalf("incidents after a lost answer = %+v", incs)
	}
}

// (c) A 429 with Retry-After: 2 keeps every request away for 2 seconds.
func TestEndToEndRetryAfter(t *testing.T) {
	t.Parallel()
	in := servicenowfake.New(t, servicenowfake.Options{})
	w := startWorld(t, in)
	// Start-up reads the dictionary to check the mapping; count after it.
	before := len(in.Requests())
	in.FailNext(1, http.StatusTooManyRequests, "2")
	begin := time.Now()
	w.Say("r1", "/ticket slow down please")
	deadline := time.Now().Add(10 * time.Second)
	for len(in.Requests()) == before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	if n := len(in.Requests()) - before; n != 1 {
		t.Fatalf("%d requests within Retry-After, want 1", n)
	}
	w.Replies(1)
	if waited := time.Since(begin); waited < 2*time.Second {
		t.Fatalf("incident created after %v, before Retry-After's 2s", waited)
	}
	if len(in.Incidents()) != 1 {
		t.Fatalf("incidents = %+v", in.Incidents())
	}
}
