package gitlab

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

const maxAnswer = 8 << 20

type client struct {
	http  *http.Client
	base  string
	token string
	now   func() time.Time
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
	req.Header.Set("PRIVATE-TOKEN", c.token)
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

// retryAfter reads Retry-After, else RateLimit-Reset (Unix seconds),
// both of which GitLab sends with its 429s.
func (c *client) retryAfter(h http.Header) time.Duration {
	now := c.now()
	if d := stdwebhook.ParseRetryAfter(h.Get("Retry-After"), now); d > 0 {
		return d
	}
	if reset, err := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64); err == nil {
		if at := time.Unix(reset, 0); at.After(now) {
			return at.Sub(now)
		}
	}
	return 0
}

// errorMessage reads GitLab's {"message": …} (a string, a list, or an
// object of field → messages) or {"error": …}.
func errorMessage(data []byte) string {
	var e struct {
		Message any `json:"message"`
	}
	if json.Unmarshal(data, &e) == nil {
		switch m := e.Message.(type) {
		case map[string]any:
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			parts := make([]string, 0, len(keys))
			for _, k := range keys {
				parts = append(parts, fmt.Sprintf("%s %v", k, m[k]))
			}
			return stdwebhook.ErrorMessage([]byte(strings.Join(parts, "; ")))
		case []any:
			return stdwebhook.ErrorMessage([]byte(fmt.Sprint(m...)))
		}
	}
	return stdwebhook.ErrorMessage(data)
}
