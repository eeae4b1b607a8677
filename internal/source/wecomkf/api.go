package wecomkf

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

// WeCom error codes this source acts on.
const (
	errBusy          = -1
	errInvalidSecret = 40001
	errInvalidToken  = 40014
	errTokenExpired  = 42001
	errRateLimit     = 45009
	errConcurrent    = 45033
)

// opSend names kf/send_msg calls: only its 950xx answers are refusals
// under the reply rules.
const opSend = "send message"

// errMsgToken is sync_msg's "the callback's token is not (or no longer)
// valid"; the token is optional, so the read is repeated without it.
const errMsgToken = 95007

// sendRefusal reports whether an errcode of kf/send_msg is WeCom refusing
// the message under its reply rules rather than a fault: 95001 (more than
// 5 replies since the customer's last message), the 48-hour window,
// 95018 (a session state send_msg may not write to). Every 950xx is
// handled alike, so the exact code of each rule does not matter; trying
// again cannot help until the customer writes.
func sendRefusal(code int) bool { return code >= 95000 && code < 96000 }

// Waits after WeCom's throttling codes; WeCom sends no Retry-After and
// counts its limits per minute.
const (
	rateLimitWait = time.Minute
	busyWait      = 5 * time.Second
)

// apiClient calls WeCom's API with a cached access_token made from the
// 微信客服 secret.
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

// accessToken returns the cached token, or a fresh one when there is
// none, it nears expiry, or force is set (after 40014/42001). The lock is
// held across the fetch so that concurrent calls share one.
func (c *apiClient) accessToken(ctx context.Context, force bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !force && c.token != "" && c.now().Before(c.expiry) {
		return c.token, nil
	}
	const op = "get access token"
	var ans tokenAnswer
	q := url.Values{"corpid": {c.corpID}, "corpsecret": {c.secret}}
	if err := c.do(ctx, op, http.MethodGet, "/cgi-bin/gettoken", q, nil, &ans); err != nil {
		return "", err
	}
	if ans.ErrCode != 0 {
		ce := classify(op, ans.ErrCode, ans.ErrMsg)
		if ans.ErrCode == errInvalidSecret || ans.ErrCode == 40013 {
			// A refused secret does not improve by asking again.
			ce.Permanent, ce.RetryAfter = true, 0
		}
		return "", ce
	}
	if ans.AccessToken == "" {
		return "", &core.CallError{Op: op, Status: http.StatusOK, Message: "answer carries no access_token"}
	}
	ttl := time.Duration(ans.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = 2 * time.Hour
	}
	// Renew ahead of expiry: a tenth of the lifetime, at most 5 minutes.
	c.token, c.expiry = ans.AccessToken, c.now().Add(ttl-min(ttl/10, 5*time.Minute))
	return c.token, nil
}

// post calls a JSON API with the token, refreshing it once when WeCom
// says it expired. out's errcode is left for the caller when it is not a
// token code; errcode is returned beside the error for that purpose.
func (c *apiClient) post(ctx context.Context, op, path string, body any, out any, code func() (int, string)) error {
	for attempt := 0; ; attempt++ {
		tok, err := c.accessToken(ctx, attempt > 0)
		if err != nil {
			return err
		}
		if err := c.do(ctx, op, http.MethodPost, path, url.Values{"access_token": {tok}}, body, out); err != nil {
			return err
		}
		n, msg := code()
		switch {
		case n == 0:
			return nil
		case (n == errInvalidToken || n == errTokenExpired) && attempt == 0:
			continue
		}
		return classify(op, n, msg)
	}
}

// do sends one request and decodes a 200 answer's JSON into out.
func (c *apiClient) do(ctx context.Context, op, method, path string, q url.Values, body, out any) error {
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
		return &core.CallError{Op: op, Err: hideSecrets(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Err: fmt.Errorf("read answer: %w", err)}
	}
	if resp.StatusCode != http.StatusOK {
		return core.ClassifyStatus(op, resp.StatusCode, clip(strings.TrimSpace(string(data)), 500), 0)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Message: "answer is not JSON", Err: err}
	}
	return nil
}

// classify turns a non-zero errcode into a CallError: throttling and
// "busy" are retried after a wait, a refusal under the reply rules wraps
// core.ErrSendRefused, everything else is permanent with WeCom's errmsg.
func classify(op string, code int, msg string) *core.CallError {
	ce := &core.CallError{Op: op, Status: http.StatusOK, Message: fmt.Sprintf("errcode %d: %s", code, msg), Permanent: true}
	switch {
	case code == errRateLimit || code == errConcurrent:
		ce.Permanent, ce.RetryAfter = false, rateLimitWait
	case code == errBusy:
		ce.Permanent, ce.RetryAfter = false, busyWait
	case code == errInvalidToken || code == errTokenExpired:
		ce.Permanent = false
	case op == opSend && sendRefusal(code):
		ce.Err = core.ErrSendRefused
	}
	return ce
}

// hideSecrets keeps the access token and the secret out of error
// messages: url.Error quotes the whole URL.
func hideSecrets(err error) error {
	ue, ok := err.(*url.Error)
	if !ok {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return err
	}
	q := u.Query()
	for _, k := range []string{"access_token", "corpsecret"} {
		if q.Has(k) {
			q.Set(k, "REDACTED")
		}
	}
	u.RawQuery = q.Encode()
	return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
