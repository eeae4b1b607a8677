package dingtalk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Waits after DingTalk's rate-limit answers, which carry no Retry-After:
// the API's limits are counted per second (QPS) or per minute, the custom
// robot's per minute (20 messages).
const (
	qpsWait       = 5 * time.Second
	rateLimitWait = time.Minute
	busyWait      = 5 * time.Second
)

// Old-API errcodes we act on.
const (
	errBusy         = -1
	errInvalidToken = 40014
	errTokenExpired = 42001
	errTooFast      = 130101 // custom robot: more than 20 messages a minute
	errSignMismatch = 310000 // custom robot: sign, keyword or IP check failed
	errNoRobotToken = 300001 // custom robot / session: token does not exist
)

// apiClient calls DingTalk's two API generations with cached tokens: the
// v1.0 API takes x-acs-dingtalk-access-token from /v1.0/oauth2/accessToken,
// the old API an access_token query parameter from /gettoken.
type apiClient struct {
	api, oapi         string
	appKey, appSecret string
	http              *http.Client
	now               func() time.Time

	newToken, oldToken tokenCache
}

// tokenCache holds one access token; the lock is held across a fetch so
// concurrent calls share it.
type tokenCache struct {
	mu     sync.Mutex
	token  string
	expiry time.Time
}

func (c *tokenCache) get(ctx context.Context, now func() time.Time, force bool, fetch func(context.Context) (string, time.Duration, error)) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !force && c.token != "" && now().Before(c.expiry) {
		return c.token, nil
	}
	tok, ttl, err := fetch(ctx)
	if err != nil {
		return "", err
	}
	// Refresh ahead of expiry: a tenth of the lifetime, at most 5 minutes.
	margin := min(ttl/10, 5*time.Minute)
	c.token, c.expiry = tok, now().Add(ttl-margin)
	return tok, nil
}

// accessToken is the v1.0 API token.
func (c *apiClient) accessToken(ctx context.Context, force bool) (string, error) {
	return c.newToken.get(ctx, c.now, force, c.fetchToken)
}

// oldAccessToken is the old API's token.
func (c *apiClient) oldAccessToken(ctx context.Context, force bool) (string, error) {
	return c.oldToken.get(ctx, c.now, force, c.fetchOldToken)
}

func (c *apiClient) fetchToken(ctx context.Context) (string, time.Duration, error) {
	const op = "get access token"
	if c.appKey == "" || c.appSecret == "" {
		return "", 0, &core.CallError{Op: op, Permanent: true, Message: "app_key and app_secret are not both set"}
	}
	var ans tokenAnswer
	if err := c.doAPI(ctx, op, "", "/v1.0/oauth2/accessToken", TokenRequest{AppKey: c.appKey, AppSecret: c.appSecret}, &ans); err != nil {
		return "", 0, err
	}
	if ans.AccessToken == "" {
		return "", 0, &core.CallError{Op: op, Status: http.StatusOK, Message: "answer carries no accessToken"}
	}
	return ans.AccessToken, lifetime(ans.ExpireIn), nil
}

func (c *apiClient) fetchOldToken(ctx context.Context) (string, time.Duration, error) {
	const op = "get access token (old api)"
	if c.appKey == "" || c.appSecret == "" {
		return "", 0, &core.CallError{Op: op, Permanent: true, Message: "app_key and app_secret are not both set"}
	}
	var ans oldTokenAnswer
	q := url.Values{"appkey": {c.appKey}, "appsecret": {c.appSecret}}
	if err := c.doJSON(ctx, op, http.MethodGet, c.oapi+"/gettoken?"+q.Encode(), nil, nil, &ans); err != nil {
		return "", 0, err
	}
	if ans.ErrCode != 0 {
		ce := classifyOld(op, ans.ErrCode, ans.ErrMsg)
		if !ce.Permanent && ce.RetryAfter == 0 {
			// A refused key or secret will not improve by asking again.
			ce.Permanent = true
		}
		return "", 0, ce
	}
	if ans.AccessToken == "" {
		return "", 0, &core.CallError{Op: op, Status: http.StatusOK, Message: "answer carries no access_token"}
	}
	return ans.AccessToken, lifetime(ans.ExpiresIn), nil
}

func lifetime(secs int64) time.Duration {
	if secs <= 0 {
		return 7200 * time.Second
	}
	return time.Duration(secs) * time.Second
}

// callAPI runs one v1.0 API POST with the access token, refreshing the
// token once when DingTalk refuses it.
func (c *apiClient) callAPI(ctx context.Context, op, path string, body, out any) error {
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx, attempt > 0)
		if err != nil {
			return err
		}
		err = c.doAPI(ctx, op, tok, path, body, out)
		if attempt == 0 && isAuthError(err) {
			continue
		}
		return err
	}
}

