package stdwebhook

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
	"unicode/utf8"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// MaxErrorMessage is how much of a remote error message a CallError keeps.
const MaxErrorMessage = 500

// maxResponse caps how much of an answer we read; the endpoints that speak
// this protocol answer with small JSON documents.
const maxResponse = 1 << 20

// Client sends JSON requests signed with Standard Webhooks headers to an
// endpoint that verifies them (the generic source's reply URL, the generic
// sink's ticket API) and turns failures into core.CallError.
type Client struct {
	HTTP *http.Client
	Key  Secret
	// Now stamps webhook-timestamp; nil means time.Now.
	Now func() time.Time
}

// Request is one call.
type Request struct {
	// Op names the call in errors ("create ticket").
	Op     string
	Method string
	URL    string
	// ID is the webhook-id; empty means a fresh NewMessageID.
	ID string
	// Body is marshalled to JSON; nil sends an empty body (still signed).
	Body any
}

// Response is a 2xx answer.
type Response struct {
	Status int
	// ID is the webhook-id the request was sent with.
	ID   string
	Body []byte
}

// Do sends the request. A non-2xx answer gives a core.CallError classified
// by core.ClassifyStatus, carrying the answer's message and Retry-After; a
// request that got no answer gives a transient CallError with Status 0.
func (c *Client) Do(ctx context.Context, r Request) (Response, error) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = json.Marshal(r.Body); err != nil {
			return Response{}, &core.CallError{Op: r.Op, Permanent: true, Err: fmt.Errorf("encode body: %w", err)}
		}
	}
	id := r.ID
	if id == "" {
		id = NewMessageID()
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, bytes.NewReader(body))
	if err != nil {
		return Response{}, &core.CallError{Op: r.Op, Permanent: true, Err: fmt.Errorf("build request: %w", err)}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	SetHeaders(req.Header, c.Key, id, c.now(), body)

	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Response{}, &core.CallError{Op: r.Op, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Response{}, core.ClassifyStatus(r.Op, resp.StatusCode, ErrorMessage(data),
			ParseRetryAfter(resp.Header.Get("Retry-After"), c.now()))
	}
	if err != nil {
		// The answer was a success but arrived broken: the remote side may
		// have acted, so the caller must be free to retry (and look up).
		return Response{}, &core.CallError{Op: r.Op, Status: resp.StatusCode, Err: fmt.Errorf("read answer: %w", err)}
	}
	return Response{Status: resp.StatusCode, ID: id, Body: data}, nil
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// ParseRetryAfter reads a Retry-After value, delta seconds or an HTTP date,
// as a wait from now. Anything else, or a time already past, gives 0.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		// Cap absurd values so the multiplication cannot overflow.
		return time.Duration(min(n, 7*24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// ErrorMessage pulls a human message out of an error answer: the JSON
// "message" or "error" string (with a "fields" object's entries appended,
// sorted), else the trimmed text, cut to MaxErrorMessage bytes.
func ErrorMessage(body []byte) string {
	var doc struct {
		Message string         `json:"message"`
		Error   any            `json:"error"`
		Fields  map[string]any `json:"fields"`
	}
	msg := ""
	if json.Unmarshal(body, &doc) == nil {
		msg = doc.Message
		if msg == "" {
			switch e := doc.Error.(type) {
			case string:
				msg = e
			case map[string]any:
				msg, _ = e["message"].(string)
			}
		}
		if len(doc.Fields) > 0 {
			msg += fieldList(doc.Fields)
		}
	}
	if strings.TrimSpace(msg) == "" {
		msg = string(body)
	}
	return cut(strings.TrimSpace(msg), MaxErrorMessage)
}

func fieldList(fields map[string]any) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %v", k, fields[k]))
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// cut shortens s to at most n bytes without splitting a UTF-8 sequence.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	// Drop at most one rune's worth of bytes: the sequence the cut split.
	for i := 0; i < utf8.UTFMax && len(s) > 0; i++ {
		if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size > 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}
