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
)

// im-protocols.md §4.4, from open-dingtalk/DingTalk-Callback-Crypto.
const (
	vecSignature = "f36f4ba5337d426c7d4bca0dbcb06b3ddc1388fc"
	vecTimestamp = "1605695694141"
	vecNonce     = "WelUQl6bCqcBa2fM"
	vecEncrypt   = "X1VSe9cTJUMZu60d3kyLYTrBq5578ZRJtteU94wG0Q4Uk6E/wQYeJRIC0/UFW5Wkya1Ihz9oXAdLlyC9TRaqsQ=="
	vecRandom    = "WelUQl6bCqcBa2fM"
)

// The official vector: signature, decryption to "success", and
// re-encryption with the vector's random prefix reproducing it exactly
// (which also proves the 32-byte padding: pad 27).
func TestOfficialEventVector(t *testing.T) {
	t.Parallel()
	c, err := dingtalk.NewCrypto(vecToken, vecAESKey, vecOwnerKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		check func(t *testing.T)
	}{
		"signature": {func(t *testing.T) {
			if got := c.Signature(vecTimestamp, vecNonce, vecEncrypt); got != vecSignature {
				t.Fatalf("signature %s, want %s", got, vecSignature)
			}
			if !c.CheckSignature(strings.ToUpper(vecSignature), vecTimestamp, vecNonce, vecEncrypt) {
				t.Fatal("upper-case hex refused")
			}
		}},
		"decrypt": {func(t *testing.T) {
			plain, err := c.Decrypt(vecEncrypt)
			if err != nil || string(plain) != "success" {
				t.Fatalf("Decrypt = %q, %v", plain, err)
			}
		}},
		"re-encrypt": {func(t *testing.T) {
			got, err := c.Encrypt([]byte(vecRandom), []byte("success"))
			if err != nil || got != vecEncrypt {
				t.Fatalf("Encrypt = %s, %v, want %s", got, err, vecEncrypt)
			}
		}},
		"sealed reply": {func(t *testing.T) {
			rep, err := c.SealReply([]byte(vecRandom), "success", vecTimestamp, vecNonce)
			if err != nil || rep.Encrypt != vecEncrypt || rep.MsgSignature != vecSignature ||
				rep.TimeStamp != vecTimestamp || rep.Nonce != vecNonce {
				t.Fatalf("SealReply = %+v, %v", rep, err)
			}
		}},
		"wrong owner key": {func(t *testing.T) {
			other, _ := dingtalk.NewCrypto(vecToken, vecAESKey, "dingyyyyyy")
			if _, err := other.Decrypt(vecEncrypt); !errors.Is(err, core.ErrBadSignature) {
				t.Fatalf("Decrypt with another owner key: %v", err)
			}
		}},
		// The vector's ciphertext, pushed to the source exactly as
		// DingTalk would, passes Verify; Parse answers with a fresh
		// encrypted success whose signature checks.
		"through the source": {func(t *testing.T) {
			src := newSource(t, eventSettings())
			body := []byte(`{"encrypt":"` + vecEncrypt + `"}`)
			for _, q := range []string{
				"signature=" + vecSignature + "&timestamp=" + vecTimestamp + "&nonce=" + vecNonce,
				"msg_signature=" + vecSignature + "&timeStamp=" + vecTimestamp + "&nonce=" + vecNonce,
			} {
				r := httptest.NewRequest(http.MethodPost, "/hooks/im/dt?"+q, strings.NewReader(string(body)))
				if err := src.Verify(r, body); err != nil {
					t.Fatalf("Verify(%s): %v", q, err)
				}
				// "success" is not an event JSON: Parse refuses it as
				// malformed, after the signature and decryption passed.
				if _, err := src.Parse(context.Background(), r, body); !errors.Is(err, core.ErrMalformed) {
					t.Fatalf("Parse: %v", err)
				}
			}
		}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tt.check(t)
		})
	}
}

// DingTalk publishes no fixed vector for the robot sign (its samples use
// the current time), so these are computed independently: HMAC-SHA256
// keyed by the secret over "<ms>\n<secret>", base64. Both were
// computed with Python's hmac module.
func TestRobotSign(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		secret string
		ts     int64
		want   string
	}{
		"doc-style secret": {secret: "SEC000000000000000000000", ts: 1577262236757, want: pySign1},
		"empty secret":     {secret: "", ts: 0, want: pySign2},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := dingtalk.Sign(tt.secret, tt.ts); got != tt.want {
				t.Fatalf("Sign = %s, want %s", got, tt.want)
			}
		})
	}
}

// The robot callback's window, with the injected clock: accepted inside
// one hour either way, stale at or beyond it.
func TestRobotWindow(t *testing.T) {
	t.Parallel()
	src := newSource(t, settings())
	body := []byte(`{}`)
	tests := map[string]struct {
		offset time.Duration
		want   error
	}{
		"now":              {0, nil},
		"59 minutes old":   {-59 * time.Minute, nil},
		"59 minutes ahead": {59 * time.Minute, nil},
		"an hour old":      {-time.Hour, core.ErrStale},
		"two hours ahead":  {2 * time.Hour, core.ErrStale},
		"a day old":        {-24 * time.Hour, core.ErrStale},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := clock.Add(tt.offset).UnixMilli()
			r := httptest.NewRequest(http.MethodPost, "/hooks/im/dt", strings.NewReader(string(body)))
			r.Header.Set("timestamp", strconv.FormatInt(ts, 10))
			r.Header.Set("sign", dingtalk.Sign(appSecret, ts))
			err := src.Verify(r, body)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

const (
	pySign1 = "xOJIB8eNoYWeLy26EMZOlc2RjOJbtPv9HYjm+E3uALU="
	pySign2 = "Q9tEPDPpqPnAbOT2fNJuW8fHBSbcKNHJA/iXNesb6iA="
)
