package zendesk

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
	"unicode/utf8"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// maxAnswer caps how much of an answer we read; Zendesk's JSON documents
// for one ticket or one page are far smaller.
const maxAnswer = 8 << 20

// call is one request to the Zendesk API.
type call struct {
	op     string
	method string
	// path is below the account URL, with its query ("/api/v2/…").
	path string
	// body is marshalled to JSON; raw, when set, is sent as it is.
	body          any
	raw           io.Reader
	contentType   string
	contentLength int64
	header        map[string]string
}

func basicAuth(email, token string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(email+"/token:"+token))
}

// do sends c and decodes a 2xx answer into out (when not nil). Non-2xx
// answers become core.CallError with Zendesk's own message.
func (s *Sink) do(ctx context.Context, c call, out any) error {
	var rd io.Reader = c.raw
	ctype := c.contentType
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			return &core.CallError{Op: c.op, Permanent: true, Err: fmt.Errorf("encode body: %w", err)}
		}
		rd, ctype = bytes.NewReader(b), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, c.method, s.base+c.path, rd)
	if err != nil {
		return &core.CallError{Op: c.op, Permanent: true, Err: fmt.Errorf("build request: %w", err)}
	}
	if c.raw != nil && c.contentLength > 0 {
		req.ContentLength = c.contentLength
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", s.auth)
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return &core.CallError{Op: c.op, Err: err}
	}
	defer resp.Body.Close()
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		ce := core.ClassifyStatus(c.op, resp.StatusCode, errorMessage(data),
			stdwebhook.ParseRetryAfter(resp.Header.Get("Retry-After"), s.now()))
		if resp.StatusCode == http.StatusNotFound && ce.Message == "" {
			ce.Message = "not found"
		}
		return ce
	}
	if rerr != nil {
		// A success that arrived broken: Zendesk may have acted, so the
		// caller must stay free to retry (and look the ticket up).
		return &core.CallError{Op: c.op, Status: resp.StatusCode, Err: fmt.Errorf("read answer: %w", rerr)}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return &core.CallError{Op: c.op, Status: resp.StatusCode, Message: "answer is not the JSON Zendesk documents", Err: err}
		}
	}
	return nil
}

// errorBody covers the shapes Zendesk answers errors with:
//
//	{"error": "RecordInvalid", "description": "…", "details": {"field": [{"description": "…"}]}}
//	{"error": "Couldn't authenticate you"}
//	{"error": {"title": "…", "message": "…"}}
//	{"errors": [{"code": "…", "title": "…", "detail": "…"}]}
type errorBody struct {
	Error       json.RawMessage                  `json:"error"`
	Description string                           `json:"description"`
	Details     map[string][]map[string]any      `json:"details"`
	Errors      []struct{ Title, Detail string } `json:"errors"`
}

// errorMessage turns an error answer into one line: the description (or
// error), then each field's problems, sorted; plain text is kept as is.
func errorMessage(data []byte) string {
	var b errorBody
	if json.Unmarshal(data, &b) != nil {
		return cut(strings.TrimSpace(string(data)))
	}
	var parts []string
	var code string
	var obj struct{ Title, Message string }
	switch {
	case json.Unmarshal(b.Error, &code) == nil:
	case json.Unmarshal(b.Error, &obj) == nil:
		code = strings.TrimSpace(strings.Trim(obj.Title+": "+obj.Message, ": "))
	}
	switch {
	case b.Description != "" && code != "":
		parts = append(parts, code+": "+b.Description)
	case b.Description != "":
		parts = append(parts, b.Description)
	case code != "":
		parts = append(parts, code)
	}
	fields := make([]string, 0, len(b.Details))
	for f := range b.Details {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		for _, d := range b.Details[f] {
			if desc, _ := d["description"].(string); desc != "" {
				parts = append(parts, f+": "+desc)
			}
		}
	}
	for _, e := range b.Errors {
		parts = append(parts, strings.Trim(e.Title+": "+e.Detail, ": "))
	}
	return cut(strings.Join(parts, "; "))
}

func cut(s string) string {
	if len(s) <= stdwebhook.MaxErrorMessage {
		return s
	}
	s = s[:stdwebhook.MaxErrorMessage]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
