package fallback_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ticketbridge/ticketbridge/internal/fallback"
)

// wecomFake is a WeCom group robot endpoint: it knows one key and answers
// with the body or status a case asks for.
type wecomFake struct {
	t      *testing.T
	key    string
	status int
	answer string

	mu   sync.Mutex
	got  []string
	keys []string
}

func (f *wecomFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/cgi-bin/webhook/send" {
		http.NotFound(w, r)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		f.t.Errorf("content type %q", ct)
	}
	var body struct {
		MsgType string `json:"msgtype"`
		Text    struct {
			Content string `json:"content"`
		} `json:"text"`
	}
	readJSON(f.t, r, &body)
	f.mu.Lock()
	f.got = append(f.got, body.Text.Content)
	f.keys = append(f.keys, r.URL.Query().Get("key"))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case f.status != 0:
		w.WriteHeader(f.status)
		w.Write([]byte(f.answer))
	case r.URL.Query().Get("key") != f.key:
		w.Write([]byte(`{"errcode":93000,"errmsg":"invalid webhook url, hint: [1700000000_1], from ip: 127.0.0.1"}`))
	case body.MsgType != "text" || body.Text.Content == "":
		w.Write([]byte(`{"errcode":40008,"errmsg":"invalid message type"}`))
	case f.answer != "":
		w.Write([]byte(f.answer))
	default:
		w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}
}

func TestWeComRobot(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		key        string
		status     int
		answer     string
		wantErr    string
		permanent  bool
		retryAfter time.Duration
	}{
		"sent":       {key: "k-good"},
		"wrong key":  {key: "k-bad", wantErr: "errcode 93000", permanent: true},
		"rate limit": {key: "k-good", answer: `{"errcode":45009,"errmsg":"api freq out of limit"}`, wantErr: "errcode 45009", retryAfter: time.Minute},
		"busy":       {key: "k-good", answer: `{"errcode":-1,"errmsg":"system busy"}`, wantErr: "errcode -1", retryAfter: 5 * time.Second},
		"server 502": {key: "k-good", status: 502, answer: "bad gateway", wantErr: "status 502"},
		"http 429":   {key: "k-good", status: 429, answer: "slow down", wantErr: "status 429"},
		"not json":   {key: "k-good", answer: "<html>", wantErr: "answer is not JSON"},
		"http 404":   {key: "k-good", status: 404, answer: "gone", wantErr: "status 404", permanent: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := &wecomFake{t: t, key: "k-good", status: tc.status, answer: tc.answer}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			ch, err := fallback.New(fallback.Spec{Type: "wecom_robot", Webhook: srv.URL + "/cgi-bin/webhook/send?key=" + tc.key},
				fallback.Deps{HTTP: srv.Client(), Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			if ch.Name() != "wecom_robot" {
				t.Errorf("name %q", ch.Name())
			}
			n := sampleNotice()
			err = ch.Send(context.Background(), n)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("send: %v", err)
				}
				if len(fake.got) != 1 || fake.got[0] != n.Render() {
					t.Fatalf("robot got %q, want %q", fake.got, n.Render())
				}
				return
			}
			wantCallError(t, err, tc.wantErr, tc.permanent, tc.retryAfter)
			if strings.Contains(err.Error(), tc.key) {
				t.Errorf("error %q leaks the robot key", err)
			}
		})
	}
}

// A message over the robot's 2048-byte limit is cut on a rune boundary
// rather than refused.
func TestWeComRobotTruncates(t *testing.T) {
	t.Parallel()
	fake := &wecomFake{t: t, key: "k"}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ch, err := fallback.New(fallback.Spec{Type: "wecom_robot", Webhook: srv.URL + "/cgi-bin/webhook/send?key=k"}, fallback.Deps{HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	n := fallback.Notice{Text: strings.Repeat("工单", 1000)}
	if err := ch.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	got := fake.got[0]
	if len(got) > 2048 || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "工单工单") {
		t.Fatalf("truncated content: %d bytes, valid %v, tail %q", len(got), utf8.ValidString(got), got[len(got)-10:])
	}
}

// A transport failure must not quote the URL: the key is in it.
func TestWeComRobotTransportErrorHidesKey(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	ch, err := fallback.New(fallback.Spec{Type: "wecom_robot", Webhook: url + "/cgi-bin/webhook/send?key=secret-key-123"}, fallback.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	err = ch.Send(context.Background(), sampleNotice())
	wantCallError(t, err, "connect", false, 0)
	if strings.Contains(err.Error(), "secret-key-123") {
		t.Fatalf("error %q leaks the key", err)
	}
}
