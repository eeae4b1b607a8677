package github

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

const maxAnswer = 8 << 20

// client makes authenticated calls in one dialect.
type client struct {
	http   *http.Client
	base   string
	auth   string
	github bool
	now    func() time.Time
}

// call sends a JSON request (body nil: none) and decodes a 2xx answer
// into out (nil: ignored).
func (c *client) call(ctx context.Context, op, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return &core.CallError{Op: op, Permanent: true, Err: fmt.Errorf("encode body: %w", err)}
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: fmt.Errorf("build request: %w", err)}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(op, req, out)
}

func (c *client) send(op string, req *http.Request, out any) error {
	req.Header.Set("Authorization", c.auth)
	if c.github {
		req.Header.Set("Accept", "application/vnd.github+json")
		req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	} else {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &core.CallError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.failure(op, resp, data)
	}
	if readErr != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Err: fmt.Errorf("read answer: %w", readErr)}
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Message: "answer is not the expected JSON", Err: err}
	}
	return nil
}

// failure classifies an error answer. GitHub signals its rate limits with
// 403 as well as 429: the primary limit by x-ratelimit-remaining: 0 (wait
// until x-ratelimit-reset), a secondary limit by Retry-After or a message
// about it (wait at least a minute, GitHub's advice). Those 403s are
// worth retrying; other 403s are not.
func (c *client) failure(op string, resp *http.Response, data []byte) error {
	msg := stdwebhook.ErrorMessage(data)
	now := c.now()
	wait := stdwebhook.ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	limited := resp.StatusCode == http.StatusTooManyRequests || wait > 0 && resp.StatusCode == http.StatusForbidden
	if resp.Header.Get("X-Ratelimit-Remaining") == "0" && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests) {
		limited = true
		if reset, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64); err == nil && wait == 0 {
			if at := time.Unix(reset, 0); at.After(now) {
				wait = at.Sub(now)
			}
		}
	}
	if resp.StatusCode == http.StatusForbidden && strings.Contains(strings.ToLower(msg), "secondary rate limit") {
		limited = true
		if wait == 0 {
			wait = time.Minute
		}
	}
	if limited {
		return &core.CallError{Op: op, Status: resp.StatusCode, Message: msg, RetryAfter: wait}
	}
	return core.ClassifyStatus(op, resp.StatusCode, msg, wait)
}
