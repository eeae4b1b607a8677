package loadgen

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/generic"
	genericsrc "github.com/ticketbridge/ticketbridge/internal/source/generic"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

func mustKey(t *testing.T, s string) stdwebhook.Secret {
	t.Helper()
	k, err := stdwebhook.ParseSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// call signs (with key, unless nil) and serves one request.
func call(t *testing.T, h http.Handler, key stdwebhook.Secret, method, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	r := httptest.NewRequest(method, path, bytes.NewReader(data))
	if key != nil {
		stdwebhook.SetHeaders(r.Header, key, stdwebhook.NewMessageID(), time.Now(), data)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestFakeSinkVerifiesSignatures(t *testing.T) {
	t.Parallel()
	key := mustKey(t, DefaultSinkSecret)
	other := mustKey(t, DefaultSecret)
	draft := core.TicketDraft{ExternalID: "tb-1", Title: "broken", Custom: map[string]any{ConversationField: "c-1"}}
	tests := map[string]struct {
		key  stdwebhook.Secret
		want int
	}{
		"unsigned":  {nil, http.StatusUnauthorized},
		"wrong key": {other, http.StatusUnauthorized},
		"signed":    {key, http.StatusCreated},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var created []SinkTicket
			f := NewFakeSink(key, Profile{}, "http://127.0.0.1:1", func(st SinkTicket) { created = append(created, st) })
			w := call(t, f, tc.key, http.MethodPost, "/tickets", draft)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
			c := f.Counts()
			if tc.want == http.StatusUnauthorized {
				if c.Rejected != 1 || len(created) != 0 || len(f.Tickets()) != 0 {
					t.Fatalf("a refused request acted: %+v, %d created", c, len(created))
				}
				return
			}
			if len(created) != 1 || created[0].Conversation != "c-1" || created[0].Key != "LG-1" {
				t.Fatalf("created %+v", created)
			}
		})
	}
}

func TestFakeSinkAPI(t *testing.T) {
	t.Parallel()
	key := mustKey(t, DefaultSinkSecret)
	f := NewFakeSink(key, Profile{}, "http://127.0.0.1:1", nil)
	draft := core.TicketDraft{ExternalID: "tb-7", Title: "broken", Requester: core.Requester{ID: "lg-x-3"}}
	if w := call(t, f, key, http.MethodPost, "/tickets", draft); w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	// A second creation for the same external id returns the same ticket
	// and is counted as a duplicate.
	w := call(t, f, key, http.MethodPost, "/tickets", draft)
	var again generic.Ticket
	if err := json.Unmarshal(w.Body.Bytes(), &again); err != nil || again.Key != "LG-1" {
		t.Fatalf("duplicate create answered %d %s", w.Code, w.Body)
	}
	w = call(t, f, key, http.MethodGet, "/tickets?external_id=tb-7", nil)
	var list generic.TicketList
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list.Tickets) != 1 || list.Tickets[0].Key != "LG-1" {
		t.Fatalf("lookup: %d %s", w.Code, w.Body)
	}
	w = call(t, f, key, http.MethodGet, "/tickets?external_id=tb-8", nil)
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list.Tickets) != 0 {
		t.Fatalf("lookup of a missing ticket: %d %s", w.Code, w.Body)
	}
	if w := call(t, f, key, http.MethodPost, "/tickets/LG-1/comments", generic.CommentBody{Body: "more"}); w.Code != http.StatusCreated {
		t.Fatalf("comment: %d %s", w.Code, w.Body)
	}
	if w := call(t, f, key, http.MethodPost, "/tickets/LG-9/comments", generic.CommentBody{Body: "more"}); w.Code != http.StatusNotFound {
		t.Fatalf("comment on a missing ticket: %d", w.Code)
	}
	if w := call(t, f, key, http.MethodPost, "/tickets", core.TicketDraft{Title: "no id"}); w.Code != http.StatusBadRequest {
		t.Fatalf("draft without external id: %d", w.Code)
	}
	c := f.Counts()
	want := SinkCounts{Requests: 7, Creates: 2, Duplicates: 1, Lookups: 2, Comments: 1}
	if c != want {
		t.Fatalf("counts %+v, want %+v", c, want)
	}
	if ts := f.Tickets(); len(ts) != 1 || ts[0].Conversation != "lg-x-3" || ts[0].Comments != 1 {
		t.Fatalf("tickets %+v (the requester names the conversation without the custom field)", ts)
	}
}

