package redmine_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app/apptest"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/redmine"
	"github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
)

// connector is the sink's configuration entry for a target.
func connector(tg target) config.Connector {
	c := config.NewConnector("sinks[1]", "redmine", redmine.Type)
	for k, v := range map[string]any{
		"url": tg.URL(), "api_key": tg.Key(), "project": tg.Project(), "poll_interval": "1s",
	} {
		c.Set(k, v)
	}
	return c
}

// A chat command with a screenshot makes an issue with the file on it;
// the agent's public note and status change are polled back to the chat,
// the private note is not; "/ticket close" resolves the issue, and our
// own change is not echoed.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	for name, mk := range targets(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tg := mk(t)
			shot := append([]byte("\x89PNG\r\n\x1a\n"), []byte(strings.Repeat("pixels", 300))...)
			files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(shot) }))
			t.Cleanup(files.Close)
			b := apptest.Start(t, connector(tg), func(cfg *config.Config) { cfg.Blob.Dir = t.TempDir() })

			ev := generictest.Message("c1", "cust-c1", "/ticket the VPN drops every hour")
			ev.Attachments = []core.Attachment{{ID: "a1", Name: "shot.png", URL: files.URL + "/shot.png"}}
			resp, err := generictest.Send(t.Context(), b.Srv.URL, "chat", b.Key, ev)
			b.Delivered(resp, err)
			got := b.Replies(1)
			issues := tg.Issues(t)
			if len(issues) != 1 || !strings.Contains(issues[0].Subject, "VPN") || !strings.Contains(got[0], "issues/"+strconv.Itoa(issues[0].ID)) {
				t.Fatalf("issues %+v, notice %q", issues, got[0])
			}
			id := issues[0].ID
			eventually(t, "the screenshot on the issue", func() bool {
				as := tg.Issues(t)[0].Attachments
				return len(as) == 1 && as[0].Filename == "shot.png" && as[0].Filesize == int64(len(shot))
			})
			waitCursor(t, b, "")

			b.Say("c1", "it also drops on wifi")
			eventually(t, "the follow-up as a note", func() bool { return hasNote(tg.Issues(t)[0], "drops on wifi") })

			tg.AgentNote(t, id, "internal: check the gateway logs", true)
			tg.AgentNote(t, id, "We replaced the VPN gateway.", false)
			got = b.Replies(2)
			if !strings.Contains(got[1], "We replaced the VPN gateway.") {
				t.Fatalf("comment notice = %q", got[1])
			}
			tg.AgentStatus(t, id, "In Progress")
			got = b.Replies(3)
			if !strings.Contains(strings.ToLower(got[2]), "in progress") {
				t.Fatalf("status notice = %q", got[2])
			}
			b.Say("c1", "/ticket close")
			got = b.Replies(4)
			is := tg.Issues(t)[0]
			if is.Status.Name != "Resolved" {
				t.Fatalf("after close the issue is %q, notice %q", is.Status.Name, got[3])
			}
			// Let a poll read our own change before checking it is not told.
			waitCursor(t, b, is.UpdatedOn)
			b.Quiet(4)
			for _, r := range got {
				if strings.Contains(r, "internal") || strings.Contains(r, "gateway logs") {
					t.Fatalf("leaked to the chat: %q", r)
				}
			}
		})
	}
}

func hasNote(is redmine.Issue, part string) bool {
	for _, j := range is.Journals {
		if strings.Contains(j.Notes, part) {
			return true
		}
	}
	return false
}

// waitCursor waits until the poll cursor exists and is at or past at (a
// Redmine time; "" for any).
func waitCursor(t *testing.T, b *apptest.Bridge, at string) {
	t.Helper()
	eventually(t, "the poll cursor at "+at, func() bool {
		c, err := b.App.Store.CursorGet(t.Context(), "poll:redmine")
		if err != nil || c == "" {
			return false
		}
		if at == "" {
			return true
		}
		ct, err1 := time.Parse(time.RFC3339, c)
		want, err2 := time.Parse(redmine.TimeFormat, at)
		return err1 == nil && err2 == nil && !ct.Before(want)
	})
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
