package agora

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// rateLimitWait is the wait after a 429 without Retry-After: Chat's REST
// limits are counted per second.
const rateLimitWait = time.Second

// apiClient calls the Agora Chat REST API for one app with a cached app
// token.
type apiClient struct {
	base         string // https://host/org/app
	clientID     string
	clientSecret string
	fixedToken   string
	http         *http.Client
	now          func() time.Time

	mu     sync.Mutex
	token  string
	expiry time.Time
}

// appToken returns the cached token, fetching a new one when there is
// none, it is near expiry, or force is set (after a 401). The lock is held
// across the fetch so concurrent posts share one.
func (c *apiClient) appToken(ctx context.Context, force bool) (string, error) {
	if c.fixedToken != "" {
		return c.fixedToken, nil
	}
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
	const op = "get app token"
	req := TokenRequest{GrantType: "client_credentials", ClientID: c.clientID, ClientSecret: c.clientSecret}
	var ans TokenAnswer
	if err := c.do(ctx, op, http.MethodPost, "/token", "", req, &ans); err != nil {
		return "", 0, err
	}
	if ans.AccessToken == "" {
		return "", 0, &core.CallError{Op: op, Status: http.StatusOK, Message: "answer carries no access_token"}
	}
	ttl := time.Duration(ans.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	return ans.AccessToken, ttl, nil
}

// call runs one request with the app token, refreshing the token once and
// retrying when the API answers 401.
func (c *apiClient) call(ctx context.Context, op, method, path string, body, out any) error {
	for attempt := 0; ; attempt++ {
		tok, err := c.appToken(ctx, attempt > 0)
		if err != nil {
			return err
		}
		err = c.do(ctx, op, method, path, tok, body, out)
		var ce *core.CallError
		if errors.As(err, &ce) && ce.Status == http.StatusUnauthorized && attempt == 0 && c.fixedToken == "" {
			continue
		}
		return err
	}
}

// do sends one request and decodes a 2xx answer's JSON into out.
func (c *apiClient) do(ctx context.Context, op, method, path, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return &core.CallError{Op: op, Permanent: true, Err: fmt.Errorf("encode body: %w", err)}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &core.CallError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Err: fmt.Errorf("read answer: %w", err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return classify(op, resp, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Message: "answer is not JSON", Err: err}
	}
	return nil
}

// classify turns a failed answer into a CallError carrying Agora's own
// error and error_description. 429 waits Retry-After (or a second).
func classify(op string, resp *http.Response, data []byte) *core.CallError {
	var ae APIError
	msg := strings.TrimSpace(string(data))
	if json.Unmarshal(data, &ae) == nil && ae.Error != "" {
		msg = ae.Error
		if ae.Description != "" {
			msg += ": " + ae.Description
		}
	}
	var wait time.Duration
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		wait = retryAfter(resp.Header.Get("Retry-After"))
		if wait == 0 && resp.StatusCode == http.StatusTooManyRequests {
			wait = rateLimitWait
		}
	}
	return core.ClassifyStatus(op, resp.StatusCode, cut(msg, 500), wait)
}

func retryAfter(h string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
