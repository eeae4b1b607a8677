package wecomkf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// FetchAttachment streams a customer's file from media/get (kept three
// days). WeCom answers errors as JSON with status 200, so a JSON answer
// is read as an error, never as the file.
func (s *Source) FetchAttachment(ctx context.Context, a core.Attachment) (io.ReadCloser, core.Attachment, error) {
	const op = "fetch attachment"
	if a.ID == "" {
		return nil, a, &core.CallError{Op: op, Permanent: true, Message: "attachment has no media_id"}
	}
	for attempt := 0; ; attempt++ {
		tok, err := s.api.accessToken(ctx, attempt > 0)
		if err != nil {
			return nil, a, err
		}
		q := url.Values{"access_token": {tok}, "media_id": {a.ID}}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.api.base+"/cgi-bin/media/get?"+q.Encode(), nil)
		if err != nil {
			return nil, a, &core.CallError{Op: op, Permanent: true, Err: err}
		}
		resp, err := s.api.http.Do(req)
		if err != nil {
			return nil, a, &core.CallError{Op: op, Err: hideSecrets(err)}
		}
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if resp.StatusCode != http.StatusOK || mt == "application/json" || mt == "text/plain" {
			data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return nil, a, core.ClassifyStatus(op, resp.StatusCode, clip(strings.TrimSpace(string(data)), 500), 0)
			}
			var e errAnswer
			if json.Unmarshal(data, &e) != nil || e.ErrCode == 0 {
				return nil, a, &core.CallError{Op: op, Status: resp.StatusCode, Permanent: true, Message: "answer carries no file"}
			}
			if (e.ErrCode == errInvalidToken || e.ErrCode == errTokenExpired) && attempt == 0 {
				continue
			}
			return nil, a, classify(op, e.ErrCode, e.ErrMsg)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "" {
			a.ContentType = ct
		}
		if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
			a.Name = params["filename"]
		}
		if resp.ContentLength >= 0 {
			a.Size = resp.ContentLength
		}
		return resp.Body, a, nil
	}
}

// Check asks for a fresh access token: it proves corp_id and secret are
// right and the API is reachable, and changes nothing.
func (s *Source) Check(ctx context.Context) error {
	_, err := s.api.accessToken(ctx, true)
	var ce *core.CallError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce) && ce.Status == http.StatusOK:
		return fmt.Errorf("wecom refused the 微信客服 credentials (check corp_id and secret): %s", ce.Message)
	default:
		return fmt.Errorf("wecom api not reachable at %s: %w", s.api.base, err)
	}
}
