package fallback_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/fallback"
)

// feishuFake is a Feishu custom bot at /open-apis/bot/v2/hook/<token>. With
// a secret it checks the signature the way Feishu documents it, against
// its own clock, and answers Feishu's error bodies.
type feishuFake struct {
	t      *testing.T
	token  string
	secret string
	now    time.Time
	answer string // overrides the success answer
	got    []string
}

func (f *feishuFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || r.URL.Path != "/open-apis/bot/v2/hook/"+f.token {
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"code":19001,"msg":"param invalid: incoming webhook access token invalid"}`))
		return
	}
	var body struct {
		Timestamp string `json:"timestamp"`
		Sign      string `json:"sign"`
		MsgType   string `json:"msg_type"`
		Content   struct {
			Text string `json:"text"`
		} `json:"content"`
	}
	readJSON(f.t, r, &body)
	if body.MsgType != "text" {
		w.Write([]byte(`{"code":9499,"msg":"Bad Request"}`))
		return
	}
	if f.secret != "" {
		ts, err := strconv.ParseInt(body.Timestamp, 10, 64)
		// Feishu's definition: the key is timestamp+"\n"+secret and the
		// message is empty.
		m := hmac.New(sha256.New, []byte(body.Timestamp+"\n"+f.secret))
		want := base64.StdEncoding.EncodeToString(m.Sum(nil))
		skew := f.now.Sub(time.Unix(ts, 0))
		if err != nil || body.Sign != want || skew > time.Hour || skew < -time.Hour {
			w.Write([]byte(`{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}`))
			return
		}
	}
	f.got = append(f.got, body.Content.Text)
	if f.answer != "" {
		w.Write([]byte(f.answer))
		return
	}
	w.Write([]byte(`{"code":0,"data":{},"msg":"success"}`))
}

// The signature matches one computed outside Go:
// printf ” | openssl dgst -sha256 -hmac "$(printf '1700000000\nSECfeishu')" -binary | base64
func TestFeishuSignVector(t *testing.T) {
	t.Parallel()
	if got, want := fallback.FeishuSign("SECfeishu", 1700000000), "T8PVsiE1HpAJWexa3tsPCf4uGJILpRXgMBTql5lUpP0="; got != want {
		t.Fatalf("FeishuSign = %q, want %q", got, want)
	}
}

func TestFeishuBot(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		secret     string // the bot's configured secret
		useSecret  string // what we sign with
		now        time.Time
		token      string
		answer     string
		wantErr    string
		permanent  bool
		retryAfter time.Duration
	}{
		"signed":              {secret: "SECfeishu", useSecret: "SECfeishu", now: clock},
		"unsigned":            {now: clock},
		"old answer shape":    {now: clock, answer: `{"Extra":null,"StatusCode":0,"StatusMessage":"success"}`},
		"wrong secret":        {secret: "SECfeishu", useSecret: "SECother", now: clock, wantErr: "code 19021", permanent: true},
		"missing secret":      {secret: "SECfeishu", now: clock, wantErr: "code 19021", permanent: true},
		"clock two hours off": {secret: "SECfeishu", useSecret: "SECfeishu", now: clock.Add(-2 * time.Hour), wantErr: "code 19021", permanent: true},
		"too many requests":   {now: clock, answer: `{"code":9499,"msg":"too many request"}`, wantErr: "code 9499", retryAfter: time.Minute},
		"frequency limit":     {now: clock, answer: `{"code":11232,"msg":"frequency limited"}`, wantErr: "code 11232", retryAfter: time.Minute},
		"keyword missing":     {now: clock, answer: `{"code":19024,"msg":"Key Words Not Found"}`, wantErr: "code 19024", permanent: true},
		"unknown token":       {now: clock, token: "nope", wantErr: "status 404", permanent: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := &feishuFake{t: t, token: "tok-1", secret: tc.secret, now: clock, answer: tc.answer}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			token := tc.token
			if token == "" {
				token = "tok-1"
			}
			now := tc.now
			ch, err := fallback.New(fallback.Spec{Type: "feishu_bot", Name: "ops-feishu", Webhook: srv.URL + "/open-apis/bot/v2/hook/" + token, Secret: tc.useSecret},
				fallback.Deps{HTTP: srv.Client(), Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			if ch.Name() != "ops-feishu" {
				t.Errorf("name %q", ch.Name())
			}
			n := sampleNotice()
			err = ch.Send(context.Background(), n)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("send: %v", err)
				}
				if len(fake.got) != 1 || fake.got[0] != n.Render() {
					t.Fatalf("bot got %q", fake.got)
				}
				return
			}
			wantCallError(t, err, tc.wantErr, tc.permanent, tc.retryAfter)
			if strings.Contains(err.Error(), "tok-1") {
				t.Errorf("error %q leaks the token", err)
			}
		})
	}
}
