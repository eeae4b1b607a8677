package wecom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
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
	if err := s.api.Call(ctx, op, http.MethodGet, "/cgi-bin/user/get", url.Values{"userid": {userID}}, nil, &ans,
		func() (int, string) { return ans.ErrCode, ans.ErrMsg }); err != nil {
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
// three days after the message).
func (s *Source) FetchAttachment(ctx context.Context, a core.Attachment) (io.ReadCloser, core.Attachment, error) {
	return s.api.Media(ctx, "fetch attachment", a)
}

// Check asks for a fresh access token: it proves corp_id and corp_secret
// are right and the API is reachable, and changes nothing.
func (s *Source) Check(ctx context.Context) error {
	_, err := s.api.AccessToken(ctx, true)
	var ce *core.CallError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce) && ce.Status == http.StatusOK:
		// WeCom answered with an errcode: the credentials are wrong.
		return fmt.Errorf("wecom refused the app credentials (check corp_id and corp_secret): %s", ce.Message)
	default:
		return fmt.Errorf("wecom api not reachable at %s: %w", s.api.Base, err)
	}
}
