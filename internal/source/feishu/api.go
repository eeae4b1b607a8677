package feishu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// tokenEarly is how long before its expiry a tenant token is replaced, as
// Feishu's own SDKs do.
const tokenEarly = 3 * time.Minute

// Codes saying the access token is missing, expired or invalid; the call
// is made once more with a fresh token.
var tokenCodes = map[int]bool{
	99991661: true, // missing access token
	99991663: true, // tenant access token invalid
	99991664: true, // app access token invalid
	99991665: true, // access token expired
	99991668: true, // invalid access token for authorization
	99991669: true, // token expired
}

// Rate-limit codes: the platform's gateway limit and the message APIs'
// own frequency limits.
var rateCodes = map[int]bool{
	99991400: true, // request trigger frequency limit
	11232:    true, // message send frequency limit
	11233:    true, // chat send frequency limit
	11247:    true, // internal send limit
	230020:   true, // message frequency limit of the chat
}

// defaultBackoff is the wait on a rate limit that names none.
const defaultBackoff = time.Second

type tokenCache struct {
	mu      sync.Mutex
	token   string
	expires time.Time
}

// tenantToken returns a cached tenant access token, fetching a new one
// when there is none, when it is within tokenEarly of expiring, or when
// stale (the token a failed call used) is what the cache still holds.
func (s *Source) tenantToken(ctx context.Context, stale string) (string, error) {
	c := &s.tokens
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.token != stale && s.now().Before(c.expires.Add(-tokenEarly)) {
		return c.token, nil
	}
	body, _ := json.Marshal(map[string]string{"app_id": s.s.AppID, "app_secret": s.s.AppSecret})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.api+"/open-apis/auth/v3/tenant_access_token/internal", bytes.NewReader(body))
	if err != nil {
		return "", &core.CallError{Op: "get tenant token", Permanent: true, Err: err}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	var ans struct {
		Code   int    `json:"code"`
		Msg    string `json:"msg"`
		Token  string `json:"tenant_access_token"`
		Expire int64  `json:"expire"`
	}
	if err := s.roundTrip(req, "get tenant token", &ans); err != nil {
		return "", err
	}
	if ans.Code != 0 || ans.Token == "" {
		return "", classify("get tenant token", http.StatusOK, ans.Code, ans.Msg, nil, s.now())
	}
	c.token = ans.Token
	c.expires = s.now().Add(time.Duration(ans.Expire) * time.Second)
	return c.token, nil
}

// call makes one authorized API call and decodes the answer's data into
// out (when not nil). A token-invalid answer gets one retry with a fresh
// token.
func (s *Source) call(ctx context.Context, op, method, path string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return &core.CallError{Op: op, Permanent: true, Err: err}
		}
	}
	stale := ""
	for attempt := 0; ; attempt++ {
		tok, err := s.tenantToken(ctx, stale)
		if err != nil {
			return err
		}
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, s.api+path, rd)
		if err != nil {
			return &core.CallError{Op: op, Permanent: true, Err: err}
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		if payload != nil {
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
		}
		var ans apiAnswer
		err = s.roundTrip(req, op, &ans)
		if err == nil && ans.Code == 0 {
			if out != nil && len(ans.Data) > 0 {
				if err := json.Unmarshal(ans.Data, out); err != nil {
					return &core.CallError{Op: op, Message: "unreadable answer data", Err: err}
				}
			}
			return nil
		}
		if tokenCodes[codeOf(err, ans.Code)] && attempt == 0 {
			stale = tok
			continue
		}
		if err != nil {
			return err
		}
		return classify(op, http.StatusOK, ans.Code, ans.Msg, nil, s.now())
	}
}

// roundTrip sends req and decodes a JSON answer into out. A non-2xx
// answer becomes a CallError carrying the body's code and msg.
func (s *Source) roundTrip(req *http.Request, op string, out any) error {
	resp, err := s.http.Do(req)
	if err != nil {
		return &core.CallError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var ans apiAnswer
		_ = json.Unmarshal(data, &ans)
		msg := ans.Msg
		if msg == "" && ans.Code == 0 {
			msg = cut(string(data), 200)
		}
		return classify(op, resp.StatusCode, ans.Code, msg, resp.Header, s.now())
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Message: "answer is not JSON", Err: err}
	}
	return nil
}

// codeError is a CallError that remembers Feishu's code, so that callers
// can tell a stale token from other refusals.
type codeError struct {
	*core.CallError
	Code int
}

func (e *codeError) Unwrap() error { return e.CallError }

func codeOf(err error, fallback int) int {
	if ce, ok := err.(*codeError); ok {
		return ce.Code
	}
	return fallback
}

// classify builds the error for a refused call. Rate limits are
// transient and say how long to wait; a code on a 2xx or 4xx answer is
// permanent (bad parameters, missing scopes, bot not in the chat) unless
// it is a rate limit or a token problem; 5xx answers are transient.
func classify(op string, status, code int, msg string, h http.Header, now time.Time) error {
	message := msg
	if code != 0 {
		message = fmt.Sprintf("code %d: %s", code, msg)
	}
	if status == http.StatusTooManyRequests || rateCodes[code] {
		wait := retryAfter(h, now)
		if wait <= 0 {
			wait = defaultBackoff
		}
		return &codeError{&core.CallError{Op: op, Status: status, Message: message, RetryAfter: wait}, code}
	}
	ce := core.ClassifyStatus(op, status, message, retryAfter(h, now))
	switch {
	case tokenCodes[code]:
		// Still refused after a fresh token: the platform's side, retry.
		ce.Permanent = false
	case status >= 200 && status < 300 && code != 0:
		ce.Permanent = true
	}
	return &codeError{ce, code}
}

// retryAfter reads the gateway's x-ogw-ratelimit-reset (seconds) or a
// standard Retry-After.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	for _, k := range []string{"X-Ogw-Ratelimit-Reset", "Retry-After"} {
		v := h.Get(k)
		if v == "" {
			continue
		}
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil && t.After(now) {
			return t.Sub(now)
		}
	}
	return 0
}
