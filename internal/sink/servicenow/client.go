package servicenow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// maxAnswer caps how much of an answer we read: Table API pages we ask
// for are small.
const maxAnswer = 4 << 20

// call is one request to the instance.
type call struct {
	op     string
	method string
	path   string
	query  url.Values
	body   any       // JSON-encoded when not nil
	raw    io.Reader // streamed as is when not nil (attachments)
	header http.Header
	length int64 // Content-Length of raw when known
	out    any   // decoded from a 2xx answer when not nil
}

// do sends c and decodes the answer. Every non-2xx answer becomes a
// core.CallError with the instance's own message; no answer at all is a
// transient CallError with Status 0.
func (s *Sink) do(ctx context.Context, c call) error {
	u := s.base + c.path
	if len(c.query) > 0 {
		u += "?" + c.query.Encode()
	}
	var body io.Reader
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			return &core.CallError{Op: c.op, Permanent: true, Err: fmt.Errorf("encode body: %w", err)}
		}
		body = bytes.NewReader(b)
	} else if c.raw != nil {
		body = c.raw
	}
	req, err := http.NewRequestWithContext(ctx, c.method, u, body)
	if err != nil {
		return &core.CallError{Op: c.op, Permanent: true, Err: fmt.Errorf("build request: %w", err)}
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	if c.raw != nil && c.length > 0 {
		req.ContentLength = c.length
	}
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	s.auth(req.Header)
	resp, err := s.hc.Do(req)
	if err != nil {
		return &core.CallError{Op: c.op, Err: err}
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return core.ClassifyStatus(c.op, resp.StatusCode, errorMessage(data), s.retryAfter(resp.Header))
	}
	if readErr != nil {
		// A success that arrived broken: the instance may have acted, so
		// leave it transient and let a retry look the ticket up.
		return &core.CallError{Op: c.op, Status: resp.StatusCode, Err: fmt.Errorf("read answer: %w", readErr)}
	}
	if c.out != nil {
		if err := json.Unmarshal(data, c.out); err != nil {
			return &core.CallError{Op: c.op, Status: resp.StatusCode, Message: "answer is not the Table API's JSON", Err: err}
		}
	}
	return nil
}

// retryAfter reads Retry-After, else the rate-limit rule's reset time
// (X-RateLimit-Reset, epoch seconds).
func (s *Sink) retryAfter(h http.Header) time.Duration {
	now := s.now()
	if d := stdwebhook.ParseRetryAfter(h.Get("Retry-After"), now); d > 0 {
		return d
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if sec, err := strconv.ParseInt(v, 10, 64); err == nil {
			if at := time.Unix(sec, 0); at.After(now) {
				return min(at.Sub(now), 24*time.Hour)
			}
		}
	}
	return 0
}

// errorMessage pulls "message: detail" out of the Table API's error body,
// else the trimmed text.
func errorMessage(body []byte) string {
	var e ErrorBody
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		msg := strings.TrimSpace(e.Error.Message)
		if d := strings.TrimSpace(e.Error.Detail); d != "" && d != msg {
			msg += ": " + d
		}
		return cut(msg, stdwebhook.MaxErrorMessage)
	}
	return stdwebhook.ErrorMessage(body)
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// tableQuery builds the query of a Table API read.
func tableQuery(q string, fields string, limit int) url.Values {
	v := url.Values{}
	if q != "" {
		v.Set("sysparm_query", q)
	}
	if fields != "" {
		v.Set("sysparm_fields", fields)
	}
	if limit > 0 {
		v.Set("sysparm_limit", strconv.Itoa(limit))
	}
	v.Set("sysparm_display_value", "false")
	v.Set("sysparm_exclude_reference_link", "true")
	return v
}

// queryValue makes a value safe inside an encoded query: "^" separates
// terms, so it cannot appear in a value, and a newline ends the query.
func queryValue(v string) string {
	return strings.NewReplacer("^", "", "\n", " ", "\r", " ").Replace(v)
}