func TestFakeSinkFaultProfile(t *testing.T) {
	t.Parallel()
	key := mustKey(t, DefaultSinkSecret)
	p := Profile{Errors: 0.05, TooMany: 0.02, RetryAfter: 1500 * time.Millisecond, Seed: 42}
	run := func() ([]int, SinkCounts, string) {
		f := NewFakeSink(key, p, "http://127.0.0.1:1", nil)
		codes := make([]int, 4000)
		retry := ""
		for i := range codes {
			w := call(t, f, key, http.MethodGet, "/tickets?external_id=x", nil)
			codes[i] = w.Code
			if w.Code == http.StatusTooManyRequests {
				retry = w.Header().Get("Retry-After")
			}
		}
		return codes, f.Counts(), retry
	}
	codes, counts, retry := run()
	n := float64(len(codes))
	// Binomial: 4000 draws at 5 % has σ ≈ 14; allow 5σ.
	if math.Abs(float64(counts.Errors)-0.05*n) > 70 || math.Abs(float64(counts.TooMany)-0.02*n) > 45 {
		t.Fatalf("injected %d errors and %d 429s of %v; want about %v and %v", counts.Errors, counts.TooMany, n, 0.05*n, 0.02*n)
	}
	if counts.Errors+counts.TooMany+counts.Lookups != len(codes) {
		t.Fatalf("counts do not add up: %+v", counts)
	}
	if retry != "2" {
		t.Fatalf("Retry-After %q, want 2 (1.5s rounded up)", retry)
	}
	// The same seed gives the same sequence.
	again, _, _ := run()
	for i := range codes {
		if codes[i] != again[i] {
			t.Fatalf("request %d: %d then %d with the same seed", i, codes[i], again[i])
		}
	}
}

func TestFakeSinkLatency(t *testing.T) {
	t.Parallel()
	key := mustKey(t, DefaultSinkSecret)
	f := NewFakeSink(key, Profile{Latency: 40 * time.Millisecond}, "http://127.0.0.1:1", nil)
	start := time.Now()
	w := call(t, f, key, http.MethodGet, "/tickets?external_id=x", nil)
	if took := time.Since(start); w.Code != http.StatusOK || took < 40*time.Millisecond {
		t.Fatalf("answered %d after %v; want 200 after at least 40ms", w.Code, took)
	}
	// Forgeries are refused at once, without the latency.
	start = time.Now()
	if w := call(t, f, nil, http.MethodGet, "/tickets?external_id=x", nil); w.Code != http.StatusUnauthorized || time.Since(start) > 30*time.Millisecond {
		t.Fatalf("unsigned: %d after %v", w.Code, time.Since(start))
	}
}

func TestFakeChatVerifies(t *testing.T) {
	t.Parallel()
	key := mustKey(t, DefaultSecret)
	reply := genericsrc.Reply{Type: "reply", Conversation: genericsrc.Conversation{ID: "c-1"}, Text: "Ticket LG-1 is open"}
	var got []Reply
	c := NewFakeChat(FormatGeneric, key, "", func(r Reply) { got = append(got, r) })
	if w := call(t, c, nil, http.MethodPost, "/replies", reply); w.Code != http.StatusUnauthorized {
		t.Fatalf("unsigned reply: %d", w.Code)
	}
	if w := call(t, c, key, http.MethodPost, "/replies", reply); w.Code != http.StatusOK {
		t.Fatalf("signed reply: %d %s", w.Code, w.Body)
	}
	if len(got) != 1 || got[0].Conversation != "c-1" || got[0].At.IsZero() {
		t.Fatalf("replies %+v", got)
	}

	var slackGot []Reply
	s := NewFakeChat(FormatSlack, nil, DefaultBotToken, func(r Reply) { slackGot = append(slackGot, r) })
	post := func(token string) string {
		r := httptest.NewRequest(http.MethodPost, "/api/chat.postMessage", bytes.NewReader([]byte(`{"channel":"CLG1","text":"hi"}`)))
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w.Body.String()
	}
	if b := post("xoxb-wrong"); !bytes.Contains([]byte(b), []byte(`"invalid_auth"`)) {
		t.Fatalf("wrong token answered %s", b)
	}
	if b := post(DefaultBotToken); !bytes.Contains([]byte(b), []byte(`"ok":true`)) || len(slackGot) != 1 || slackGot[0].Conversation != "CLG1" {
		t.Fatalf("good token answered %s, replies %+v", b, slackGot)
	}
	if n := s.Counts(); n.Rejected != 1 || n.Replies != 1 {
		t.Fatalf("slack counts %+v", n)
	}
}

func TestOptionsRefuseRemoteTargets(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		o       Options
		wantErr bool
	}{
		"loopback v4":        {Options{Target: "http://127.0.0.1:8080", Events: 1}, false},
		"loopback v6":        {Options{Target: "http://[::1]:8080", Events: 1}, false},
		"localhost":          {Options{Target: "http://localhost:8080", Events: 1}, false},
		"remote":             {Options{Target: "http://10.0.0.5:8080", Events: 1}, true},
		"remote name":        {Options{Target: "https://tickets.example.com", Events: 1}, true},
		"remote allowed":     {Options{Target: "https://tickets.example.com", Events: 1, AllowRemote: true}, false},
		"fake on all ifaces": {Options{Events: 1, SinkListen: "0.0.0.0:9090"}, true},
		"no events":          {Options{}, true},
		"too long":           {Options{Rate: 1, Events: 100_000}, true},
		"ratios over 1":      {Options{Events: 1, Sink: Profile{Errors: 0.7, TooMany: 0.5}}, true},
		"bad format":         {Options{Events: 1, Format: "irc"}, true},
	}
	for name, tc := range tests {
		o := tc.o
		o.withDefaults()
		if err := o.validate(); (err != nil) != tc.wantErr {
			t.Errorf("%s: validate() = %v, want error %v", name, err, tc.wantErr)
		}
	}
}
