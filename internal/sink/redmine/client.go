package redmine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// maxAnswer caps how much of an answer we read; an issue with all its
// journals is the largest we ask for.
const maxAnswer = 8 << 20

// client makes authenticated calls to one Redmine.
type client struct {
	http *http.Client
	base string
	key  string
	now  func() time.Time
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

// send adds the key, sends req and reads the answer. Redmine answers
// updates with 204 (5.0) or 200 and an empty body (later versions).
func (c *client) send(op string, req *http.Request, out any) error {
	req.Header.Set("X-Redmine-API-Key", c.key)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return &core.CallError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		retry := stdwebhook.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now())
		return core.ClassifyStatus(op, resp.StatusCode, errorMessage(resp.StatusCode, data), retry)
	}
	if readErr != nil {
		// Redmine may have acted: stay transient so the caller looks up.
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

// errorMessage reads Redmine's {"errors": [...]} (422) into one line, and
// says what a bare 401/403/404 means since Redmine gives them no body.
func errorMessage(status int, data []byte) string {
	var e ErrorBody
	if json.Unmarshal(data, &e) == nil && len(e.Errors) > 0 {
		return stdwebhook.ErrorMessage([]byte(strings.Join(e.Errors, "; ")))
	}
	switch status {
	case http.StatusUnauthorized:
		return "the API key is wrong, or the REST API is off (Administration → Settings → API)"
	case http.StatusForbidden:
		return "the API key's user may not do this in the project"
	case http.StatusNotFound:
		return "not found, or not visible to the API key's user"
	}
	return stdwebhook.ErrorMessage(data)
}
