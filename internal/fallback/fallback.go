// Package fallback delivers a notification somewhere other than the
// conversation it was meant for: a WeCom, DingTalk or Feishu group robot,
// or e-mail. A route lists its fallback channels in order; when a post to
// the conversation fails for good (a permanent error, an expired DingTalk
// session webhook, a user who left), Deliver tries them one after another.
package fallback

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Channel types, as written in the configuration.
const (
	TypeWeComRobot    = "wecom_robot"
	TypeDingTalkRobot = "dingtalk_robot"
	TypeFeishuBot     = "feishu_bot"
	TypeEmail         = "email"
)

// A Channel delivers a plain-text notification somewhere other than the
// conversation.
type Channel interface {
	// Name labels the channel in logs and in Deliver's answer; it never
	// carries a webhook, key or address.
	Name() string
	Send(ctx context.Context, n Notice) error
}

// Notice is one notification that could not reach its conversation.
type Notice struct {
	Subject      string
	Text         string
	Conversation core.ConversationRef
	Ticket       core.TicketRef
	// Reason says why the conversation could not be reached.
	Reason string
}

// Spec configures one channel.
type Spec struct {
	// Type is one of wecom_robot, dingtalk_robot, feishu_bot, email.
	Type string
	// Name optionally labels the channel; it defaults to Type.
	Name string
	// Webhook is the robot's whole URL (robots only); it is a credential.
	Webhook string
	// Secret is the robot's signing secret (DingTalk 加签, Feishu 签名校验);
	// empty when the robot is not signed. WeCom robots are never signed.
	Secret string
	// To lists the e-mail recipients (email only).
	To []string
	// Subject is the e-mail subject used when the notice has none.
	Subject string
}

// Deps are what channels need from the process.
type Deps struct {
	// HTTP sends the robots' requests; nil means a client with a 10 s
	// timeout. Pass an SSRF-guarded client: webhooks come from config.
	HTTP *http.Client
	// SMTP is the mail relay for email channels.
	SMTP SMTPConfig
	// Now defaults to time.Now; robots sign with it, e-mail dates with it.
	Now func() time.Time
	// Dial opens the SMTP connection; nil means a plain net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

const defaultTimeout = 10 * time.Second

// ErrUnknownType is returned by New for a type it does not know.
var ErrUnknownType = errors.New("unknown fallback channel type")

// New builds the channel a spec describes, checking the spec first so that
// a bad configuration fails at start-up rather than when it is needed.
func New(spec Spec, d Deps) (Channel, error) {
	if d.HTTP == nil {
		d.HTTP = &http.Client{Timeout: defaultTimeout}
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	name := spec.Name
	if name == "" {
		name = spec.Type
	}
	switch spec.Type {
	case TypeWeComRobot:
		return newWeCom(name, spec, d)
	case TypeDingTalkRobot:
		return newDingTalk(name, spec, d)
	case TypeFeishuBot:
		return newFeishu(name, spec, d)
	case TypeEmail:
		return newEmail(name, spec, d)
	default:
		return nil, fmt.Errorf("%w %q", ErrUnknownType, spec.Type)
	}
}

// Render is the notice as one plain text: subject, text, then what it is
// about and why it did not reach the conversation. Robots post this.
func (n Notice) Render() string {
	var b strings.Builder
	if s := strings.TrimSpace(n.Subject); s != "" {
		b.WriteString(s)
		b.WriteString("\n")
	}
	b.WriteString(n.details())
	return strings.TrimRight(b.String(), "\n")
}

// details is the text and the context lines, without the subject (e-mail
// carries that in its header).
func (n Notice) details() string {
	var b strings.Builder
	if t := strings.TrimSpace(n.Text); t != "" {
		b.WriteString(t)
		b.WriteString("\n")
	}
	var ctx []string
	if n.Ticket.Key != "" {
		line := "Ticket: " + n.Ticket.Key
		if n.Ticket.Sink != "" {
			line = "Ticket: " + n.Ticket.Sink + " " + n.Ticket.Key
		}
		if n.Ticket.URL != "" {
			line += " " + n.Ticket.URL
		}
		if n.Ticket.Status != "" {
			line += " (" + n.Ticket.Status + ")"
		}
		ctx = append(ctx, line)
	}
	if n.Conversation.Conversation != "" {
		ctx = append(ctx, "Conversation: "+n.Conversation.Key())
	}
	if n.Reason != "" {
		ctx = append(ctx, "Not delivered to the conversation: "+n.Reason)
	}
	if len(ctx) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(strings.Join(ctx, "\n"))
		b.WriteString("\n")
	}
	return b.String()
}

// truncate cuts s to at most max bytes on a rune boundary, marking the cut,
// because robots reject over-long messages outright.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const mark = "\n…"
	cut := max - len(mark)
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
