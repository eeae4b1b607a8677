// Package wxwork is WeCom's server API as the WeCom connectors (the wecom
// app source, the wecom_kf 微信客服 source) call it: an access_token made
// from a corp id and a secret, cached and renewed; JSON calls whose
// answers carry errcode/errmsg, classified into core.CallErrors; and
// media/get streamed. Each connector keeps its own messages and codes.
package wxwork

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// WeCom error codes every connector acts on.
const (
	ErrBusy            = -1
	ErrInvalidSecret   = 40001
	ErrInvalidToken    = 40014
	ErrTokenExpired    = 42001
	ErrRateLimit       = 45009
	ErrConcurrentLimit = 45033
)

// Waits after WeCom's throttling codes: it sends no Retry-After and
// counts its limits per minute.
const (
	RateLimitWait = time.Minute
	BusyWait      = 5 * time.Second
)

// TokenExpired lists the codes after which a fresh token may succeed.
func TokenExpired(code int) bool {
	return code == ErrInvalidToken || code == ErrTokenExpired || code == ErrInvalidSecret
}

// Client calls WeCom's API with a cached access token.
type Client struct {
	Base   string
	CorpID string
	Secret string
	HTTP   *http.Client
	Now    func() time.Time
	// Refine, when set, adjusts the error of a non-zero errcode: a
	// connector's own codes.
	Refine func(op string, code int, ce *core.CallError)

	mu     sync.Mutex
	token  string
	expiry time.Time
}

type tokenAnswer struct {
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// AccessToken returns the cached token, fetching a new one when there is
// none, it is near expiry, or force is set (after an expired-token code).
// The lock is held across the fetch so concurrent calls share one.
func (c *Client) AccessToken(ctx context.Context, force bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !force && c.token != "" && c.Now().Before(c.expiry) {
		return c.token, nil
	}
	const op = "get access token"
	q := url.Values{"corpid": {c.CorpID}, "corpsecret": {c.Secret}}
	var ans tokenAnswer
	if err := c.Do(ctx, op, http.MethodGet, "/cgi-bin/gettoken", q, nil, &ans); err != nil {
		return "", err
	}
	if ans.ErrCode != 0 {
		ce := c.classify(op, ans.ErrCode, ans.ErrMsg)
		// A refused secret will not improve by asking again.
		if ans.ErrCode == ErrInvalidSecret || ans.ErrCode == 40013 || ans.ErrCode == 40091 {
			ce.Permanent, ce.RetryAfter = true, 0
		}
		return "", ce
	}
	if ans.AccessToken == "" {
		return "", &core.CallError{Op: op, Status: http.StatusOK, Message: "answer carries no access_token"}
	}
	ttl := time.Duration(ans.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = 7200 * time.Second
	}
	// Refresh ahead of expiry: a tenth of the lifetime, at most 5 minutes.
	c.token, c.expiry = ans.AccessToken, c.Now().Add(ttl-min(ttl/10, 5*time.Minute))
	return c.token, nil
}

// Call runs one API request with the access token, renewing the token
// once when WeCom says it expired. result reads out's errcode and errmsg
// after each answer.
func (c *Client) Call(ctx context.Context, op, method, path string, q url.Values, body, out any, result func() (int, string)) error {
	for attempt := 0; ; attempt++ {
		tok, err := c.AccessToken(ctx, attempt > 0)
		if err != nil {
			return err
		}
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("access_token", tok)
		if err := c.Do(ctx, op, method, path, qq, body, out); err != nil {
			return err
		}
		code, msg := result()
		if code == 0 {
			return nil
		}
		if TokenExpired(code) && attempt == 0 {
			continue
		}
		return c.classify(op, code, msg)
	}
}

// Do sends one request without the token and decodes a 200 answer's JSON
// into out.
func (c *Client) Do(ctx context.Context, op, method, path string, q url.Values, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return &core.CallError{Op: op, Permanent: true, Err: fmt.Errorf("encode body: %w", err)}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path+"?"+q.Encode(), rd)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return &core.CallError{Op: op, Err: HideSecrets(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Err: fmt.Errorf("read answer: %w", err)}
	}
	if resp.StatusCode != http.StatusOK {
		return core.ClassifyStatus(op, resp.StatusCode, Truncate(strings.TrimSpace(string(data)), 500), 0)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Message: "answer is not JSON", Err: err}
	}
	return nil
}

