package fallback_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/fallback"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs:\n got: %q\nwant: %q", name, got, want)
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		n    fallback.Notice
		want string
	}{
		"full": {n: sampleNotice(), want: "工单 OPS-42 已解决\n" +
			"您好，您反馈的打印机问题已经处理完毕。\n如仍有问题请回复。\n\n" +
			"Ticket: jira OPS-42 https://jira.example.com/browse/OPS-42 (resolved)\n" +
			"Conversation: dt/cid123\n" +
			"Not delivered to the conversation: session webhook expired"},
		"text only": {n: fallback.Notice{Text: "  hello \n"}, want: "hello"},
		"thread and bare ticket": {n: fallback.Notice{
			Conversation: core.ConversationRef{Source: "slack", Conversation: "C1", Thread: "171.2"},
			Ticket:       core.TicketRef{Key: "7"},
		}, want: "Ticket: 7\nConversation: slack/C1/171.2"},
		"empty": {n: fallback.Notice{}, want: ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := tc.n.Render(); got != tc.want {
				t.Errorf("Render =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// The wire form of a Chinese notice, as the SMTP server received it, with
// the random Message-ID masked.
func TestEmailWireGolden(t *testing.T) {
	t.Parallel()
	srv, _ := startMailServer(t, mailOpts{})
	n := sampleNotice()
	n.Subject = "【紧急】工单 OPS-42 的状态通知：客户会话已失效，请通过邮件或电话联系客户并跟进处理进度"
	ch, err := fallback.New(fallback.Spec{Type: "email", To: []string{"ops@example.com", "值班 <oncall@example.org>"}},
		fallback.Deps{SMTP: smtpConfig(t, srv, nil, "none", "", ""), Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages", len(msgs))
	}
	got := regexp.MustCompile(`<[0-9a-f]{32}\.`).ReplaceAll(msgs[0].data, []byte("<MESSAGE-ID."))
	golden(t, "email_zh.golden", got)
	checkMessage(t, msgs[0].data, n)
}
