package wecomkf

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// maxText is send_msg's text limit (2048 bytes); longer text is cut at a
// rune boundary.
const maxText = 2048

// Post sends a message with kf/send_msg as the 客服帐号 the customer
// talks to. A prompt becomes a menu message whose two entries, when
// tapped, come back as the customer's text with menu_id
// "tb:confirm:<token>" or "tb:reject:<token>".
//
// WeCom allows a reply only within 48 hours of the customer's last
// message and at most 5 replies per customer message; a refusal under
// those rules (errcode 950xx) is permanent and wraps
// core.ErrSendRefused, so the notice goes to the route's fallback
// channels and is counted as refused.
func (s *Source) Post(ctx context.Context, to core.ConversationRef, msg core.OutboundMessage) (core.PostedRef, error) {
	const op = opSend
	kf, user, ok := splitConversation(to)
	if !ok {
		return core.PostedRef{}, &core.CallError{Op: op, Permanent: true, Message: "conversation is not open_kfid:external_userid"}
	}
	req := SendRequest{ToUser: user, OpenKfID: kf, MsgID: msgID(msg.Key)}
	if msg.Prompt != nil {
		req.MsgType = "msgmenu"
		req.MsgMenu = &MsgMenu{
			HeadContent: cut(msg.Text, 1024),
			List: []MenuItem{
				{Type: "click", Click: &MenuClick{ID: menuPrefix + core.ActionConfirm + ":" + msg.Prompt.Token, Content: label(msg.Prompt.Confirm, "是 Yes")}},
				{Type: "click", Click: &MenuClick{ID: menuPrefix + core.ActionReject + ":" + msg.Prompt.Token, Content: label(msg.Prompt.Reject, "否 No")}},
			},
		}
	} else {
		req.MsgType = "text"
		req.Text = &TextBody{Content: cut(msg.Text, maxText)}
	}
	var ans SendAnswer
	err := s.api.Call(ctx, op, http.MethodPost, "/cgi-bin/kf/send_msg", nil, req, &ans, func() (int, string) { return ans.ErrCode, ans.ErrMsg })
	if errors.Is(err, core.ErrSendRefused) {
		s.log.WarnContext(ctx, "wecom_kf refused the message under its reply rules (48 hours, 5 messages per customer message)",
			"open_kfid", kf, "external_userid", user, "error", err)
	}
	if err != nil {
		return core.PostedRef{}, err
	}
	id := ans.MsgID
	if id == "" {
		id = req.MsgID
	}
	return core.PostedRef{ID: id}, nil
}

// msgID derives send_msg's msgid (at most 32 bytes of [0-9a-zA-Z_-]) from
// our message key, so a retried send carries the same id.
func msgID(key string) string {
	if key == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(key))
	return "tb" + hex.EncodeToString(sum[:15])
}

func label(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// cut shortens s to at most n bytes without splitting a rune.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !runeStart(s[n]) {
		n--
	}
	return s[:n]
}

func runeStart(b byte) bool { return b&0xC0 != 0x80 }
