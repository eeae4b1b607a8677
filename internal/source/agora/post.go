package agora

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Post sends a text message through the Chat REST API to the user, group
// or chat room the conversation names, from chat_from. Agora Chat has no
// buttons a server can send, so a prompt becomes text asking for yes/是 or
// no/否, which the rules read as the answer. RTC channels cannot receive
// messages; posting to one is a permanent error.
func (s *Source) Post(ctx context.Context, to core.ConversationRef, msg core.OutboundMessage) (core.PostedRef, error) {
	const op = "post message"
	if s.api == nil {
		return core.PostedRef{}, &core.CallError{Op: op, Permanent: true,
			Message: "source has no Agora Chat REST settings (chat_api_url and credentials)"}
	}
	target, id, err := target(to.Conversation)
	if err != nil {
		return core.PostedRef{}, &core.CallError{Op: op, Permanent: true, Err: err}
	}
	text := msg.Text
	if msg.Prompt != nil {
		text = promptText(text, msg.Prompt)
	}
	req := SendRequest{From: s.chatFrom, To: []string{id}, Type: "txt", Body: TextBody{Msg: text}}
	if msg.Key != "" {
		// Lets a reader of the chat history tell our messages apart.
		req.Ext = map[string]string{"tb_key": msg.Key}
	}
	var ans SendAnswer
	if err := s.api.call(ctx, op, http.MethodPost, "/messages/"+target, req, &ans); err != nil {
		return core.PostedRef{}, err
	}
	return core.PostedRef{ID: messageID(ans, id)}, nil
}

// target is the REST collection and id a conversation id names.
func target(conv string) (string, string, error) {
	for _, t := range []struct{ prefix, path string }{
		{ConvUser, "users"}, {ConvGroup, "chatgroups"}, {ConvRoom, "chatrooms"},
	} {
		if id, ok := strings.CutPrefix(conv, t.prefix); ok {
			if id == "" {
				return "", "", fmt.Errorf("conversation %q names no %s", conv, strings.TrimSuffix(t.prefix, ":"))
			}
			return t.path, id, nil
		}
	}
	return "", "", fmt.Errorf("conversation %q is an RTC channel or unknown; only Agora Chat users, groups and rooms take messages", conv)
}

// messageID picks the message id the answer gives for the recipient; old
// API versions answer "success" instead of an id.
func messageID(ans SendAnswer, id string) string {
	if v, ok := ans.Data[id].(string); ok && v != "success" {
		return v
	}
	keys := make([]string, 0, len(ans.Data))
	for k := range ans.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v, ok := ans.Data[k].(string); ok && v != "success" {
			return v
		}
	}
	return ""
}

func promptText(text string, p *core.Prompt) string {
	return strings.TrimSpace(text) + "\n\n" +
		"Reply yes/是 to confirm (" + orDefault(p.Confirm, "Yes") + ") or no/否 to decline (" + orDefault(p.Reject, "No") + ").\n" +
		"回复“是”确认，回复“否”取消。"
}

// Check proves the Chat credentials work by obtaining an app token (with
// a fixed token, by reading the app's first user page, which needs one).
func (s *Source) Check(ctx context.Context) error {
	if s.api == nil {
		return nil
	}
	if s.api.fixedToken == "" {
		if _, err := s.api.appToken(ctx, true); err != nil {
			return fmt.Errorf("agora chat: cannot get an app token with chat_client_id/chat_client_secret: %w", err)
		}
		return nil
	}
	err := s.api.call(ctx, "list users", http.MethodGet, "/users?limit=1", nil, nil)
	var ce *core.CallError
	if errors.As(err, &ce) && ce.Status == http.StatusUnauthorized {
		return fmt.Errorf("agora chat: chat_app_token refused (expired or for another app): %w", err)
	}
	if err != nil {
		return fmt.Errorf("agora chat: %w", err)
	}
	return nil
}

// CanPost implements source.PostChecker: Agora Chat users and groups take
// messages; RTC channels cannot, and a live stream's chat room is the
// audience's, not a place for ticket notices.
func (s *Source) CanPost(conv core.ConversationRef) bool {
	return strings.HasPrefix(conv.Conversation, ConvUser) || strings.HasPrefix(conv.Conversation, ConvGroup)
}
