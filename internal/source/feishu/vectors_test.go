package feishu_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/feishu"
)

// Official vectors of im-protocols.md §2.6.
const (
	f1Key     = "test key"
	f1Encrypt = "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="
	f2Key     = "1212121212"
	f2Encrypt = "bZ3L7yh6m3Fkuffl4g+3uGjIHnhOm5fVZbKVuyT8t7tcd5ABMYm8l28/X900ZL3knZ7n+sCREu/H2WnIzft0amC7+xWqNH8o25IU63N4BnZWfHh+4hyG76QPd19vkw2bPJCx9aqxK8Nz+xqFNbk0RdgyWhmgd30jSxHtcQXAllkI7FMpGpOCteJad3bLXPDBQIV/xkCtKICCS7Z63gakpxZCLaRZ3qCXP1fapHh+LBIupxenrU6ysc7I3nHmjmKie41IiWwS5puG4zQHhVbq6KWLcgWm/3NBZOPQy53ucMu75SXA55I7jarVLZXWUcqBGrcgE3vouWbtwgZuzmoTQl0GSh5VYSVvpW992BuGxUWj0XjPYdICJm6Cr7xouNXwMcdb7N8caVdkdSZeEnswG19qSyDoQhklwzNGW0yiaayulBqJNjfge/G5V3401c2XaIuAeEIo+QQ4RSNpRGfnHkbu/j55FGQAGWjpuBNaIwZbaUoVP3NkGP+vM5rpEDe3sL2GN+Xsd+g9yBs7FqdMV8mXTGgLjCqjrPrke5/km76Q3Pe6KPs2YexMRG4MkSx3xUTzZnNn7zIzShPcjeSwBd2pxk6ht5N+fzueZdxl6Oo="
	f2Plain   = `{"schema":"2.0","header":{"event_id":"f7984f25108f8137722bb63cee927e66","event_type":"contact.user.created_v3","app_id":"cli_xxxxxxxx","tenant_key":"xxxxxxx","create_time":"1603977298000000","token":"v"},"event":{"object":{"open_id":"ou_7dab8a3d3cdcc9da365777c7ad535d62","union_id":"on_576833b917gda3d939b9a3c2d53e72c8","user_id":"e33ggbyz","name":"张三","employee_no":"employee_no"}},"challenge":"1212","type":"url_verification"}`
	// F3 is self-computed (no official signature vector exists).
	f3Sig = "4dca085198cb3216defc5b65b0668c1328b038a22dbadf2bc6c4fdc3d32bbc45"
)

func TestVectors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		key, encrypt, want string
	}{
		"F1 official doc sample":    {f1Key, f1Encrypt, "hello world"},
		"F2 oapi-sdk-go dispatcher": {f2Key, f2Encrypt, f2Plain},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := feishu.Decrypt(tt.key, tt.encrypt)
			if err != nil || string(got) != tt.want {
				t.Fatalf("Decrypt = %q, %v", got, err)
			}
			// Our Encrypt must round-trip through Decrypt.
			enc, err := feishu.Encrypt(tt.key, got, bytes.NewReader(make([]byte, 16)))
			if err != nil {
				t.Fatal(err)
			}
			if back, err := feishu.Decrypt(tt.key, enc); err != nil || string(back) != tt.want {
				t.Fatalf("round trip = %q, %v", back, err)
			}
		})
	}
	t.Run("F3 signature self-check", func(t *testing.T) {
		t.Parallel()
		if got := feishu.Signature("timestamp", "nonce", f2Key, []byte(f2Plain)); got != f3Sig {
			t.Fatalf("Signature = %s", got)
		}
	})
}

// The vectors through Verify and Parse, with the injected clock.
func TestVectorsThroughSource(t *testing.T) {
	t.Parallel()
	src := newSource(t, feishu.Settings{VerificationToken: "v", EncryptKey: f2Key})
	ts := strconv.FormatInt(clock.Unix(), 10)
	encBody := []byte(`{"encrypt":"` + f2Encrypt + `"}`)
	tests := map[string]struct {
		body      []byte
		ts, sig   string
		wantErr   error
		challenge string
	}{
		"F2 encrypted, signed now":                         {body: encBody, ts: ts, sig: feishu.Signature(ts, "nonce", f2Key, encBody), challenge: "1212"},
		"F2 encrypted challenge unsigned":                  {body: encBody, challenge: "1212"},
		"F3 vector: signature right, timestamp not a time": {body: []byte(f2Plain), ts: "timestamp", sig: f3Sig, wantErr: core.ErrStale},
		"F2 signed with wrong key":                         {body: encBody, ts: ts, sig: feishu.Signature(ts, "nonce", "other", encBody), wantErr: core.ErrBadSignature},
		"F2 signed an hour ago":                            {body: encBody, ts: strconv.FormatInt(clock.Add(-time.Hour).Unix(), 10), wantErr: core.ErrStale},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/hooks/im/fs", bytes.NewReader(tt.body))
			if tt.ts != "" {
				r.Header.Set(feishu.HeaderTimestamp, tt.ts)
				r.Header.Set(feishu.HeaderNonce, "nonce")
				sig := tt.sig
				if sig == "" {
					sig = feishu.Signature(tt.ts, "nonce", f2Key, tt.body)
				}
				r.Header.Set(feishu.HeaderSignature, sig)
			}
			err := src.Verify(r, tt.body)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify = %v", err)
			}
			in, err := src.Parse(context.Background(), r, tt.body)
			if err != nil || in.Reply == nil || len(in.Events) != 0 {
				t.Fatalf("Parse = %+v, %v", in, err)
			}
			var got map[string]string
			if json.Unmarshal(in.Reply.Body, &got) != nil || got["challenge"] != tt.challenge || in.Reply.Status != 200 {
				t.Fatalf("reply %d %s", in.Reply.Status, in.Reply.Body)
			}
		})
	}
}

