package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

func TestChatMessages(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := teststore.SQLite(t)
	for i := range 3 {
		conv := "c1"
		if i == 1 {
			conv = "c2"
		}
		if _, err := st.ChatInboxAdd(ctx, store.ChatMessage{Source: "web", Conversation: conv,
			Key: fmt.Sprint("k", i), Text: fmt.Sprint("message ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	a := &API{Tokens: NewTokens([]config.Token{{Name: "r", Token: "read", Scopes: []string{ScopeRead}}}, nil), Store: st}
	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	tests := map[string]struct {
		query    string
		status   int
		texts    []string
		next     bool
		errorHas string
	}{
		"all":           {"", 200, []string{"message 0", "message 1", "message 2"}, false, ""},
		"first page":    {"?limit=2", 200, []string{"message 0", "message 1"}, true, ""},
		"conversation":  {"?conversation=c1", 200, []string{"message 0", "message 2"}, false, ""},
		"none":          {"?source=other", 200, []string{}, false, ""},
		"limit abc":     {"?limit=abc", 400, nil, false, `limit "abc": must be a whole number from 1 to 1000`},
		"limit too big": {"?limit=100000", 400, nil, false, "from 1 to 1000"},
		"bad cursor":    {"?after=x", 400, nil, false, "next_cursor"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/chat/messages"+tc.query, nil)
			req.Header.Set("Authorization", "Bearer read")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out struct {
				Messages *[]store.ChatMessage `json:"messages"`
				Next     string               `json:"next_cursor"`
				Error    string               `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tc.status, out.Error)
			}
			if tc.status != 200 {
				if !strings.Contains(out.Error, tc.errorHas) {
					t.Fatalf("error %q, want it to contain %q", out.Error, tc.errorHas)
				}
				return
			}
			if out.Messages == nil {
				t.Fatal(`"messages" is null, want a list`)
			}
			var texts []string
			for _, m := range *out.Messages {
				texts = append(texts, m.Text)
			}
			if fmt.Sprint(texts) != fmt.Sprint(tc.texts) || (out.Next != "") != tc.next {
				t.Fatalf("texts %q next %q, want %q (next: %v)", texts, out.Next, tc.texts, tc.next)
			}
		})
	}
}
