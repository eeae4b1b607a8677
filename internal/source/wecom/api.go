package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// rateLimitWait is how long to wait after WeCom's rate-limit codes; the
// API sends no Retry-After, and its limits are counted per minute.
const rateLimitWait = time.Minute

// busyWait is the wait after errcode -1 (system busy).
const busyWait = 5 * time.Second

// WeCom error codes we act on.
const (
	errBusy            = -1
	errInvalidSecret   = 40001
	errInvalidToken    = 40014
	errTokenExpired    = 42001
	errTaskIDExists    = 42014
	errRateLimit       = 45009
	errConcurrentLimit = 45033
)

// tokenExpired lists the codes after which a fresh token may succeed.
func tokenExpired(code int) bool {
	return code == errInvalidToken || code == errTokenExpired || code == errInvalidSecret
}

// apiClient calls WeCom's server API with a cached access token.
type apiClient struct {
	base   string
	corpID string
	secret string
	http   *http.Client
	now    func() time.Time

	mu     sync.Mutex
	token  string
	expiry time.Time
}

// accessToken returns the cached token, fetching a new one when there is
// none, it is near expiry, or force is set (after an expired-token code).
// The lock is held across the fetch so concurrent posts share one.
func (c *apiClient) accessToken(ctx context.Context, force bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !force && c.token != "" && c.now().Before(c.expiry) {
		return c.token, nil
	}
	tok, ttl, err := c.fetchToken(ctx)
	if err != nil {
		return "", err
	}
	// Refresh ahead of expiry: a tenth of the lifetime, at most 5 minutes.
	margin := min(ttl/10, 5*time.Minute)
	c.token, c.expiry = tok, c.now().Add(ttl-margin)
	return tok, nil
}

func (c *apiClient) fetchToken(ctx context.Context) (string, time.Duration, error) {
	const op = "get access token"
	q := url.Values{"corpid": {c.corpID}, "corpsecret": {c.secret}}
	var ans tokenAnswer
	if err := c.do(ctx, op, http.MethodGet, "/cgi-bin/gettoken", q, nil, &ans); err != nil {
		return "", 0, err
	}
	if ans.ErrCode != 0 {
		ce := classify(op, ans.ErrCode, ans.ErrMsg)
		// A refused secret will not improve by asking again.
		if ans.ErrCode == errInvalidSecret || ans.ErrCode == 40013 || ans.ErrCode == 40091 {
			ce.Permanent, ce.RetryAfter = true, 0
		}
		return "", 0, ce
	}
	if ans.AccessToken == "" {
		return "", 0, &core.CallError{Op: op, Status: http.StatusOK, Message: "answer carries no access_token"}
	}
	ttl := time.Duration(ans.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = 7200 * time.Second
	}
	return ans.AccessToken, ttl, nil
}

// answer is a decoded API answer that reports its errcode and errmsg.
type answer interface{ result() (int, string) }

func (a *SendAnswer) result() (int, string) { return a.ErrCode, a.ErrMsg }
func (a *UserAnswer) result() (int, string) { return a.ErrCode, a.ErrMsg }
func (a *apiError) result() (int, string)   { return a.ErrCode, a.ErrMsg }

// call runs one API request with the access token, refreshing the token
// once and retrying when WeCom says it expired.
func (c *apiClient) call(ctx context.Context, op, method, path string, q url.Values, body any, out answer) error {
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx, attempt > 0)
		if err != nil {
			return err
		}
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("access_token", tok)
		if err := c.do(ctx, op, method, path, qq, body, out); err != nil {
			return err
		}
		code, msg := out.result()
		if code == 0 {
			return nil
		}
		if tokenExpired(code) && attempt == 0 {
			continue
		}
		return classify(op, code, msg)
	}
}

// do sends one request and decodes a 200 answer's JSON into out.
func (c *apiClient) do(ctx context.Context, op, method, path string, q url.Values, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return &core.CallError{Op: op, Permanent: true, Err: fmt.Errorf("encode body: %w", err)}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path+"?"+q.Encode(), rd)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &core.CallError{Op: op, Err: redactToken(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Err: fmt.Errorf("read answer: %w", err)}
	}
	if resp.StatusCode != http.StatusOK {
		return core.ClassifyStatus(op, resp.StatusCode, truncate(strings.TrimSpace(string(data)), 500), 0)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Message: "answer is not JSON", Err: err}
	}
	return nil
}

// classify turns a non-zero errcode into a CallError: rate limits and
// "busy" are worth retrying later, everything else (unknown user, no
// permission, bad request) will fail again the same way.
func classify(op string, code int, msg string) *core.CallError {
	ce := &core.CallError{Op: op, Status: http.StatusOK, Message: fmt.Sprintf("errcode %d: %s", code, msg), Permanent: true}
	switch code {
	case errRateLimit, errConcurrentLimit:
		ce.Permanent, ce.RetryAfter = false, rateLimitWait
	case errBusy:
		ce.Permanent, ce.RetryAfter = false, busyWait
	case errInvalidToken, errTokenExpired:
		// The token was refreshed and still refused: maybe a clock or
		// proxy problem; let the job retry.
		ce.Permanent = false
	}
	return ce
}

// redactToken keeps the access token out of error messages: url.Error
// quotes the whole URL.
func redactToken(err error) error {
	if ue, ok := err.(*url.Error); ok {
		if u, perr := url.Parse(ue.URL); perr == nil {
			q := u.Query()
			for _, k := range []string{"access_token", "corpsecret"} {
				if q.Has(k) {
					q.Set(k, "REDACTED")
				}
			}
			u.RawQuery = q.Encode()
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
