package linear

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

const maxAnswer = 8 << 20

type client struct {
	http *http.Client
	url  string
	key  string
	now  func() time.Time
}

// do runs one GraphQL operation and decodes its data into out. Linear
// answers errors in the body, often with HTTP 400: RATELIMITED waits
// until X-RateLimit-Requests-Reset; authentication, permission and input
// errors are permanent; the rest are retried.
func (c *client) do(ctx context.Context, op, name, query string, vars map[string]any, out any) error {
	data, err := json.Marshal(Request{OperationName: name, Query: query, Variables: vars})
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: fmt.Errorf("encode body: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(data))
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: fmt.Errorf("build request: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", c.key)
	resp, err := c.http.Do(req)
	if err != nil {
		return &core.CallError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	var r Response
	if readErr != nil || json.Unmarshal(body, &r) != nil {
		if resp.StatusCode > 299 {
			return core.ClassifyStatus(op, resp.StatusCode, stdwebhook.ErrorMessage(body), c.wait(resp.Header))
		}
		return &core.CallError{Op: op, Status: resp.StatusCode, Message: "answer is not GraphQL JSON", Err: readErr}
	}
	if len(r.Errors) > 0 {
		return c.graphQLError(op, resp, r.Errors[0])
	}
	if resp.StatusCode > 299 {
		return core.ClassifyStatus(op, resp.StatusCode, stdwebhook.ErrorMessage(body), c.wait(resp.Header))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Message: "data is not the expected shape", Err: err}
	}
	return nil
}

func (c *client) graphQLError(op string, resp *http.Response, e GraphQLError) error {
	msg := e.Message
	if e.Extensions.UserPresentableMessage != "" {
		msg = e.Extensions.UserPresentableMessage
	}
	ce := &core.CallError{Op: op, Status: resp.StatusCode, Message: e.Extensions.Code + ": " + msg}
	switch e.Extensions.Code {
	case "RATELIMITED":
		ce.RetryAfter = c.wait(resp.Header)
	case "AUTHENTICATION_ERROR", "FORBIDDEN", "INVALID_INPUT", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT":
		ce.Permanent = true
	default:
		ce.Permanent = resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != 429 && resp.StatusCode != 400
	}
	return ce
}

// wait reads Retry-After, else X-RateLimit-Requests-Reset (Unix ms).
func (c *client) wait(h http.Header) time.Duration {
	now := c.now()
	if d := stdwebhook.ParseRetryAfter(h.Get("Retry-After"), now); d > 0 {
		return d
	}
	if ms, err := strconv.ParseInt(h.Get("X-RateLimit-Requests-Reset"), 10, 64); err == nil {
		if at := time.UnixMilli(ms); at.After(now) {
			return at.Sub(now)
		}
	}
	return 0
}
