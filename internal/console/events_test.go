package console_test

import (
	"bufio"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var versionAttr = regexp.MustCompile(`data-version="([^"]+)"`)

// The ticket page's event stream says "changed" when the customer writes
// again; a stale version gets it at once; a bad version is refused.
func TestDeskEventStream(t *testing.T) {
	br := startBridge(t)
	br.Say("c1", "/ticket the printer is on fire")
	br.Replies(1)
	path := "/console/desk/LOCAL-1"
	agent := newBrowser(t, br.Srv.URL)
	agent.signIn(path, agentToken)
	_, _, page := agent.get(path)
	m := versionAttr.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `data-events="/console/desk/LOCAL-1/events"`) {
		t.Fatalf("ticket page lacks its version or stream: %.500s", page)
	}
	if code, _, _ := agent.get(path + "/events?v=nonsense"); code != http.StatusBadRequest {
		t.Fatalf("bad version: %d, want 400", code)
	}
	if code, _, _ := agent.get("/console/desk/LOCAL-99/events?v=" + m[1]); code != http.StatusNotFound {
		t.Fatalf("unknown ticket: %d, want 404", code)
	}

	resp, err := agent.c.Get(br.Srv.URL + path + "/events?v=" + m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	// The stream opens with the reconnect delay and says nothing more
	// while the ticket stays as it was.
	if got := <-lines; got != "retry: 3000" {
		t.Fatalf("first line %q", got)
	}
	br.Say("c1", "smoke everywhere now")
	deadline := time.After(15 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the stream ended without a change")
			}
			if l == "event: changed" {
				goto changed
			}
		case <-deadline:
			t.Fatal("no change event within 15 s of the customer's message")
		}
	}
changed:
	if l := <-lines; l != "data: LOCAL-1" {
		t.Fatalf("event data %q", l)
	}
	// The stream ends after its one event; the page reloads.
	for range lines {
	}

	// A page rendered before the change hears of it at once.
	resp2, err := agent.c.Get(br.Srv.URL + path + "/events?v=" + m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	sc := bufio.NewScanner(resp2.Body)
	var got []string
	for sc.Scan() {
		got = append(got, sc.Text())
	}
	if !strings.Contains(strings.Join(got, "\n"), "event: changed") {
		t.Fatalf("stale version's stream: %q", got)
	}
}
