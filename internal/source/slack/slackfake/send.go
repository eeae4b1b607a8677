package slackfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// Request is one inbound delivery as Slack would make it.
type Request struct {
	Body        []byte
	ContentType string
	// Time is the X-Slack-Request-Timestamp; zero means now.
	Time time.Time
	// RetryNum, when above zero, marks a redelivery (X-Slack-Retry-Num).
	RetryNum int
}

// Sign sets the X-Slack-Request-Timestamp and X-Slack-Signature headers
// for body signed with secret at ts, as Slack does.
func Sign(h http.Header, secret string, ts time.Time, body []byte) {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + stamp + ":"))
	m.Write(body)
	h.Set("X-Slack-Request-Timestamp", stamp)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(m.Sum(nil)))
}

// Send signs req with secret and posts it to
// serverURL/hooks/im/{sourceID}.
func Send(ctx context.Context, serverURL, sourceID, secret string, req Request) (*http.Response, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, serverURL+"/hooks/im/"+sourceID, bytes.NewReader(req.Body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	ts := req.Time
	if ts.IsZero() {
		ts = time.Now()
	}
	r.Header.Set("Content-Type", req.ContentType)
	if req.RetryNum > 0 {
		r.Header.Set("X-Slack-Retry-Num", strconv.Itoa(req.RetryNum))
		r.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	Sign(r.Header, secret, ts, req.Body)
	return http.DefaultClient.Do(r)
}

// EventCallback wraps an event in the Events API envelope.
func EventCallback(tb testing.TB, eventID string, eventTime time.Time, event any) Request {
	tb.Helper()
	env := map[string]any{
		"token":      "deprecated-verification-token",
		"team_id":    TeamID,
		"api_app_id": "A0FAKE01",
		"type":       "event_callback",
		"event_id":   eventID,
		"event_time": eventTime.Unix(),
		"event":      event,
		"authorizations": []map[string]any{
			{"team_id": TeamID, "user_id": BotUserID, "is_bot": true, "is_enterprise_install": false},
		},
		"is_ext_shared_channel": false,
	}
	return jsonRequest(tb, env)
}

// URLVerification is the challenge Slack sends when the request URL is
// saved in the app's settings.
func URLVerification(tb testing.TB, challenge string) Request {
	tb.Helper()
	return jsonRequest(tb, map[string]any{"token": "deprecated-verification-token", "challenge": challenge, "type": "url_verification"})
}

// ChannelMessage is a message event from user in channel; thread may be "".
func ChannelMessage(channel, user, ts, thread, text string) map[string]any {
	ev := map[string]any{"type": "message", "channel": channel, "channel_type": "channel",
		"user": user, "text": text, "ts": ts, "event_ts": ts, "client_msg_id": "cm-" + ts}
	if thread != "" {
		ev["thread_ts"] = thread
	}
	return ev
}

// SlashCommand is the form Slack posts for a slash command.
func SlashCommand(command, text, channel, user, triggerID string) Request {
	f := url.Values{
		"token": {"deprecated-verification-token"}, "team_id": {TeamID}, "team_domain": {"fake"},
		"channel_id": {channel}, "channel_name": {"support"}, "user_id": {user}, "user_name": {"ann"},
		"command": {command}, "text": {text}, "api_app_id": {"A0FAKE01"},
		"response_url": {"https://hooks.slack.com/commands/" + TeamID + "/1/xyz"}, "trigger_id": {triggerID},
	}
	return Request{Body: []byte(f.Encode()), ContentType: "application/x-www-form-urlencoded"}
}

// Interaction is the form Slack posts for interactivity: payload=<json>.
func Interaction(tb testing.TB, payload any) Request {
	tb.Helper()
	data, err := json.Marshal(payload)
	if err != nil {
		tb.Fatalf("slackfake: payload: %v", err)
	}
	f := url.Values{"payload": {string(data)}}
	return Request{Body: []byte(f.Encode()), ContentType: "application/x-www-form-urlencoded"}
}

// ButtonPress is a block_actions payload pressing one of our prompt
// buttons (actionID "tb_confirm" or "tb_reject") carrying token, on a
// prompt posted in channel (and thread, may be "").
func ButtonPress(actionID, token, channel, thread, promptTS, user, actionTS string) map[string]any {
	container := map[string]any{"type": "message", "message_ts": promptTS, "channel_id": channel, "is_ephemeral": false}
	msg := map[string]any{"type": "message", "ts": promptTS, "bot_id": BotID, "text": "Open a ticket?"}
	if thread != "" {
		container["thread_ts"] = thread
		msg["thread_ts"] = thread
	}
	return map[string]any{
		"type": "block_actions", "trigger_id": "tr-" + actionTS, "api_app_id": "A0FAKE01",
		"team":      map[string]any{"id": TeamID, "domain": "fake"},
		"user":      map[string]any{"id": user, "username": "ann", "name": "ann", "team_id": TeamID},
		"channel":   map[string]any{"id": channel, "name": "support"},
		"container": container,
		"message":   msg,
		"actions": []map[string]any{{
			"type": "button", "action_id": actionID, "block_id": "tb_prompt", "value": token,
			"text": map[string]any{"type": "plain_text", "text": "Yes"}, "action_ts": actionTS,
		}},
	}
}

func jsonRequest(tb testing.TB, v any) Request {
	tb.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("slackfake: body: %v", err)
	}
	return Request{Body: data, ContentType: "application/json"}
}
