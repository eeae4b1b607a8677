package freshdesk

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

const maxAnswer = 8 << 20

type client struct {
	http *http.Client
	base string
	auth string
	now  func() time.Time
}

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
	resp, err := c.http.Do(req)
	if err != nil {
		return &core.CallError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return core.ClassifyStatus(op, resp.StatusCode, errorMessage(data), stdwebhook.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now()))
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

// errorMessage reads Freshdesk's {"description": …, "errors": [{field,
// message, code}]} into one line.
func errorMessage(data []byte) string {
	var e struct {
		Description string `json:"description"`
		Errors      []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(data, &e) != nil || e.Description == "" && len(e.Errors) == 0 {
		return stdwebhook.ErrorMessage(data)
	}
	parts := []string{e.Description}
	for _, f := range e.Errors {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return stdwebhook.ErrorMessage([]byte(strings.Join(parts, "; ")))
}
