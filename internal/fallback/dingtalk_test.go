package fallback_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/fallback"
)

// dingtalkFake is a DingTalk custom robot at /robot/send?access_token=….
// With a secret it checks timestamp and sign (加签) as DingTalk documents.
type dingtalkFake struct {
	t      *testing.T
	token  string
	secret string
	now    time.Time
	answer string
	got    []string
	signs  []string
}

func (f *dingtalkFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	q := r.URL.Query()
	if r.Method != http.MethodPost || r.URL.Path != "/robot/send" || q.Get("access_token") != f.token {
		w.Write([]byte(`{"errcode":300001,"errmsg":"token is not exist"}`))
		return
	}
	var body struct {
		MsgType string `json:"msgtype"`
		Text    struct {
			Content string `json:"content"`
		} `json:"text"`
	}
	readJSON(f.t, r, &body)
	if f.secret != "" {
		ts := q.Get("timestamp")
		ms, err := strconv.ParseInt(ts, 10, 64)
		m := hmac.New(sha256.New, []byte(f.secret))
		m.Write([]byte(ts + "\n" + f.secret))
		want := base64.StdEncoding.EncodeToString(m.Sum(nil))
		skew := f.now.Sub(time.UnixMilli(ms))
		f.signs = append(f.signs, q.Get("sign"))
		if err != nil || q.Get("sign") != want || skew > time.Hour || skew < -time.Hour {
			w.Write([]byte(`{"errcode":310000,"errmsg":"sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}`))
			return
		}
	}
	if body.MsgType != "text" {
		w.Write([]byte(`{"errcode":40035,"errmsg":"缺少参数 json"}`))
		return
	}
	f.got = append(f.got, body.Text.Content)
	if f.answer != "" {
		w.Write([]byte(f.answer))
		return
	}
	w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
}

func TestDingTalkRobot(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		secret, useSecret string
		now               time.Time
		answer            string
		wantErr           string
		permanent         bool
		retryAfter        time.Duration
	}{
		"signed":        {secret: "SECding", useSecret: "SECding", now: clock},
		"unsigned":      {now: clock},
		"wrong secret":  {secret: "SECding", useSecret: "SECnope", now: clock, wantErr: "errcode 310000", permanent: true},
		"stale clock":   {secret: "SECding", useSecret: "SECding", now: clock.Add(-2 * time.Hour), wantErr: "errcode 310000", permanent: true},
		"too fast":      {now: clock, answer: `{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}`, wantErr: "errcode 130101", retryAfter: time.Minute},
		"keyword check": {now: clock, answer: `{"errcode":310000,"errmsg":"keywords not in content"}`, wantErr: "errcode 310000", permanent: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := &dingtalkFake{t: t, token: "at-1", secret: tc.secret, now: clock, answer: tc.answer}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			now := tc.now
			ch, err := fallback.New(fallback.Spec{Type: "dingtalk_robot", Webhook: srv.URL + "/robot/send?access_token=at-1", Secret: tc.useSecret},
				fallback.Deps{HTTP: srv.Client(), Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			n := sampleNotice()
			err = ch.Send(context.Background(), n)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("send: %v", err)
				}
				if len(fake.got) != 1 || fake.got[0] != n.Render() {
					t.Fatalf("robot got %q", fake.got)
				}
				return
			}
			wantCallError(t, err, tc.wantErr, tc.permanent, tc.retryAfter)
		})
	}
}

// The sign for a fixed clock matches one computed outside Go:
// printf '1700000000000\nSECding' | openssl dgst -sha256 -hmac SECding -binary | base64
func TestDingTalkRobotSignVector(t *testing.T) {
	t.Parallel()
	fake := &dingtalkFake{t: t, token: "at-1", secret: "SECding", now: clock}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ch, err := fallback.New(fallback.Spec{Type: "dingtalk_robot", Webhook: srv.URL + "/robot/send?access_token=at-1", Secret: "SECding"},
		fallback.Deps{HTTP: srv.Client(), Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Send(context.Background(), sampleNotice()); err != nil {
		t.Fatal(err)
	}
	if want := "91OgYC/84LD64pnkgzBURcCF7vZcB4YV/End/nleC2g="; len(fake.signs) != 1 || fake.signs[0] != want {
		t.Fatalf("signs %q, want %q", fake.signs, want)
	}
}
