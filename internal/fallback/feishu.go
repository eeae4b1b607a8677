package fallback

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Feishu custom bot answer codes we treat specially.
const (
	// 9499 is both "Bad Request" and, with "too many request", the bot's
	// 100/min or 5/s limit: only the latter is worth retrying.
	feishuTooMany   = 9499
	feishuRateLimit = 11232 // message service frequency limit
	// feishuTextMax keeps a request under the bot's 20 KB body limit.
	feishuTextMax = 18000
)

type feishuBot struct {
	name    string
	webhook string
	secret  string
	http    *http.Client
	now     func() time.Time
}

func newFeishu(name string, spec Spec, d Deps) (Channel, error) {
	if _, err := checkWebhook(spec.Type, spec.Webhook); err != nil {
		return nil, err
	}
	return &feishuBot{name: name, webhook: spec.Webhook, secret: spec.Secret, http: d.HTTP, now: d.Now}, nil
}

func (f *feishuBot) Name() string { return f.name }

type feishuText struct {
	Timestamp string `json:"timestamp,omitempty"`
	Sign      string `json:"sign,omitempty"`
	MsgType   string `json:"msg_type"`
	Content   struct {
		Text string `json:"text"`
	} `json:"content"`
}

// feishuAnswer covers both answer shapes the bot has used: code/msg and
// the older StatusCode/StatusMessage.
type feishuAnswer struct {
	Code          int    `json:"code"`
	Msg           string `json:"msg"`
	StatusCode    int    `json:"StatusCode"`
	StatusMessage string `json:"StatusMessage"`
}

// FeishuSign is the custom bot's signature: the HMAC-SHA256 keyed with
// timestamp+"\n"+secret over an empty message, base64-encoded. The key,
// not the message, carries the data: that is how Feishu defines it.
func FeishuSign(secret string, unixSeconds int64) string {
	m := hmac.New(sha256.New, []byte(strconv.FormatInt(unixSeconds, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Send posts the rendered notice, signed when the bot has a secret.
// Feishu refuses a timestamp more than an hour from its clock.
func (f *feishuBot) Send(ctx context.Context, n Notice) error {
	const op = "post to feishu bot"
	var body feishuText
	body.MsgType = "text"
	body.Content.Text = truncate(n.Render(), feishuTextMax)
	if f.secret != "" {
		ts := f.now().Unix()
		body.Timestamp = strconv.FormatInt(ts, 10)
		body.Sign = FeishuSign(f.secret, ts)
	}
	var ans feishuAnswer
	if err := postJSON(ctx, f.http, op, f.webhook, body, &ans); err != nil {
		return err
	}
	code, msg := ans.Code, ans.Msg
	if code == 0 {
		code, msg = ans.StatusCode, ans.StatusMessage
	}
	if code == 0 {
		return nil
	}
	ce := &core.CallError{Op: op, Status: http.StatusOK, Message: fmt.Sprintf("code %d: %s", code, msg), Permanent: true}
	if code == feishuRateLimit || (code == feishuTooMany && strings.Contains(strings.ToLower(msg), "too many")) {
		ce.Permanent, ce.RetryAfter = false, time.Minute
	}
	return ce
}