// callOld runs one old-API POST with the access_token, refreshing it once
// on the expired-token codes; a non-zero errcode becomes a CallError.
func (c *apiClient) callOld(ctx context.Context, op, path string, body any, out interface{ result() (int, string) }) error {
	for attempt := 0; ; attempt++ {
		tok, err := c.oldAccessToken(ctx, attempt > 0)
		if err != nil {
			return err
		}
		u := c.oapi + path + "?" + url.Values{"access_token": {tok}}.Encode()
		if err := c.doJSON(ctx, op, http.MethodPost, u, nil, body, out); err != nil {
			return err
		}
		code, msg := out.result()
		if code == 0 {
			return nil
		}
		if (code == errInvalidToken || code == errTokenExpired) && attempt == 0 {
			continue
		}
		return classifyOld(op, code, msg)
	}
}

func (a *UserGetAnswer) result() (int, string) { return a.ErrCode, a.ErrMsg }
func (a *oapiError) result() (int, string)     { return a.ErrCode, a.ErrMsg }

// doAPI POSTs to the v1.0 API; token may be empty (the token call).
func (c *apiClient) doAPI(ctx context.Context, op, token, path string, body, out any) error {
	var h http.Header
	if token != "" {
		h = http.Header{"X-Acs-Dingtalk-Access-Token": {token}}
	}
	return c.doJSON(ctx, op, http.MethodPost, c.api+path, h, body, out)
}

// doJSON sends one request and decodes a 2xx answer into out; other
// answers become CallErrors carrying DingTalk's code and message.
func (c *apiClient) doJSON(ctx context.Context, op, method, u string, h http.Header, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return &core.CallError{Op: op, Permanent: true, Err: fmt.Errorf("encode body: %w", err)}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &core.CallError{Op: op, Err: redactURL(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Err: fmt.Errorf("read answer: %w", err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return classifyStatus(op, resp, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Message: "answer is not JSON", Err: err}
	}
	return nil
}

// classifyStatus reads a v1.0 error answer ({"code","message"}): QPS and
// flow-control codes are worth retrying later whatever the status.
func classifyStatus(op string, resp *http.Response, data []byte) *core.CallError {
	var e apiErrorBody
	msg := truncate(strings.TrimSpace(string(data)), 500)
	if json.Unmarshal(data, &e) == nil && (e.Code != "" || e.Message != "") {
		msg = strings.TrimSpace(e.Code + ": " + e.Message)
	}
	wait := retryAfter(resp.Header.Get("Retry-After"))
	ce := core.ClassifyStatus(op, resp.StatusCode, msg, wait)
	if isThrottleCode(e.Code) || resp.StatusCode == http.StatusTooManyRequests {
		ce.Permanent = false
		if ce.RetryAfter == 0 {
			ce.RetryAfter = qpsWait
		}
	}
	return ce
}

func isThrottleCode(code string) bool {
	c := strings.ToLower(code)
	return strings.Contains(c, "qpslimit") || strings.Contains(c, "throttl") || strings.Contains(c, "flowcontrol")
}

// isAuthError reports whether the v1.0 API refused the access token, so a
// fresh one may succeed.
func isAuthError(err error) bool {
	var ce *core.CallError
	if !errors.As(err, &ce) {
		return false
	}
	if ce.Status == http.StatusUnauthorized {
		return true
	}
	// The message starts with DingTalk's code (see classifyStatus).
	code, _, _ := strings.Cut(strings.ToLower(ce.Message), ":")
	return code == "invalidauthentication" || strings.Contains(code, "accesstoken")
}

// classifyOld turns an old-API errcode into a CallError: busy and rate
// limits are worth retrying, anything else fails again the same way.
func classifyOld(op string, code int, msg string) *core.CallError {
	ce := &core.CallError{Op: op, Status: http.StatusOK, Message: fmt.Sprintf("errcode %d: %s", code, msg), Permanent: true}
	switch code {
	case errBusy:
		ce.Permanent, ce.RetryAfter = false, busyWait
	case errTooFast, 90002, 90005, 90006, 90018:
		ce.Permanent, ce.RetryAfter = false, rateLimitWait
	case errInvalidToken, errTokenExpired:
		// Refreshed and still refused: a clock or proxy problem; retry.
		ce.Permanent = false
	}
	return ce
}

func retryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

// redactURL keeps tokens, sessions and signatures out of error messages:
// url.Error quotes the whole URL.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
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
