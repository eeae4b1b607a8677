package fallback

import (
	"context"

	"github.com/ticketbridge/ticketbridge/internal/source/dingtalk"
)

// dingtalkTextMax keeps a message under the robot's 20 000-byte limit with
// room for the JSON around it.
const dingtalkTextMax = 18000

// dingtalkRobot adapts the DingTalk source's GroupRobot, which owns the
// 加签 signing and DingTalk's error codes.
type dingtalkRobot struct {
	name  string
	robot dingtalk.GroupRobot
}

func newDingTalk(name string, spec Spec, d Deps) (Channel, error) {
	if _, err := checkWebhook(spec.Type, spec.Webhook); err != nil {
		return nil, err
	}
	r, err := dingtalk.NewGroupRobot(spec.Webhook, spec.Secret, d.HTTP, d.Now)
	if err != nil {
		return nil, err
	}
	return &dingtalkRobot{name: name, robot: r}, nil
}

func (r *dingtalkRobot) Name() string { return r.name }

func (r *dingtalkRobot) Send(ctx context.Context, n Notice) error {
	return r.robot.Send(ctx, truncate(n.Render(), dingtalkTextMax))
}
