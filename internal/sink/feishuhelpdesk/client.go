package feishuhelpdesk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// Feishu codes the sink acts on.
const (
	codeRateLimit = 99991400
	// The tenant_access_token is invalid or expired: fetch a new one.
	codeTokenInvalid  = 99991663
	codeTokenExpired  = 99991677
	codeTokenMissing  = 99991661
	codeTokenBadToken = 99991668
)

func tokenCode(code int) bool {
	return code == codeTokenInvalid || code == codeTokenExpired || code == codeTokenMissing || code == codeTokenBadToken
}

// envelope is every answer's wrapper.
type envelope struct {
	Code int             `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

// codeError is a non-zero code in an answer.
type codeError struct {
	code int
	msg  string
}

func (e *codeError) Error() string { return fmt.Sprintf("code %d: %s", e.code, e.msg) }

// classifyFailure reads a non-2xx answer: Feishu's code and msg, and the
// wait of a rate limit (x-ogw-ratelimit-reset, seconds, beside
// Retry-After).
func classifyFailure(op string, resp *http.Response, data []byte) error {
	var env envelope
	msg := stdwebhook.ErrorMessage(data)
	if json.Unmarshal(data, &env) == nil && env.Code != 0 {
		msg = fmt.Sprintf("code %d: %s", env.Code, env.Msg)
	}
	wait := stdwebhook.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if wait == 0 {
		if n, err := strconv.Atoi(resp.Header.Get("x-ogw-ratelimit-reset")); err == nil && n > 0 {
			wait = time.Duration(n) * time.Second
		}
	}
	ce := core.ClassifyStatus(op, resp.StatusCode, msg, wait)
	if env.Code == codeRateLimit {
		ce.Permanent = false
		if ce.RetryAfter == 0 {
			ce.RetryAfter = time.Second
		}
	}
	if tokenCode(env.Code) {
		ce.Permanent = false
		ce.Err = &codeError{code: env.Code, msg: env.Msg}
	}
	return ce
}

// tenantToken returns the cached tenant_access_token, or a fresh one when
// there is none, it nears expiry, or force is set.
func (s *Sink) tenantToken(ctx context.Context, force bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !force && s.token != "" && s.now().Before(s.expiry) {
		return s.token, nil
	}
	const op = "get tenant access token"
	var ans struct {
		Code              int    `json:"code"`
		Msg               string `json:"msg"`
		TenantAccessToken string `json:"tenant_access_token"`
		Expire            int    `json:"expire"`
	}
	body := map[string]string{"app_id": s.s.AppID, "app_secret": s.s.AppSecret}
	if err := s.tokenClient.JSON(ctx, op, http.MethodPost, "/open-apis/auth/v3/tenant_access_token/internal", body, &ans); err != nil {
		return "", err
	}
	if ans.Code != 0 || ans.TenantAccessToken == "" {
		return "", &core.CallError{Op: op, Status: http.StatusOK, Permanent: true,
			Message: fmt.Sprintf("code %d: %s (check app_id and app_secret)", ans.Code, ans.Msg)}
	}
	ttl := time.Duration(ans.Expire) * time.Second
	if ttl <= 0 {
		ttl = 2 * time.Hour
	}
	s.token, s.expiry = ans.TenantAccessToken, s.now().Add(ttl-min(ttl/10, 5*time.Minute))
	return s.token, nil
}

// call sends one API request with both credentials and decodes the
// answer's data into out. A token Feishu calls invalid is renewed once.
func (s *Sink) call(ctx context.Context, op, method, path string, body, out any) error {
	var payload []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return &core.CallError{Op: op, Permanent: true, Err: fmt.Errorf("encode body: %w", err)}
		}
		payload = b
	}
	for attempt := 0; ; attempt++ {
		tok, err := s.tenantToken(ctx, attempt > 0)
		if err != nil {
			return err
		}
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, s.c.Base+path, rd)
		if err != nil {
			return &core.CallError{Op: op, Permanent: true, Err: err}
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		if payload != nil {
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
		}
		var env envelope
		err = s.c.Send(op, req, &env)
		var ce *codeError
		if errors.As(err, &ce) && attempt == 0 {
			continue
		}
		if err != nil {
			return err
		}
		switch {
		case env.Code == 0:
		case tokenCode(env.Code) && attempt == 0:
			continue
		case env.Code == codeRateLimit:
			return &core.CallError{Op: op, Status: http.StatusOK, Message: fmt.Sprintf("code %d: %s", env.Code, env.Msg), RetryAfter: time.Second}
		default:
			return &core.CallError{Op: op, Status: http.StatusOK, Permanent: !tokenCode(env.Code), Message: fmt.Sprintf("code %d: %s", env.Code, env.Msg)}
		}
		if out == nil || len(env.Data) == 0 {
			return nil
		}
		if err := json.Unmarshal(env.Data, out); err != nil {
			return &core.CallError{Op: op, Status: http.StatusOK, Message: "answer data is not the expected JSON", Err: err}
		}
		return nil
	}
}
