package slack

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
)

// maxAnswer bounds how much of a Web API answer is read.
const maxAnswer = 4 << 20

// transientErrors are the ok:false codes worth retrying; every other code
// describes the request itself (not_in_channel, channel_not_found,
// invalid_auth, missing_scope, …) and cannot succeed by repetition.
var transientErrors = map[string]bool{
	"ratelimited":         true,
	"rate_limited":        true,
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
	"team_added_to_org":   true,
}

// call invokes one Web API method. A JSON body is POSTed; form values
// (nil body) are sent as a GET query, as the read methods take them. The
// answer is decoded into out, which must embed apiAnswer; ok:false,
// 429 and 5xx come back as *core.CallError.
func (s *Source) call(ctx context.Context, op, method string, query url.Values, body any, out interface{ answer() *apiAnswer }) error {
	u := s.api.JoinPath(method)
	var req *http.Request
	var err error
	if body != nil {
		data, merr := json.Marshal(body)
		if merr != nil {
			return &core.CallError{Op: op, Permanent: true, Err: merr}
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(data))
		if err == nil {
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
		}
	} else {
		u.RawQuery = query.Encode()
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	}
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.http.Do(req)
	if err != nil {
		return &core.CallError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return &core.CallError{Op: op, Status: resp.StatusCode, Err: err}
	}
	retry := retryAfter(resp.Header.Get("Retry-After"), s.now())
	if resp.StatusCode != http.StatusOK {
		msg := strings.TrimSpace(string(data))
		var a apiAnswer
		if json.Unmarshal(data, &a) == nil && a.Error != "" {
			msg = a.Error
		}
		if resp.StatusCode == http.StatusTooManyRequests && retry == 0 {
			retry = time.Second
		}
		return core.ClassifyStatus(op, resp.StatusCode, cut(msg, 200), retry)
	}
	if err := json.Unmarshal(data, out); err != nil {
		// A 200 that is not JSON comes from something in between (a
		// proxy's error page); it may well pass next time.
		return &core.CallError{Op: op, Status: resp.StatusCode, Message: "answer is not JSON", Err: err}
	}
	a := out.answer()
	if a.OK {
		return nil
	}
	code := a.Error
	if code == "" {
		code = "unknown_error"
	}
	ce := &core.CallError{Op: op, Status: resp.StatusCode, Message: code, Permanent: !transientErrors[code], RetryAfter: retry}
	if a.Needed != "" {
		ce.Message += " (needed scope: " + a.Needed + ")"
	}
	if (code == "ratelimited" || code == "rate_limited") && ce.RetryAfter == 0 {
		ce.RetryAfter = time.Second
	}
	return ce
}

func (a *apiAnswer) answer() *apiAnswer { return a }

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Post sends a message with chat.postMessage, in the thread when the
// conversation has one. A prompt becomes Block Kit buttons whose value is
// the prompt's token; the plain text stays as the notification fallback.
func (s *Source) Post(ctx context.Context, to core.ConversationRef, msg core.OutboundMessage) (core.PostedRef, error) {
	const op = "post message"
	if to.Conversation == "" {
		return core.PostedRef{}, &core.CallError{Op: op, Permanent: true, Message: "no channel to post to"}
	}
	text := escape(msg.Text)
	body := postMessage{Channel: to.Conversation, Text: text, ThreadTS: to.Thread}
	if p := msg.Prompt; p != nil {
		body.Blocks = promptBlocks(text, p)
	}
	if r := msg.Rating; r != nil {
		body.Blocks = ratingBlocks(text, r)
	}
	if msg.Key != "" {
		body.Metadata = &metadata{EventType: noticeEventType, EventPayload: map[string]any{"key": msg.Key}}
	}
	var ans postAnswer
	if err := s.call(ctx, op, "chat.postMessage", nil, body, &ans); err != nil {
		return core.PostedRef{}, err
	}
	return core.PostedRef{ID: ans.TS}, nil
}

// promptBlocks renders a question with confirm and reject buttons.
func promptBlocks(text string, p *core.Prompt) []block {
	confirm, reject := p.Confirm, p.Reject
	if confirm == "" {
		confirm = "Yes"
	}
	if reject == "" {
		reject = "No"
	}
	return []block{
		{Type: "section", Text: &textObj{Type: "mrkdwn", Text: cut(text, 3000)}},
		{Type: "actions", BlockID: PromptBlockID, Elements: []element{
			{Type: "button", ActionID: ActionConfirmID, Text: &textObj{Type: "plain_text", Text: cut(confirm, 75)}, Value: p.Token, Style: "primary"},
			{Type: "button", ActionID: ActionRejectID, Text: &textObj{Type: "plain_text", Text: cut(reject, 75)}, Value: p.Token, Style: "danger"},
		}},
	}
}

// ratingBlocks renders a survey with one button per score; each press
// comes back as a block_actions payload with action_id tb_rate_<n>.
func ratingBlocks(text string, r *core.Rating) []block {
	buttons := make([]element, 0, r.Scale)
	for n := 1; n <= r.Scale; n++ {
		label := strconv.Itoa(n)
		buttons = append(buttons, element{Type: "button", ActionID: ActionRatePrefix + label,
			Text: &textObj{Type: "plain_text", Text: label}, Value: r.Token})
	}
	return []block{
		{Type: "section", Text: &textObj{Type: "mrkdwn", Text: cut(text, 3000)}},
		{Type: "actions", BlockID: RatingBlockID, Elements: buttons},
	}
}

// Check calls auth.test: it proves the token works and the API is
// reachable, and it tells us the bot's own user id.
func (s *Source) Check(ctx context.Context) error {
	_, err := s.authTest(ctx)
	return err
}

func (s *Source) authTest(ctx context.Context) (authTestAnswer, error) {
	var ans authTestAnswer
	if err := s.call(ctx, "auth.test", "auth.test", url.Values{}, nil, &ans); err != nil {
		if core.IsPermanent(err) {
			return ans, fmt.Errorf("slack refused the bot token: %w", err)
		}
		return ans, fmt.Errorf("slack is not reachable: %w", err)
	}
	if validID(ans.UserID) {
		s.learnBotUser(ans.UserID)
	}
	return ans, nil
}

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
