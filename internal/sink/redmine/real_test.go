package redmine_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/redmine"
)

// The sink's calls, one after the other, against the fake and the real
// Redmine: what the fake answers must be what Redmine answers.
func TestSinkAgainstTargets(t *testing.T) {
	t.Parallel()
	for name, mk := range targets(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tg := mk(t)
			newS := func(key string) *redmine.Sink {
				s, err := redmine.New("rm", redmine.Settings{URL: tg.URL(), APIKey: key, Project: tg.Project(), Tracker: "Support", MaxAttachmentBytes: 64 << 10}, sink.Deps{})
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			s := newS(tg.Key())
			ctx := t.Context()
			if err := s.Check(ctx); err != nil {
				t.Fatalf("check: %v", err)
			}
			bad := newS("0123456789abcdef0123456789abcdef01234567")
			if err := bad.Check(ctx); err == nil || !strings.Contains(err.Error(), "status 401") {
				t.Fatalf("check with a wrong key: %v", err)
			}
			_, cursor, err := s.Poll(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			ref, err := s.Create(ctx, draft("tb-real-1"))
			if err != nil {
				t.Fatal(err)
			}
			found, ok, err := s.FindByExternalID(ctx, "tb-real-1")
			if err != nil || !ok || found.Key != ref.Key {
				t.Fatalf("find = %+v %v %v, want %s", found, ok, err, ref.Key)
			}
			if _, ok, _ := s.FindByExternalID(ctx, "tb-real-"); ok {
				t.Fatal("a prefix of the marker was adopted")
			}
			for _, c := range []core.Comment{{Body: "public note", Public: true}, {Body: "private note"}} {
				if err := s.Comment(ctx, ref, c); err != nil {
					t.Fatalf("comment: %v", err)
				}
			}
			files := []struct {
				f    core.File
				body string
			}{
				{core.File{Name: "sized.txt", ContentType: "text/plain", Size: 11}, "hello sized"},
				{core.File{Name: "streamed log.txt", ContentType: "text/plain"}, strings.Repeat("line\n", 1000)},
			}
			for _, f := range files {
				if err := s.Attach(ctx, ref, f.f, strings.NewReader(f.body)); err != nil {
					t.Fatalf("attach %s: %v", f.f.Name, err)
				}
			}
			if err := s.Attach(ctx, ref, core.File{Name: "big.bin"}, strings.NewReader(strings.Repeat("x", 65<<10))); !errors.Is(err, sink.ErrTooLarge) {
				t.Fatalf("attach over the limit: %v", err)
			}
			// Keyed effects are found again: a note by the marker in its
			// text, a file by its description.
			keyed := core.File{Name: "keyed.txt", ContentType: "text/plain", Size: 5, Key: "tb-attach-0123abcd-7-9f86d081884c"}
			if found, err := s.FindAttachment(ctx, ref, keyed); err != nil || found {
				t.Fatalf("find a file not yet attached = %v %v", found, err)
			}
			if err := s.Attach(ctx, ref, keyed, strings.NewReader("keyed")); err != nil {
				t.Fatalf("attach keyed: %v", err)
			}
			if found, err := s.FindAttachment(ctx, ref, keyed); err != nil || !found {
				t.Fatalf("find the keyed file = %v %v", found, err)
			}
			if err := s.Comment(ctx, ref, core.Comment{Body: "keyed note", Public: true, Key: "tb-append-0123abcd-3-4"}); err != nil {
				t.Fatalf("keyed comment: %v", err)
			}
			if key, found, err := s.FindComment(ctx, ref, "tb-append-0123abcd-3-"); err != nil || !found || key != "tb-append-0123abcd-3-4" {
				t.Fatalf("find the keyed note = %q %v %v", key, found, err)
			}
			// The Reporter's stock workflow only closes: Redmine says yes
			// to "In Progress" and keeps the status.
			err = newS(tg.ReporterKey()).Transition(ctx, ref, core.StateInProgress)
			if !core.IsPermanent(err) || !strings.Contains(err.Error(), "workflow") {
				t.Fatalf("transition the workflow forbids: %v", err)
			}
			id, _ := strconv.Atoi(ref.Key)
			tg.AgentNote(t, id, "agent public", false)
			tg.AgentNote(t, id, "agent private", true)
			if err := s.Transition(ctx, ref, core.StateResolved); err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if st, err := s.Status(ctx, ref); err != nil || st != "Resolved" {
				t.Fatalf("status = %q %v", st, err)
			}
			is := tg.Issues(t)[0]
			var names []string
			for _, a := range is.Attachments {
				names = append(names, a.Filename+":"+strconv.FormatInt(a.Filesize, 10))
			}
			if got := strings.Join(names, ","); got != "sized.txt:11,streamed_log.txt:5000,keyed.txt:5" && got != "sized.txt:11,streamed log.txt:5000,keyed.txt:5" {
				t.Fatalf("attachments = %s", got)
			}
			evs := pollUntil(t, s, cursor, 6)
			var got []string
			for _, e := range evs {
				g := string(e.Kind) + " " + e.To
				if e.Comment != nil {
					g += e.Comment.Body + map[bool]string{true: " public", false: " private"}[e.Comment.Public]
				}
				g += map[bool]string{true: " ours", false: ""}[e.Ours]
				got = append(got, strings.TrimSpace(g))
			}
			want := "comment_added public note public ours|comment_added private note private ours|" +
				"comment_added keyed note\n\nref: tb-append-0123abcd-3-4 public ours|" +
				"comment_added agent public public|comment_added agent private private|status_changed Resolved ours"
			if strings.Join(got, "|") != want {
				t.Fatalf("polled:\n%s\nwant:\n%s", strings.Join(got, "|"), want)
			}
		})
	}
}

// pollUntil polls from cursor until it has read at least n events or
// gives up after 10 s.
func pollUntil(t *testing.T, s *redmine.Sink, cursor string, n int) []core.TicketEvent {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs, _, err := s.Poll(t.Context(), cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) >= n || time.Now().After(deadline) {
			return evs
		}
		time.Sleep(50 * time.Millisecond)
	}
}
