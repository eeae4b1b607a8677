// Package sinkhttp is what the REST ticket connectors share: a client
// that sends JSON (or a prepared request), reads a bounded answer and
// turns failures into core.CallErrors, and a streamed multipart upload
// with a size limit. Each connector supplies its own credentials, error
// reading and rate-limit headers.
package sinkhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// MaxAnswer caps how much of an answer is read.
const MaxAnswer = 8 << 20

// Client calls one system's API.
type Client struct {
	HTTP *http.Client
	// Base is prepended to every path.
	Base string
	// Auth sets the credentials (and any fixed headers) on a request.
	Auth func(h http.Header)
	Now  func() time.Time
	// Message reads an error answer's text; nil uses stdwebhook's reading.
	Message func(status int, data []byte) string
	// Wait reads how long to wait from an error answer's headers beyond
	// Retry-After (which is always read); nil reads only Retry-After.
	Wait func(h http.Header, now time.Time) time.Duration
	// Classify, when set, replaces the standard reading of an error
	// answer (core.ClassifyStatus with Message and the wait).
	Classify func(op string, resp *http.Response, data []byte) error
}

// JSON sends body as JSON (nil: no body) and decodes a 2xx answer into
// out (nil: ignored).
func (c *Client) JSON(ctx context.Context, op, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return &core.CallError{Op: op, Permanent: true, Err: fmt.Errorf("encode body: %w", err)}
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: fmt.Errorf("build request: %w", err)}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.Send(op, req, out)
}

// Send adds the credentials, sends req and reads the answer. A 2xx
// answer that arrives broken stays a transient error: the system may
// have acted, and the caller looks the result up before trying again.
func (c *Client) Send(op string, req *http.Request, out any) error {
	if c.Auth != nil {
		c.Auth(req.Header)
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return &core.CallError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer))
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

func (c *Client) failure(op string, resp *http.Response, data []byte) error {
	if c.Classify != nil {
		return c.Classify(op, resp, data)
	}
	return core.ClassifyStatus(op, resp.StatusCode, c.message(resp.StatusCode, data), c.RetryAfter(resp.Header))
}

func (c *Client) message(status int, data []byte) string {
	if c.Message != nil {
		return c.Message(status, data)
	}
	return stdwebhook.ErrorMessage(data)
}

// RetryAfter reads Retry-After, then the connector's own headers.
func (c *Client) RetryAfter(h http.Header) time.Duration {
	now := c.Now()
	if d := stdwebhook.ParseRetryAfter(h.Get("Retry-After"), now); d > 0 {
		return d
	}
	if c.Wait != nil {
		return c.Wait(h, now)
	}
	return 0
}
