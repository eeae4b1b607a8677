package jira

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// maxAnswer caps how much of an answer we read; search pages with
// changelogs are the largest we ask for.
const maxAnswer = 8 << 20

// client makes authenticated calls to one Jira site.
type client struct {
	http *http.Client
	base string
	auth string
	now  func() time.Time
}

func newClient(hc *http.Client, base, email, token string, now func() time.Time) *client {
	return &client{
		http: hc,
		base: base,
		auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+token)),
		now:  now,
	}
}

// call sends a JSON request (body nil: none) and decodes a 2xx answer
// into out (nil: ignored). Failures are core.CallErrors.
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

// send adds the credentials, sends req and reads the answer.
func (c *client) send(op string, req *http.Request, out any) error {
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return &core.CallError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return core.ClassifyStatus(op, resp.StatusCode, errorMessage(data), c.retryAfter(resp.Header))
	}
	if readErr != nil {
		// A success that arrived broken: Jira may have acted, so keep the
		// error transient and let the caller look the result up.
		return &core.CallError{Op: op, Status: resp.StatusCode, Err: fmt.Errorf("read answer: %w", readErr)}
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 && resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Message: "answer is not the expected JSON", Err: err}
	}
	return nil
}

// retryAfter reads Retry-After (seconds or a date) and, failing that,
// Jira's X-RateLimit-Reset (an ISO 8601 time).
func (c *client) retryAfter(h http.Header) time.Duration {
	now := c.now()
	if d := stdwebhook.ParseRetryAfter(h.Get("Retry-After"), now); d > 0 {
		return d
	}
	v := strings.TrimSpace(h.Get("X-RateLimit-Reset"))
	if v == "" {
		return 0
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", TimeFormat} {
		if t, err := time.Parse(layout, v); err == nil {
			if t.After(now) {
				return t.Sub(now)
			}
			return 0
		}
	}
	return 0
}

// errorMessage turns Jira's error body into one line: the errorMessages,
// then "field: message" for each field error, sorted. Bodies of another
// shape fall back to the generic reading.
func errorMessage(data []byte) string {
	var e ErrorBody
	if json.Unmarshal(data, &e) != nil {
		return stdwebhook.ErrorMessage(data)
	}
	parts := append([]string(nil), e.ErrorMessages...)
	if e.ErrorMessage != "" {
		parts = append(parts, e.ErrorMessage)
	}
	keys := make([]string, 0, len(e.Errors))
	for k := range e.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, k+": "+e.Errors[k])
	}
	msg := strings.Join(parts, "; ")
	if strings.TrimSpace(msg) == "" {
		return stdwebhook.ErrorMessage(data)
	}
	if len(msg) > stdwebhook.MaxErrorMessage {
		msg = stdwebhook.ErrorMessage([]byte(msg))
	}
	return msg
}
