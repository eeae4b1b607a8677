package dingtalk_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/dingtalk"
	"github.com/ticketbridge/ticketbridge/internal/source/dingtalk/dingtalkfake"
)

// Every way a request can be wrong, each refused with its sentinel.
func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	text := []byte(`{"conversationId":"cid1","conversationType":"2","msgId":"m1","msgtype":"text","createAt":1,"senderStaffId":"u","text":{"content":"hi"}}`)
	eventPlain := []byte(`{"EventType":"check_url"}`)
	ts := strconv.FormatInt(clock.UnixMilli(), 10)

	sealWith := func(t *testing.T, token, aesKey, owner string, plain []byte) dingtalkfake.Sealed {
		t.Helper()
		p, err := dingtalkfake.NewPusher(token, aesKey, owner)
		if err != nil {
			t.Fatal(err)
		}
		p.Now = fixedNow
		sl, err := p.Seal(plain)
		if err != nil {
			t.Fatal(err)
		}
		return sl
	}
	// resign signs an arbitrary encrypt value with the right token.
	resign := func(enc string) *http.Request {
		c, _ := dingtalk.NewCrypto(vecToken, vecAESKey, vecOwnerKey)
		q := "signature=" + c.Signature(ts, "n1", enc) + "&timestamp=" + ts + "&nonce=n1"
		return httptest.NewRequest(http.MethodPost, "/hooks/im/dt?"+q, strings.NewReader(`{"encrypt":"`+enc+`"}`))
	}
	body := func(r *http.Request) []byte {
		b := new(strings.Builder)
		if r.Body != nil {
			buf := make([]byte, 1<<16)
			n, _ := r.Body.Read(buf)
			b.Write(buf[:n])
		}
		return []byte(b.String())
	}
	robotWith := func(mut func(r *http.Request)) func(t *testing.T) (*http.Request, []byte) {
		return func(t *testing.T) (*http.Request, []byte) {
			r := robotRequest(t, text)
			mut(r)
			return r, text
		}
	}

	tests := map[string]struct {
		settings dingtalk.Settings
		req      func(t *testing.T) (*http.Request, []byte)
		want     error
	}{
		"robot ok": {settings(), robotWith(func(*http.Request) {}), nil},
		"robot wrong secret": {settings(), func(t *testing.T) (*http.Request, []byte) {
			r, _ := dingtalkfake.Robot{AppSecret: "other", Now: fixedNow}.RequestBody(context.Background(), "http://tb.test", "dt", text)
			return r, text
		}, core.ErrBadSignature},
		"robot no sign":        {settings(), robotWith(func(r *http.Request) { r.Header.Del("sign") }), core.ErrBadSignature},
		"robot no timestamp":   {settings(), robotWith(func(r *http.Request) { r.Header.Del("timestamp") }), core.ErrBadSignature},
		"robot bad timestamp":  {settings(), robotWith(func(r *http.Request) { r.Header.Set("timestamp", "yesterday") }), core.ErrBadSignature},
		"robot timestamp swap": {settings(), robotWith(func(r *http.Request) { r.Header.Set("timestamp", ts+"1") }), core.ErrBadSignature},
		"robot stale": {settings(), func(t *testing.T) (*http.Request, []byte) {
			r, _ := dingtalkfake.Robot{AppSecret: appSecret, Now: func() time.Time { return clock.Add(-2 * time.Hour) }}.RequestBody(context.Background(), "http://tb.test", "dt", text)
			return r, text
		}, core.ErrStale},
		"robot get": {settings(), func(t *testing.T) (*http.Request, []byte) {
			r := robotRequest(t, nil)
			r.Method = http.MethodGet
			return r, nil
		}, core.ErrMalformed},
		"robot on events-only source": {dingtalk.Settings{Mode: dingtalk.ModeEvents, Token: vecToken, AESKey: vecAESKey, OwnerKey: vecOwnerKey},
			robotWith(func(*http.Request) {}), core.ErrBadSignature},
		"event ok": {eventSettings(), func(t *testing.T) (*http.Request, []byte) {
			sl := sealWith(t, vecToken, vecAESKey, vecOwnerKey, eventPlain)
			return pushRequest(sl), sl.Body
		}, nil},
		"event on robot-only source": {settings(), func(t *testing.T) (*http.Request, []byte) {
			sl := sealWith(t, vecToken, vecAESKey, vecOwnerKey, eventPlain)
			return pushRequest(sl), sl.Body
		}, core.ErrBadSignature},
		"event wrong token": {eventSettings(), func(t *testing.T) (*http.Request, []byte) {
			sl := sealWith(t, "other-token", vecAESKey, vecOwnerKey, eventPlain)
			return pushRequest(sl), sl.Body
		}, core.ErrBadSignature},
		"event wrong aes key": {eventSettings(), func(t *testing.T) (*http.Request, []byte) {
			sl := sealWith(t, vecToken, otherAESKey, vecOwnerKey, eventPlain)
			return pushRequest(sl), sl.Body
		}, core.ErrBadSignature},
		"event wrong owner key": {eventSettings(), func(t *testing.T) (*http.Request, []byte) {
			sl := sealWith(t, vecToken, vecAESKey, "dingother", eventPlain)
			return pushRequest(sl), sl.Body
		}, core.ErrBadSignature},
		"event tampered ciphertext": {eventSettings(), func(t *testing.T) (*http.Request, []byte) {
			// Flip the last block: padding no longer checks.
			enc := []byte(vecEncrypt)
			enc[len(enc)-5] ^= 0x01
			r := resign(string(enc))
			return r, body(r)
		}, core.ErrBadSignature},
		"event not base64": {eventSettings(), func(t *testing.T) (*http.Request, []byte) {
			r := resign("%%%%")
			return r, body(r)
		}, core.ErrMalformed},
		"event partial block": {eventSettings(), func(t *testing.T) (*http.Request, []byte) {
			r := resign("AAAAAAAA")
			return r, body(r)
		}, core.ErrMalformed},
		"event no nonce": {eventSettings(), func(t *testing.T) (*http.Request, []byte) {
			r := httptest.NewRequest(http.MethodPost, "/hooks/im/dt?signature="+vecSignature+"&timestamp="+vecTimestamp, strings.NewReader(`{"encrypt":"`+vecEncrypt+`"}`))
			return r, body(r)
		}, core.ErrBadSignature},
		"event malformed json": {eventSettings(), func(t *testing.T) (*http.Request, []byte) {
			r := httptest.NewRequest(http.MethodPost, "/hooks/im/dt?signature=x&timestamp=1&nonce=2", strings.NewReader(`{"encrypt":`))
			return r, body(r)
		}, core.ErrMalformed},
		"event no encrypt": {eventSettings(), func(t *testing.T) (*http.Request, []byte) {
			r := httptest.NewRequest(http.MethodPost, "/hooks/im/dt?signature=x&timestamp=1&nonce=2", strings.NewReader(`{}`))
			return r, body(r)
		}, core.ErrMalformed},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := newSource(t, tt.settings)
			r, b := tt.req(t)
			err := src.Verify(r, b)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

// A signed robot callback whose body is not a usable message is refused
// by Parse as malformed (after Verify, which never reads the body).
func TestParseRejectsMalformed(t *testing.T) {
	t.Parallel()
	src := newSource(t, settings())
	tests := map[string]string{
		"not json":        `{"msgId":`,
		"no msgId":        `{"conversationId":"c","msgtype":"text","createAt":1,"senderStaffId":"u","text":{"content":"x"}}`,
		"no conversation": `{"msgId":"m","msgtype":"text","createAt":1,"senderStaffId":"u","text":{"content":"x"}}`,
		"no msgtype":      `{"msgId":"m","conversationId":"c","createAt":1,"senderStaffId":"u"}`,
		"no createAt":     `{"msgId":"m","conversationId":"c","msgtype":"text","senderStaffId":"u","text":{"content":"x"}}`,
		"no sender":       `{"msgId":"m","conversationId":"c","msgtype":"text","createAt":1,"text":{"content":"x"}}`,
		"empty text":      `{"msgId":"m","conversationId":"c","msgtype":"text","createAt":1,"senderStaffId":"u","text":{"content":"  "}}`,
		"picture no code": `{"msgId":"m","conversationId":"c","msgtype":"picture","createAt":1,"senderStaffId":"u","content":{}}`,
		"string createAt": `{"msgId":"m","conversationId":"c","msgtype":"text","createAt":"1","senderStaffId":"u","text":{"content":"x"}}`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := robotRequest(t, []byte(body))
			if err := src.Verify(r, []byte(body)); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if _, err := src.Parse(context.Background(), r, []byte(body)); !errors.Is(err, core.ErrMalformed) {
				t.Fatalf("Parse = %v, want ErrMalformed", err)
			}
		})
	}
}
