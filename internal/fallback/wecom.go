package fallback

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// WeCom group robot error codes we treat specially.
const (
	wecomBusy      = -1    // system busy
	wecomRateLimit = 45009 // over 20 messages a minute per robot
	wecomFreqLimit = 45033 // too many concurrent calls
	// wecomTextMax is the robot's limit on text content, in bytes.
	wecomTextMax = 2048
)

type wecomRobot struct {
	name    string
	webhook string
	http    *http.Client
}

func newWeCom(name string, spec Spec, d Deps) (Channel, error) {
	if _, err := checkWebhook(spec.Type, spec.Webhook); err != nil {
		return nil, err
	}
	return &wecomRobot{name: name, webhook: spec.Webhook, http: d.HTTP}, nil
}

func (w *wecomRobot) Name() string { return w.name }

type wecomText struct {
	MsgType string `json:"msgtype"`
	Text    struct {
		Content string `json:"content"`
	} `json:"text"`
}

type wecomAnswer struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// Send posts the rendered notice. The key in the webhook URL is the only
// credential: WeCom robots are not signed.
func (w *wecomRobot) Send(ctx context.Context, n Notice) error {
	const op = "post to wecom robot"
	var body wecomText
	body.MsgType = "text"
	body.Text.Content = truncate(n.Render(), wecomTextMax)
	var ans wecomAnswer
	if err := postJSON(ctx, w.http, op, w.webhook, body, &ans); err != nil {
		return err
	}
	if ans.ErrCode == 0 {
		return nil
	}
	ce := &core.CallError{Op: op, Status: http.StatusOK, Message: fmt.Sprintf("errcode %d: %s", ans.ErrCode, ans.ErrMsg), Permanent: true}
	switch ans.ErrCode {
	case wecomRateLimit, wecomFreqLimit:
		// The limit is per minute: waiting one is enough.
		ce.Permanent, ce.RetryAfter = false, time.Minute
	case wecomBusy:
		ce.Permanent, ce.RetryAfter = false, 5*time.Second
	}
	return ce
}
