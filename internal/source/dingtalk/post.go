package dingtalk

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Post sends a message to a conversation: through the session webhook of
// the conversation's latest callback while it lasts (no token needed),
// otherwise through the robot API: groupMessages/send for a group,
// oToMessages/batchSend for a one-to-one chat ("user:<staff id>").
// DingTalk chats have no threads, so to.Thread is not used. A prompt is
// text that asks for 1/是 or 2/否 (see the package doc).
func (s *Source) Post(ctx context.Context, to core.ConversationRef, msg core.OutboundMessage) (core.PostedRef, error) {
	const op = "post message"
	if to.Conversation == "" {
		return core.PostedRef{}, &core.CallError{Op: op, Permanent: true, Message: "conversation has no id"}
	}
	text := msg.Text
	if msg.Prompt != nil {
		text = promptText(msg.Text, msg.Prompt)
	}
	if hook, ok := s.sessions.get(to.Conversation, s.now()); ok {
		err := s.postSession(ctx, hook, text)
		if err == nil {
			return core.PostedRef{}, nil
		}
		if !core.IsPermanent(err) || !s.hasRobotAPI() {
			return core.PostedRef{}, err
		}
		// DingTalk refused the session (it expired early or was revoked):
		// nothing was posted, so the robot API may try.
		s.sessions.drop(to.Conversation, hook)
		s.log.Info("dingtalk session webhook refused; using the robot api", "error", err)
	}
	if !s.hasRobotAPI() {
		return core.PostedRef{}, &core.CallError{Op: op, Permanent: true,
			Message: "no live session webhook for " + to.Conversation +
				" (expired, or lost at restart) and no robot api credentials (app_key and app_secret) to post without one"}
	}
	return s.postRobotAPI(ctx, to.Conversation, text)
}

func (s *Source) postSession(ctx context.Context, hook, text string) error {
	const op = "post message (session webhook)"
	var ans oapiError
	if err := s.api.doJSON(ctx, op, http.MethodPost, hook, nil, TextMessage{MsgType: "text", Text: TextBody{Content: text}}, &ans); err != nil {
		return err
	}
	if ans.ErrCode != 0 {
		return classifyOld(op, ans.ErrCode, ans.ErrMsg)
	}
	return nil
}

func (s *Source) postRobotAPI(ctx context.Context, conv, text string) (core.PostedRef, error) {
	param, err := json.Marshal(map[string]string{"content": text})
	if err != nil {
		return core.PostedRef{}, &core.CallError{Op: "post message", Permanent: true, Err: err}
	}
	var ans SendAnswer
	if user, ok := strings.CutPrefix(conv, UserPrefix); ok {
		const op = "post message (robot 1:1)"
		req := OTOSendRequest{RobotCode: s.robotCode, UserIDs: []string{user}, MsgKey: "sampleText", MsgParam: string(param)}
		if err := s.api.callAPI(ctx, op, "/v1.0/robot/oToMessages/batchSend", req, &ans); err != nil {
			return core.PostedRef{}, err
		}
		switch {
		case slices.Contains(ans.InvalidStaffIDList, user):
			return core.PostedRef{}, &core.CallError{Op: op, Status: http.StatusOK, Permanent: true, Message: "invalid staff id " + user}
		case slices.Contains(ans.FlowControlledStaffIDList, user):
			return core.PostedRef{}, &core.CallError{Op: op, Status: http.StatusOK, RetryAfter: rateLimitWait, Message: "flow controlled for " + user}
		}
	} else {
		const op = "post message (robot group)"
		req := GroupSendRequest{RobotCode: s.robotCode, OpenConversationID: conv, MsgKey: "sampleText", MsgParam: string(param)}
		if err := s.api.callAPI(ctx, op, "/v1.0/robot/groupMessages/send", req, &ans); err != nil {
			return core.PostedRef{}, err
		}
	}
	// A 2xx without processQueryKey still means DingTalk took the
	// message; retrying would post it twice.
	return core.PostedRef{ID: ans.ProcessQueryKey}, nil
}

// promptText is the confirmation prompt as text: DingTalk's buttons
// (actionCard) can only open URLs, and its interactive cards need a card
// template made in the developer console, so the answer comes back as a
// message the rules read as yes or no.
func promptText(text string, p *core.Prompt) string {
	return strings.TrimSpace(text) + "\n\n" +
		"回复 1 或“是”确认（" + orDefault(p.Confirm, "Yes") + "），回复 2 或“否”取消（" + orDefault(p.Reject, "No") + "）。\n" +
		"Reply 1/yes to confirm, 2/no to decline."
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
