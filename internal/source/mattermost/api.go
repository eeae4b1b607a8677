package mattermost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// maxAnswer bounds how much of an API answer is read.
const maxAnswer = 4 << 20

// maxMessage is Mattermost's post length limit (runes).
const maxMessage = 16383

// errRootID is Mattermost's error id for a root_id that is not a root.
const errRootID = "api.post.create_post.root_id.app_error"

// Action ids of our buttons; Mattermost wants plain letters and digits.
const (
	ButtonConfirm = "tbconfirm"
	ButtonReject  = "tbreject"
)

// call does one REST call under /api/v4 and decodes a 2xx answer into out
// (nil: ignored). Failures are *core.CallError carrying Mattermost's own
// message and error id.
func (s *Source) call(ctx context.Context, op, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return &core.CallError{Op: op, Permanent: true, Err: err}
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base.JoinPath("api", "v4").String()+path, rd)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.http.Do(req)
	if err != nil {
		return &core.CallError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return s.failure(op, resp)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Err: err}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		// A 2xx that is not JSON comes from something in between (a
		// proxy's page); it may well pass next time.
		return &core.CallError{Op: op, Status: resp.StatusCode, Message: "answer is not JSON", Err: err}
	}
	return nil
}

// failure turns a non-2xx answer into a CallError: 4xx other than
// 408/409/425/429 permanent (an expired or revoked bot token included:
// bot tokens are not refreshed, they are replaced by an admin), 429 and
// 5xx transient with the wait Mattermost asks for.
func (s *Source) failure(op string, resp *http.Response) *core.CallError {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	msg := strings.TrimSpace(string(data))
	var ae appError
	if json.Unmarshal(data, &ae) == nil && (ae.Message != "" || ae.ID != "") {
		msg = ae.Message
		if ae.ID != "" {
			msg += " (" + ae.ID + ")"
		}
	}
	retry := retryAfter(resp.Header, s.now())
	if resp.StatusCode == http.StatusTooManyRequests && retry == 0 {
		retry = time.Second
	}
	ce := core.ClassifyStatus(op, resp.StatusCode, cut(msg, 300), retry)
	if ae.ID != "" {
		ce.Err = apiErrorID(ae.ID)
	}
	return ce
}

// apiErrorID carries Mattermost's error id inside a CallError so callers
// can react to one (errors.As).
type apiErrorID string

func (e apiErrorID) Error() string { return string(e) }

func isAPIError(err error, id string) bool {
	var e apiErrorID
	return errors.As(err, &e) && string(e) == id
}

// retryAfter reads Retry-After (seconds or a date) and, failing that,
// Mattermost's X-Ratelimit-Reset (seconds until the limit resets).
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil && t.After(now) {
			return t.Sub(now)
		}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(h.Get("X-Ratelimit-Reset"))); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

// Post creates a post in the channel, as a reply when the conversation
// has a thread (root_id). A prompt becomes a message attachment with two
// buttons calling our hook URL, each with a signed context; without
// public_url and action_secret the prompt is text asking for yes or no.
// When Mattermost refuses the root because it is itself a reply (a
// thread we guessed without asking), the post goes to that reply's root.
func (s *Source) Post(ctx context.Context, to core.ConversationRef, msg core.OutboundMessage) (core.PostedRef, error) {
	const op = "post message"
	if to.Conversation == "" {
		return core.PostedRef{}, &core.CallError{Op: op, Permanent: true, Message: "no channel to post to"}
	}
	body := createPost{ChannelID: to.Conversation, Message: cut(msg.Text, maxMessage), RootID: to.Thread}
	if p := msg.Prompt; p != nil {
		if s.Buttons() {
			body.Props = map[string]any{"attachments": []attachment{s.promptAttachment(to, p)}}
		} else {
			body.Message = cut(msg.Text+"\n\n"+textPrompt(p), maxMessage)
		}
	}
	if msg.Key != "" {
		if body.Props == nil {
			body.Props = map[string]any{}
		}
		body.Props[keyProp] = msg.Key
	}
	var created post
	err := s.call(ctx, op, http.MethodPost, "/posts", body, &created)
	if err != nil && to.Thread != "" && isAPIError(err, errRootID) {
		p, gerr := s.getPost(ctx, op, to.Thread)
		if gerr == nil && p.RootID != "" && p.RootID != to.Thread {
			body.RootID = p.RootID
			err = s.call(ctx, op, http.MethodPost, "/posts", body, &created)
		}
	}
	if err != nil {
		return core.PostedRef{}, err
	}
	s.learnBot(created.UserID, "")
	return core.PostedRef{ID: created.ID}, nil
}

// promptAttachment renders the confirm and reject buttons. Their contexts
// are signed for this channel and thread (see ActionSignature).
func (s *Source) promptAttachment(to core.ConversationRef, p *core.Prompt) attachment {
	confirm, reject := p.Confirm, p.Reject
	if confirm == "" {
		confirm = "Yes"
	}
	if reject == "" {
		reject = "No"
	}
	ctxFor := func(action string) ActionContext {
		return ActionContext{
			Action: action, Token: p.Token, Thread: to.Thread,
			Secret: hexMAC(s.actionSecret, action, p.Token, to.Conversation, to.Thread),
		}
	}
	return attachment{
		Fallback: confirm + " / " + reject,
		Actions: []button{
			{ID: ButtonConfirm, Name: cut(confirm, 60), Type: "button", Style: "primary",
				Integration: integration{URL: s.actionURL, Context: ctxFor(ContextConfirm)}},
			{ID: ButtonReject, Name: cut(reject, 60), Type: "button", Style: "danger",
				Integration: integration{URL: s.actionURL, Context: ctxFor(ContextReject)}},
		},
	}
}

func hexMAC(secret []byte, action, token, channel, thread string) string {
	return fmt.Sprintf("%x", actionMAC(secret, action, token, channel, thread))
}

// textPrompt asks for a typed answer; the rules understand yes and no.
func textPrompt(p *core.Prompt) string {
	confirm, reject := p.Confirm, p.Reject
	if confirm == "" {
		confirm = "Yes"
	}
	if reject == "" {
		reject = "No"
	}
	return fmt.Sprintf("Reply **yes** (%s) or **no** (%s).", confirm, reject)
}

// Check calls users/me: it proves the bot token works and the server is
// reachable, and tells us the bot's own user id.
func (s *Source) Check(ctx context.Context) error {
	var me user
	if err := s.call(ctx, "check bot token", http.MethodGet, "/users/me", nil, &me); err != nil {
		var ce *core.CallError
		if errors.As(err, &ce) && (ce.Status == http.StatusUnauthorized || ce.Status == http.StatusForbidden) {
			return fmt.Errorf("mattermost refused the bot token: %w", err)
		}
		return fmt.Errorf("mattermost at %s is not reachable: %w", s.base.Host, err)
	}
	s.learnBot(me.ID, me.Username)
	return nil
}
