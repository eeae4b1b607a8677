package dingtalk

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// GroupRobot is a DingTalk custom group robot (自定义机器人): a webhook
// that posts into one group, signed when the robot has 加签 enabled. It
// needs no app, which makes it a notification fallback when a
// conversation cannot be answered directly.
type GroupRobot struct {
	// Webhook is the robot's URL with its access_token,
	// https://oapi.dingtalk.com/robot/send?access_token=….
	Webhook string
	// Secret is the robot's signing secret ("SEC…"); empty when the robot
	// uses keywords or an IP list instead.
	Secret string
	// HTTP and Now default to a 10-second client and time.Now.
	HTTP *http.Client
	Now  func() time.Time
}

// Send posts text to the group. DingTalk answers errcode 0 on success;
// 310000 (sign, keyword or IP check failed) and 300001 (no such robot)
// are permanent, 130101 (over 20 messages a minute) is retried a minute
// later.
func (g GroupRobot) Send(ctx context.Context, text string) error {
	const op = "post to group robot"
	u, err := url.Parse(g.Webhook)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &core.CallError{Op: op, Permanent: true, Message: "webhook is not an absolute http or https URL"}
	}
	if g.Secret != "" {
		now := g.Now
		if now == nil {
			now = time.Now
		}
		ts := now().UnixMilli()
		q := u.Query()
		q.Set("timestamp", strconv.FormatInt(ts, 10))
		q.Set("sign", Sign(g.Secret, ts))
		u.RawQuery = q.Encode()
	}
	hc := g.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	c := &apiClient{http: hc}
	var ans oapiError
	if err := c.doJSON(ctx, op, http.MethodPost, u.String(), nil, TextMessage{MsgType: "text", Text: TextBody{Content: text}}, &ans); err != nil {
		return err
	}
	if ans.ErrCode != 0 {
		return classifyOld(op, ans.ErrCode, ans.ErrMsg)
	}
	return nil
}

// ErrNoWebhook is returned by NewGroupRobot for an empty webhook.
var ErrNoWebhook = errors.New("group robot webhook is empty")

// NewGroupRobot checks the webhook and returns the robot.
func NewGroupRobot(webhook, secret string, hc *http.Client, now func() time.Time) (GroupRobot, error) {
	if webhook == "" {
		return GroupRobot{}, ErrNoWebhook
	}
	u, err := url.Parse(webhook)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return GroupRobot{}, errors.New("group robot webhook must be an absolute http or https URL")
	}
	return GroupRobot{Webhook: webhook, Secret: secret, HTTP: hc, Now: now}, nil
}
