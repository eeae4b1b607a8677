package jira_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/jira"
)

// A captured delivery resent with a fresh X-Atlassian-Webhook-Identifier
// (a header the signature does not cover) is the same event.
func TestWebhookDedupeIgnoresUnsignedIdentifier(t *testing.T) {
	sk := hookSink(t, hookTime)
	body := fixture(t, "comment_public.json")
	sig := jira.Sign(hookSecret, body)
	a, errA := sk.ParseWebhook(hookRequest(body, sig, "original-delivery"), body)
	b, errB := sk.ParseWebhook(hookRequest(body, sig, "fresh-id-from-an-attacker"), body)
	if errA != nil || errB != nil || len(a) != 1 || len(b) != 1 || a[0].EventID != b[0].EventID {
		t.Fatalf("replay with a fresh identifier: %v %v / %v %v", a, errA, b, errB)
	}
}

// Without the delivery timestamp, the window is kept with the signed
// comment or issue time; with no signed time at all the delivery is refused.
func TestWebhookWithoutTimestampKeepsReplayWindow(t *testing.T) {
	const jiraTime = "2006-01-02T15:04:05.000-0700"
	base := func() map[string]any {
		var w map[string]any
		if err := json.Unmarshal(fixture(t, "comment_public.json"), &w); err != nil {
			t.Fatal(err)
		}
		delete(w, "timestamp")
		return w
	}
	tests := map[string]struct {
		mutate func(w map[string]any)
		want   error
	}{
		"fresh comment time": {func(w map[string]any) {
			w["comment"].(map[string]any)["created"] = hookTime.Add(-time.Minute).Format(jiraTime)
		}, nil},
		"old comment time": {func(w map[string]any) {
			w["comment"].(map[string]any)["created"] = hookTime.Add(-3 * time.Hour).Format(jiraTime)
		}, core.ErrStale},
		"old issue time": {func(w map[string]any) {
			delete(w["comment"].(map[string]any), "created")
			w["issue"].(map[string]any)["fields"].(map[string]any)["updated"] = hookTime.Add(-3 * time.Hour).Format(jiraTime)
		}, core.ErrStale},
		"no signed time": {func(w map[string]any) {
			delete(w["comment"].(map[string]any), "created")
			delete(w["issue"].(map[string]any)["fields"].(map[string]any), "updated")
		}, core.ErrStale},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			w := base()
			tt.mutate(w)
			body, _ := json.Marshal(w)
			_, err := hookSink(t, hookTime).ParseWebhook(hookRequest(body, jira.Sign(hookSecret, body), "id"), body)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}