func TestVerifyRefusals(t *testing.T) {
	t.Parallel()
	withKey := newSource(t, feishu.Settings{EncryptKey: encKey, Tolerance: time.Minute})
	plainSrc := newSource(t, feishu.Settings{})
	msg := []byte(`{"schema":"2.0","header":{"event_id":"e1","event_type":"im.message.receive_v1","token":"` + vtoken + `"},"event":{}}`)
	wrongTok := bytes.Replace(msg, []byte(vtoken), []byte("forged"), 1)
	v1 := []byte(`{"uuid":"u1","token":"` + vtoken + `","type":"event_callback","event":{}}`)

	// corrupt returns a signed delivery whose ciphertext was changed by mutate.
	corrupt := func(mutate func(raw []byte) string) func(t *testing.T) (*http.Request, []byte) {
		return func(t *testing.T) (*http.Request, []byte) {
			enc, _ := feishu.Encrypt(encKey, msg, bytes.NewReader(make([]byte, 16)))
			raw := []byte(enc)
			body, _ := json.Marshal(map[string]string{"encrypt": mutate(raw)})
			return signedRaw(clock, body), body
		}
	}
	tests := map[string]struct {
		src  *feishu.Source
		make func(t *testing.T) (*http.Request, []byte)
		want error
	}{
		"valid encrypted event": {src: withKey, make: func(t *testing.T) (*http.Request, []byte) { return delivery(t, encKey, clock, msg) }},
		"valid plain v2 token":  {src: plainSrc, make: func(t *testing.T) (*http.Request, []byte) { return delivery(t, "", clock, msg) }},
		"valid plain v1 token":  {src: plainSrc, make: func(t *testing.T) (*http.Request, []byte) { return delivery(t, "", clock, v1) }},
		"inside window":         {src: withKey, make: func(t *testing.T) (*http.Request, []byte) { return delivery(t, encKey, clock.Add(-time.Minute), msg) }},
		"wrong signature key": {src: withKey, want: core.ErrBadSignature, make: func(t *testing.T) (*http.Request, []byte) {
			r, b := delivery(t, encKey, clock, msg)
			r.Header.Set(feishu.HeaderSignature, feishu.Signature(r.Header.Get(feishu.HeaderTimestamp), "n0nce", "nope", b))
			return r, b
		}},
		"tampered body": {src: withKey, want: core.ErrBadSignature, make: func(t *testing.T) (*http.Request, []byte) {
			r, _ := delivery(t, encKey, clock, msg)
			other, _ := delivery(t, encKey, clock, msg)
			b, _ := readAll(other)
			return r, b
		}},
		"stale": {src: withKey, want: core.ErrStale, make: func(t *testing.T) (*http.Request, []byte) {
			return delivery(t, encKey, clock.Add(-61*time.Second), msg)
		}},
		"future":                {src: withKey, want: core.ErrStale, make: func(t *testing.T) (*http.Request, []byte) { return delivery(t, encKey, clock.Add(61*time.Second), msg) }},
		"wrong token encrypted": {src: withKey, want: core.ErrBadSignature, make: func(t *testing.T) (*http.Request, []byte) { return delivery(t, encKey, clock, wrongTok) }},
		"wrong token plain":     {src: plainSrc, want: core.ErrBadSignature, make: func(t *testing.T) (*http.Request, []byte) { return delivery(t, "", clock, wrongTok) }},
		"no token": {src: plainSrc, want: core.ErrBadSignature, make: func(t *testing.T) (*http.Request, []byte) {
			return delivery(t, "", clock, []byte(`{"type":"event_callback"}`))
		}},
		"unsigned event with key": {src: withKey, want: core.ErrBadSignature, make: func(t *testing.T) (*http.Request, []byte) {
			r, b := delivery(t, encKey, clock, msg)
			r.Header.Del(feishu.HeaderSignature)
			return r, b
		}},
		"encrypted without key configured": {src: plainSrc, want: core.ErrBadSignature, make: func(t *testing.T) (*http.Request, []byte) { return delivery(t, encKey, clock, msg) }},
		"decrypts under other key": {src: withKey, want: core.ErrBadSignature, make: corrupt(func(raw []byte) string {
			e, _ := feishu.Encrypt("other", msg, bytes.NewReader(make([]byte, 16)))
			return e
		})},
		"corrupt base64":       {src: withKey, want: core.ErrBadSignature, make: corrupt(func(raw []byte) string { return "!!" + string(raw[2:]) })},
		"truncated ciphertext": {src: withKey, want: core.ErrBadSignature, make: corrupt(func(raw []byte) string { return string(raw[:24]) })},
		"bad padding": {src: withKey, want: core.ErrBadSignature, make: func(t *testing.T) (*http.Request, []byte) {
			enc, _ := feishu.Encrypt(encKey, msg, bytes.NewReader(make([]byte, 16)))
			body, _ := json.Marshal(map[string]string{"encrypt": badPadding(t, enc)})
			return signedRaw(clock, body), body
		}},
		"malformed JSON plain": {src: plainSrc, want: core.ErrMalformed, make: func(t *testing.T) (*http.Request, []byte) { return delivery(t, "", clock, []byte(`{"schema":`)) }},
		"GET": {src: plainSrc, want: core.ErrBadSignature, make: func(t *testing.T) (*http.Request, []byte) {
			return httptest.NewRequest(http.MethodGet, "/hooks/im/fs", nil), nil
		}},
		"odd signature form": {src: withKey, want: core.ErrBadSignature, make: func(t *testing.T) (*http.Request, []byte) {
			r, b := delivery(t, encKey, clock, msg)
			r.Header.Set(feishu.HeaderSignature, "abc")
			return r, b
		}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, body := tt.make(t)
			err := tt.src.Verify(r, body)
			if tt.want == nil && err != nil {
				t.Fatalf("Verify = %v", err)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

// A card request URL delivery is signed with SHA-1 over the verification
// token (no encrypt key needed).
func TestVerifyCardSignature(t *testing.T) {
	t.Parallel()
	src := newSource(t, feishu.Settings{})
	body := []byte(`{"open_id":"ou_1","open_message_id":"om_card","open_chat_id":"oc_1","token":"` + vtoken + `","action":{"tag":"button","value":{"tb_action":"confirm","tb_token":"p1"}}}`)
	ts := strconv.FormatInt(clock.Unix(), 10)
	for name, tt := range map[string]struct {
		sig  string
		want error
	}{
		"right":                  {sig: feishu.CardSignature(ts, "n", vtoken, body)},
		"wrong token":            {sig: feishu.CardSignature(ts, "n", "other", body), want: core.ErrBadSignature},
		"event form without key": {sig: feishu.Signature(ts, "n", "k", body), want: core.ErrBadSignature},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/hooks/im/fs", bytes.NewReader(body))
			r.Header.Set(feishu.HeaderTimestamp, ts)
			r.Header.Set(feishu.HeaderNonce, "n")
			r.Header.Set(feishu.HeaderSignature, tt.sig)
			if err := src.Verify(r, body); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDecryptErrors(t *testing.T) {
	t.Parallel()
	enc, _ := feishu.Encrypt(encKey, []byte("hello"), bytes.NewReader(make([]byte, 16)))
	for name, tt := range map[string]struct {
		in   string
		want error
	}{
		"not base64":  {"%%%", feishu.ErrCiphertext},
		"iv only":     {"AAAAAAAAAAAAAAAAAAAAAA==", feishu.ErrCiphertext},
		"bad padding": {badPadding(t, enc), feishu.ErrPadding},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := feishu.Decrypt(encKey, tt.in); !errors.Is(err, tt.want) {
				t.Fatalf("Decrypt = %v, want %v", err, tt.want)
			}
		})
	}
}

// badPadding re-encrypts enc's plaintext with a last byte that is not a
// valid PKCS#7 pad (0x00).
func badPadding(t testing.TB, enc string) string {
	t.Helper()
	plain, err := feishu.Decrypt(encKey, enc)
	if err != nil {
		t.Fatal(err)
	}
	// Encrypt a plaintext of whole blocks: Encrypt appends a full pad
	// block, which we then drop so the last byte is the data's own 0x00.
	n := (len(plain)/16 + 1) * 16
	data := append(append([]byte(nil), plain...), make([]byte, n-len(plain))...)
	whole, err := feishu.Encrypt(encKey, data, bytes.NewReader(make([]byte, 16)))
	if err != nil {
		t.Fatal(err)
	}
	raw := mustB64(t, whole)
	return b64(raw[:len(raw)-16])
}

func signedRaw(ts time.Time, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/hooks/im/fs", bytes.NewReader(body))
	sec := strconv.FormatInt(ts.Unix(), 10)
	r.Header.Set(feishu.HeaderTimestamp, sec)
	r.Header.Set(feishu.HeaderNonce, "n0nce")
	r.Header.Set(feishu.HeaderSignature, feishu.Signature(sec, "n0nce", encKey, body))
	return r
}

func readAll(r *http.Request) ([]byte, error) { return io.ReadAll(r.Body) }

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
