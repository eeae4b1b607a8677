package wxwork_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/wxwork"
)

// Errcodes: throttling and busy wait and retry, an expired token retries,
// the rest is permanent with WeCom's message.
func TestClassify(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		code      int
		permanent bool
		wait      time.Duration
	}{
		"rate limit":   {wxwork.ErrRateLimit, false, wxwork.RateLimitWait},
		"concurrency":  {wxwork.ErrConcurrentLimit, false, wxwork.RateLimitWait},
		"busy":         {wxwork.ErrBusy, false, wxwork.BusyWait},
		"token":        {wxwork.ErrTokenExpired, false, 0},
		"unknown user": {81013, true, 0},
	}
	for name, c := range cases {
		ce := wxwork.Classify("post", c.code, "msg")
		if ce.Permanent != c.permanent || ce.RetryAfter != c.wait || !strings.Contains(ce.Error(), "msg") {
			t.Errorf("%s: %+v", name, ce)
		}
	}
}

// A transport error never carries the token or the secret.
func TestHideSecrets(t *testing.T) {
	t.Parallel()
	err := wxwork.HideSecrets(&url.Error{Op: "Get", URL: "https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=c&corpsecret=S3CRET&access_token=T0KEN", Err: errors.New("reset")})
	if s := err.Error(); strings.Contains(s, "S3CRET") || strings.Contains(s, "T0KEN") || !strings.Contains(s, "reset") {
		t.Fatalf("%s", s)
	}
	var ce *core.CallError
	if errors.As(err, &ce) {
		t.Fatal("HideSecrets must keep the error's type")
	}
}
