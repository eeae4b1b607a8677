package feishu

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// maxUUID is the longest idempotency key the message APIs take.
const maxUUID = 50

// Post sends msg to the chat, as a reply to the thread's root message when
// to.Thread is set. A prompt becomes an interactive card with a confirm
// and a reject button; msg.Key is the API's uuid, so a retried post is
// one message within Feishu's dedupe window (one hour).
func (s *Source) Post(ctx context.Context, to core.ConversationRef, msg core.OutboundMessage) (core.PostedRef, error) {
	const op = "post message"
	if to.Conversation == "" && to.Thread == "" {
		return core.PostedRef{}, &core.CallError{Op: op, Permanent: true, Message: "no chat to post to"}
	}
	req := SendRequest{MsgType: "text", UUID: idempotencyKey(msg.Key)}
	var content any = map[string]string{"text": msg.Text}
	if msg.Prompt != nil {
		req.MsgType = "interactive"
		content = promptCard(to, msg.Text, msg.Prompt)
	}
	if msg.Rating != nil {
		req.MsgType = "interactive"
		content = ratingCard(to, msg.Text, msg.Rating)
	}
	b, err := json.Marshal(content)
	if err != nil {
		return core.PostedRef{}, &core.CallError{Op: op, Permanent: true, Err: err}
	}
	req.Content = string(b)
	path := "/open-apis/im/v1/messages/" + url.PathEscape(to.Thread) + "/reply"
	if to.Thread == "" {
		req.ReceiveID = to.Conversation
		path = "/open-apis/im/v1/messages?receive_id_type=chat_id"
	}
	var out struct {
		MessageID string `json:"message_id"`
	}
	if err := s.call(ctx, op, http.MethodPost, path, req, &out); err != nil {
		return core.PostedRef{}, err
	}
	return core.PostedRef{ID: out.MessageID}, nil
}

// idempotencyKey fits our key into the API's uuid field.
func idempotencyKey(key string) string {
	if len(key) <= maxUUID {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "tb-" + hex.EncodeToString(sum[:])[:40]
}

// promptCard is a message card (the classic card JSON) with the text and
// two buttons whose values carry the proposal token and the answer.
func promptCard(to core.ConversationRef, text string, p *core.Prompt) map[string]any {
	button := func(label, action, kind string) map[string]any {
		return map[string]any{
			"tag":  "button",
			"type": kind,
			"text": map[string]string{"tag": "plain_text", "content": label},
			"value": map[string]string{
				ValueAction: action,
				ValueToken:  p.Token,
				ValueChat:   to.Conversation,
				ValueThread: to.Thread,
			},
		}
	}
	confirm, reject := p.Confirm, p.Reject
	if confirm == "" {
		confirm = "Yes"
	}
	if reject == "" {
		reject = "No"
	}
	return map[string]any{
		"config": map[string]bool{"wide_screen_mode": true, "update_multi": true},
		"elements": []any{
			map[string]any{"tag": "div", "text": map[string]string{"tag": "plain_text", "content": text}},
			map[string]any{"tag": "action", "actions": []any{
				button(confirm, core.ActionConfirm, "primary"),
				button(reject, core.ActionReject, "default"),
			}},
		},
	}
}

// ratingCard is a survey card: one button per score, whose value carries
// the survey's token and the score.
func ratingCard(to core.ConversationRef, text string, r *core.Rating) map[string]any {
	buttons := make([]any, 0, r.Scale)
	for n := 1; n <= r.Scale; n++ {
		label := strconv.Itoa(n)
		buttons = append(buttons, map[string]any{
			"tag":  "button",
			"type": "default",
			"text": map[string]string{"tag": "plain_text", "content": label},
			"value": map[string]string{
				ValueAction: core.ActionRate,
				ValueToken:  r.Token,
				ValueScore:  label,
				ValueChat:   to.Conversation,
				ValueThread: to.Thread,
			},
		})
	}
	return map[string]any{
		"config": map[string]bool{"wide_screen_mode": true, "update_multi": true},
		"elements": []any{
			map[string]any{"tag": "div", "text": map[string]string{"tag": "plain_text", "content": text}},
			map[string]any{"tag": "action", "actions": buttons},
		},
	}
}

// PostsIdempotently: Feishu drops a second message with the same uuid
// (sent as the notice's key) within an hour, so a retried notice may post
// again without a look-up.
func (s *Source) PostsIdempotently() bool { return true }