func (c *Client) classify(op string, code int, msg string) *core.CallError {
	ce := Classify(op, code, msg)
	if c.Refine != nil {
		c.Refine(op, code, ce)
	}
	return ce
}

// Classify turns a non-zero errcode into a CallError: rate limits and
// "busy" are worth retrying later, everything else (unknown user, no
// permission, bad request) will fail again the same way.
func Classify(op string, code int, msg string) *core.CallError {
	ce := &core.CallError{Op: op, Status: http.StatusOK, Message: fmt.Sprintf("errcode %d: %s", code, msg), Permanent: true}
	switch code {
	case ErrRateLimit, ErrConcurrentLimit:
		ce.Permanent, ce.RetryAfter = false, RateLimitWait
	case ErrBusy:
		ce.Permanent, ce.RetryAfter = false, BusyWait
	case ErrInvalidToken, ErrTokenExpired:
		// The token was renewed and still refused: maybe a clock or
		// proxy problem; let the job retry.
		ce.Permanent = false
	}
	return ce
}

// Media streams a file from media/get by its media id. WeCom answers
// errors as JSON with status 200, so a JSON answer is read as an error,
// never as the file. a's content type, name and size are taken from the
// answer where it has them.
func (c *Client) Media(ctx context.Context, op string, a core.Attachment) (io.ReadCloser, core.Attachment, error) {
	if a.ID == "" {
		return nil, a, &core.CallError{Op: op, Permanent: true, Message: "attachment has no media id"}
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.AccessToken(ctx, attempt > 0)
		if err != nil {
			return nil, a, err
		}
		q := url.Values{"access_token": {tok}, "media_id": {a.ID}}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+"/cgi-bin/media/get?"+q.Encode(), nil)
		if err != nil {
			return nil, a, &core.CallError{Op: op, Permanent: true, Err: err}
		}
		resp, err := c.HTTP.Do(req)
		if err != nil {
			return nil, a, &core.CallError{Op: op, Err: HideSecrets(err)}
		}
		if resp.StatusCode != http.StatusOK {
			data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			return nil, a, core.ClassifyStatus(op, resp.StatusCode, Truncate(strings.TrimSpace(string(data)), 500), 0)
		}
		ct := resp.Header.Get("Content-Type")
		if mt, _, _ := mime.ParseMediaType(ct); mt == "application/json" || mt == "text/plain" {
			var e struct {
				ErrCode int    `json:"errcode"`
				ErrMsg  string `json:"errmsg"`
			}
			data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if json.Unmarshal(data, &e) != nil {
				return nil, a, &core.CallError{Op: op, Status: resp.StatusCode, Message: "unexpected " + mt + " answer"}
			}
			if TokenExpired(e.ErrCode) && attempt == 0 {
				continue
			}
			if e.ErrCode == 0 {
				return nil, a, &core.CallError{Op: op, Status: resp.StatusCode, Permanent: true, Message: "answer carries no file"}
			}
			return nil, a, c.classify(op, e.ErrCode, e.ErrMsg)
		}
		if ct != "" {
			a.ContentType = ct
		}
		if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
			a.Name = params["filename"]
		}
		if resp.ContentLength >= 0 {
			a.Size = resp.ContentLength
		}
		return resp.Body, a, nil
	}
}

// HideSecrets keeps the access token and the secret out of error
// messages: url.Error quotes the whole URL.
func HideSecrets(err error) error {
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

// Truncate cuts s to at most n runes.
func Truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
