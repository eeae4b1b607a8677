package fallback

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// checkWebhook rejects anything but an absolute http(s) URL, without
// quoting it: the URL holds the robot's key.
func checkWebhook(typ, webhook string) (*url.URL, error) {
	if webhook == "" {
		return nil, fmt.Errorf("%s: webhook is empty", typ)
	}
	u, err := url.Parse(webhook)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: webhook is not an absolute http or https URL", typ)
	}
	return u, nil
}

// postJSON sends body to u and decodes a 2xx answer into out. Transport
// failures and non-2xx answers become CallErrors; the robot's own error
// codes are the caller's to read from out.
func postJSON(ctx context.Context, hc *http.Client, op, u string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: fmt.Errorf("encode body: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: redactURL(err)}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := hc.Do(req)
	if err != nil {
		return &core.CallError{Op: op, Err: redactURL(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Err: fmt.Errorf("read answer: %w", err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := strings.TrimSpace(string(data))
		if len(msg) > 300 {
			msg = truncate(msg, 300)
		}
		return core.ClassifyStatus(op, resp.StatusCode, msg, retryAfter(resp.Header.Get("Retry-After")))
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Message: "answer is not JSON", Err: err}
	}
	return nil
}

func retryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

// redactURL keeps the robot's key out of error messages: url.Error quotes
// the whole URL, and WeCom keeps the key in the query, Feishu in the path.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			return &url.Error{Op: ue.Op, URL: u.Scheme + "://" + u.Host + "/…", Err: ue.Err}
		}
		return &url.Error{Op: ue.Op, URL: "…", Err: ue.Err}
	}
	return err
}
