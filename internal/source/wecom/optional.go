package wecom

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
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// userTTL is how long a looked-up user is remembered; maxUsers bounds the
// cache.
const (
	userTTL  = time.Hour
	maxUsers = 10000
)

// LookupUser reads the member's name (and e-mail when the app may see
// it) with user/get, cached for an hour.
func (s *Source) LookupUser(ctx context.Context, userID string) (core.Sender, error) {
	const op = "look up user"
	if u, ok := s.users.get(userID, s.now()); ok {
		return core.Sender{ID: userID, Name: u.name, Email: u.email, Role: core.RoleCustomer}, nil
	}
	var ans UserAnswer
	if err := s.api.call(ctx, op, http.MethodGet, "/cgi-bin/user/get", url.Values{"userid": {userID}}, nil, &ans); err != nil {
		return core.Sender{}, err
	}
	email := ans.Email
	if email == "" {
		email = ans.BizMail
	}
	s.users.put(userID, cachedUser{name: ans.Name, email: email, until: s.now().Add(userTTL)})
	return core.Sender{ID: userID, Name: ans.Name, Email: email, Role: core.RoleCustomer}, nil
}

func (c *userCache) get(id string, now time.Time) (cachedUser, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.entries[id]
	if !ok || now.After(u.until) {
		return cachedUser{}, false
	}
	return u, true
}

func (c *userCache) put(id string, u cachedUser) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxUsers {
		clear(c.entries)
	}
	c.entries[id] = u
}

// FetchAttachment streams a file from media/get by its MediaId (valid for
// three days after the message). WeCom answers errors as JSON with status
// 200, so a JSON answer is read as an error, never as the file.
func (s *Source) FetchAttachment(ctx context.Context, a core.Attachment) (io.ReadCloser, core.Attachment, error) {
	const op = "fetch attachment"
	if a.ID == "" {
		return nil, a, &core.CallError{Op: op, Permanent: true, Message: "attachment has no media id"}
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
			return nil, a, &core.CallError{Op: op, Err: redactToken(err)}
		}
		if resp.StatusCode != http.StatusOK {
			data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			return nil, a, core.ClassifyStatus(op, resp.StatusCode, truncate(strings.TrimSpace(string(data)), 500), 0)
		}
		ct := resp.Header.Get("Content-Type")
		if mt, _, _ := mime.ParseMediaType(ct); mt == "application/json" || mt == "text/plain" {
			var e apiError
			data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if json.Unmarshal(data, &e) != nil {
				return nil, a, &core.CallError{Op: op, Status: resp.StatusCode, Message: "unexpected " + mt + " answer"}
			}
			if tokenExpired(e.ErrCode) && attempt == 0 {
				continue
			}
			if e.ErrCode == 0 {
				return nil, a, &core.CallError{Op: op, Status: resp.StatusCode, Permanent: true, Message: "answer carries no file"}
			}
			return nil, a, classify(op, e.ErrCode, e.ErrMsg)
		}
		if ct != "" {
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

// Check asks for a fresh access token: it proves corp_id and corp_secret
// are right and the API is reachable, and changes nothing.
func (s *Source) Check(ctx context.Context) error {
	_, err := s.api.accessToken(ctx, true)
	var ce *core.CallError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce) && ce.Status == http.StatusOK:
		// WeCom answered with an errcode: the credentials are wrong.
		return fmt.Errorf("wecom refused the app credentials (check corp_id and corp_secret): %s", ce.Message)
	default:
		return fmt.Errorf("wecom api not reachable at %s: %w", s.api.base, err)
	}
}
