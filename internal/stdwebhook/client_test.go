package stdwebhook

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		in   string
		want time.Duration
	}{
		"empty":       {"", 0},
		"seconds":     {"30", 30 * time.Second},
		"spaces":      {" 7 ", 7 * time.Second},
		"zero":        {"0", 0},
		"negative":    {"-5", 0},
		"huge capped": {"999999999999", 7 * 24 * time.Hour},
		"http date":   {now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		"past date":   {now.Add(-time.Hour).Format(http.TimeFormat), 0},
		"garbage":     {"soon", 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := ParseRetryAfter(tt.in, now); got != tt.want {
				t.Fatalf("ParseRetryAfter(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 400) // 800 bytes
	tests := map[string]struct {
		in, want string
	}{
		"message":      {`{"message":"slow down"}`, "slow down"},
		"error string": {`{"error":"bad title"}`, "bad title"},
		"error object": {`{"error":{"message":"nested"}}`, "nested"},
		"fields":       {`{"error":"invalid ticket","fields":{"title":"required","a":"x"}}`, "invalid ticket (a: x; title: required)"},
		"plain text":   {"  upstream exploded\n", "upstream exploded"},
		"json no text": {`{"code":7}`, `{"code":7}`},
		"empty":        {"", ""},
		"long is cut":  {long, strings.Repeat("é", 250)},
		"cut mid rune": {"a" + long, "a" + strings.Repeat("é", 249)},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := ErrorMessage([]byte(tt.in)); got != tt.want {
				t.Fatalf("ErrorMessage = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClientDo(t *testing.T) {
	t.Parallel()
	secret, _ := NewSecret()
	key := mustSecret(t, secret)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		v := &Verifier{Keys: []Secret{key}}
		if _, err := v.Verify(r.Header, body); err != nil {
			http.Error(w, `{"error":"bad signature"}`, http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/ok":
			w.Write([]byte(`{"id":"x"}`))
		case "/limited":
			w.Header().Set("Retry-After", "12")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"message":"rate limited"}`))
		case "/invalid":
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"invalid","fields":{"title":"required"}}`))
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)

	// A port nobody listens on: bind, note it, close.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + l.Addr().String() + "/ok"
	l.Close()

	tests := map[string]struct {
		client    Client
		url       string
		method    string
		body      any
		wantErr   bool
		permanent bool
		status    int
		retry     time.Duration
		msg       string
	}{
		"ok post":   {url: srv.URL + "/ok", method: http.MethodPost, body: map[string]int{"a": 1}},
		"ok get":    {url: srv.URL + "/ok", method: http.MethodGet},
		"wrong key": {client: Client{Key: Secret("nope")}, url: srv.URL + "/ok", method: http.MethodPost, wantErr: true, permanent: true, status: 401, msg: "bad signature"},
		"429":       {url: srv.URL + "/limited", method: http.MethodPost, wantErr: true, status: 429, retry: 12 * time.Second, msg: "rate limited"},
		"400":       {url: srv.URL + "/invalid", method: http.MethodPost, wantErr: true, permanent: true, status: 400, msg: "invalid (title: required)"},
		"503":       {url: srv.URL + "/down", method: http.MethodPost, wantErr: true, status: 503},
		"refused":   {url: deadURL, method: http.MethodPost, wantErr: true, status: 0},
		"bad url":   {url: "://nope", method: http.MethodPost, wantErr: true, permanent: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := tt.client
			if c.Key == nil {
				c.Key = key
			}
			c.HTTP = &http.Client{Timeout: 5 * time.Second}
			resp, err := c.Do(context.Background(), Request{Op: "test", Method: tt.method, URL: tt.url, Body: tt.body})
			if !tt.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				if string(resp.Body) != `{"id":"x"}` || !strings.HasPrefix(resp.ID, "msg_") {
					t.Fatalf("resp = %+v", resp)
				}
				return
			}
			var ce *core.CallError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want CallError", err)
			}
			if ce.Permanent != tt.permanent || ce.Status != tt.status || ce.RetryAfter != tt.retry || ce.Op != "test" {
				t.Fatalf("CallError = %+v", ce)
			}
			if tt.msg != "" && ce.Message != tt.msg {
				t.Fatalf("message = %q, want %q", ce.Message, tt.msg)
			}
		})
	}
}
