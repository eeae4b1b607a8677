package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

func TestChatTail(t *testing.T) {
	inTempDir(t)
	withDefaultStore(t, func(ctx context.Context, st store.Store, _ store.Queue) {
		for i := range 3 {
			m := store.ChatMessage{Source: "chat", Conversation: fmt.Sprint("c", i%2), Key: fmt.Sprint("k", i), Text: fmt.Sprint("answer ", i)}
			if i == 0 {
				m.Prompt = &core.Prompt{Token: "p", Confirm: "Yes", Reject: "No"}
			}
			if _, err := st.(store.ChatInbox).ChatInboxAdd(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
	})
	tests := map[string]struct {
		args []string
		want []string
		not  []string
	}{
		"all":          {nil, []string{"chat/c0  bot: answer 0", "reply with: ticketbridge send --conversation c0 --text yes", "answer 1", "answer 2"}, nil},
		"last one":     {[]string{"-n", "1"}, []string{"answer 2"}, []string{"answer 0", "answer 1"}},
		"conversation": {[]string{"--conversation", "c1"}, []string{"answer 1"}, []string{"answer 0", "answer 2"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := run(t, "", append([]string{"chat", "tail"}, tc.args...)...)
			if r.err != nil {
				t.Fatal(r.err)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(r.stdout, w) {
					t.Errorf("output has %q:\n%s", w, r.stdout)
				}
			}
		})
	}
	r := run(t, "", "chat", "tail", "--json", "-n", "2")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var m store.ChatMessage
	if r.err != nil || len(lines) != 2 || json.Unmarshal([]byte(lines[1]), &m) != nil || m.Text != "answer 2" || m.Conversation != "c0" {
		t.Errorf("chat tail --json -n 2: %v\n%s", r.err, r.stdout)
	}
}
