package dingtalk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// LookupUser reads a member's name and e-mail with the old API's
// /topapi/v2/user/get, cached for an hour. A one-to-one conversation's id
// ("user:<staff id>") is accepted as well as the bare staff id.
func (s *Source) LookupUser(ctx context.Context, userID string) (core.Sender, error) {
	const op = "look up user"
	userID = strings.TrimPrefix(userID, UserPrefix)
	if u, ok := s.users.get(userID, s.now()); ok {
		return core.Sender{ID: userID, Name: u.name, Email: u.email, Role: core.RoleCustomer}, nil
	}
	if !s.hasRobotAPI() {
		return core.Sender{}, &core.CallError{Op: op, Permanent: true, Message: "app_key and app_secret are not both set"}
	}
	var ans UserGetAnswer
	if err := s.api.callOld(ctx, op, "/topapi/v2/user/get", UserGetRequest{UserID: userID, Language: "zh_CN"}, &ans); err != nil {
		return core.Sender{}, err
	}
	email := cmpOr(ans.Result.OrgEmail, ans.Result.Email)
	s.users.put(userID, cachedUser{name: ans.Result.Name, email: email, until: s.now().Add(userTTL)})
	return core.Sender{ID: userID, Name: ans.Result.Name, Email: email, Role: core.RoleCustomer}, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// FetchAttachment trades the message's downloadCode (Attachment.ID) for a
// short-lived download URL with /v1.0/robot/messageFiles/download, then
// streams the file from it. The body is the caller's to close.
func (s *Source) FetchAttachment(ctx context.Context, a core.Attachment) (io.ReadCloser, core.Attachment, error) {
	const op = "fetch attachment"
	if a.ID == "" {
		return nil, a, &core.CallError{Op: op, Permanent: true, Message: "attachment has no download code"}
	}
	if !s.hasRobotAPI() {
		return nil, a, &core.CallError{Op: op, Permanent: true, Message: "app_key and app_secret are not both set"}
	}
	var ans DownloadAnswer
	if err := s.api.callAPI(ctx, op, "/v1.0/robot/messageFiles/download", DownloadRequest{DownloadCode: a.ID, RobotCode: s.robotCode}, &ans); err != nil {
		return nil, a, err
	}
	if ans.DownloadURL == "" {
		return nil, a, &core.CallError{Op: op, Status: http.StatusOK, Permanent: true, Message: "answer carries no downloadUrl"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ans.DownloadURL, nil)
	if err != nil {
		return nil, a, &core.CallError{Op: op, Permanent: true, Message: "bad downloadUrl", Err: err}
	}
	resp, err := s.api.http.Do(req)
	if err != nil {
		return nil, a, &core.CallError{Op: op, Err: redactURL(err)}
	}
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		ce := core.ClassifyStatus(op, resp.StatusCode, truncate(strings.TrimSpace(string(data)), 500), retryAfter(resp.Header.Get("Retry-After")))
		// The download URL is short-lived: a refusal (403 once it has
		// expired) may pass with a fresh one on the next attempt.
		if resp.StatusCode == http.StatusForbidden {
			ce.Permanent = false
		}
		return nil, a, ce
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

// Check asks for a fresh access token: it proves app_key and app_secret
// are right and the API is reachable, and changes nothing. Without
// app_key the source can only answer through session webhooks, which
// Check reports.
func (s *Source) Check(ctx context.Context) error {
	if !s.hasRobotAPI() {
		return errors.New("dingtalk: no app_key, so replies only go through session webhooks (for a few hours after each message) and attachments cannot be fetched")
	}
	_, err := s.api.accessToken(ctx, true)
	var ce *core.CallError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce) && ce.Status >= 400 && ce.Status < 500:
		return fmt.Errorf("dingtalk refused the app credentials (check app_key and app_secret): %s", ce.Message)
	default:
		return fmt.Errorf("dingtalk api not reachable at %s: %w", s.api.api, err)
	}
}
