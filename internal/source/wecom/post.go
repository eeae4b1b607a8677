package wecom

import (
	"context"
	"encoding/hex"
	"net/http"
	"regexp"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Card text limits WeCom recommends (in characters); longer text is cut
// by the client anyway, so we cut it ourselves at a rune boundary.
const (
	maxCardTitle    = 36
	maxCardSubtitle = 160
	maxTaskID       = 128
)

// taskIDChars is what WeCom allows in a card's task_id.
var taskIDChars = regexp.MustCompile(`^[A-Za-z0-9_\-@]+$`)

// Post sends an app message to the user the conversation is with. WeCom
// app conversations have no threads, so to.Thread is not used. A prompt
// becomes a button_interaction card (or, with cards: false, text that
// asks for 1/是 or 2/否, which the rules read as yes and no).
func (s *Source) Post(ctx context.Context, to core.ConversationRef, msg core.OutboundMessage) (core.PostedRef, error) {
	const op = "post message"
	if to.Conversation == "" {
		return core.PostedRef{}, &core.CallError{Op: op, Permanent: true, Message: "conversation has no user id"}
	}
	req := SendRequest{ToUser: to.Conversation, AgentID: s.agentID}
	var taskID string
	switch {
	case msg.Prompt != nil && s.cards:
		taskID = cardTaskID(msg.Prompt.Token)
		req.MsgType = "template_card"
		req.TemplateCard = promptCard(msg.Text, taskID, msg.Prompt)
	case msg.Prompt != nil:
		req.MsgType = "text"
		req.Text = &TextContent{Content: promptText(msg.Text, msg.Prompt)}
	default:
		req.MsgType = "text"
		req.Text = &TextContent{Content: msg.Text}
	}
	var ans SendAnswer
	err := s.api.Call(ctx, op, http.MethodPost, "/cgi-bin/message/send", nil, req, &ans, func() (int, string) { return ans.ErrCode, ans.ErrMsg })
	if err != nil && taskID != "" && ans.ErrCode == errTaskIDExists {
		// task_id is unique per app: a retried prompt whose first send
		// went through (its answer lost) is refused with 42014. The card
		// is already in the chat, which is what we wanted.
		return core.PostedRef{ID: taskID}, nil
	}
	if err != nil {
		return core.PostedRef{}, err
	}
	id := ans.MsgID
	if id == "" {
		id = taskID
	}
	return core.PostedRef{ID: id}, nil
}

// cardTaskID derives the card's task_id from the prompt token, so a
// retried post reuses it. Tokens outside WeCom's alphabet are hex-coded.
func cardTaskID(token string) string {
	id := "tb-" + token
	if !taskIDChars.MatchString(token) || len(id) > maxTaskID {
		id = "tb-" + hex.EncodeToString([]byte(token))
	}
	return truncateBytes(id, maxTaskID)
}

func promptCard(text, taskID string, p *core.Prompt) *TemplateCard {
	title, rest, _ := strings.Cut(strings.TrimSpace(text), "\n")
	card := &TemplateCard{
		CardType:  "button_interaction",
		MainTitle: &CardTitle{Title: truncate(strings.TrimSpace(title), maxCardTitle)},
		TaskID:    taskID,
		ButtonList: []Button{
			{Text: orDefault(p.Confirm, "Yes"), Style: 1, Key: keyPrefix + core.ActionConfirm + ":" + p.Token},
			{Text: orDefault(p.Reject, "No"), Style: 2, Key: keyPrefix + core.ActionReject + ":" + p.Token},
		},
	}
	// The whole text goes below the title when the title had to be cut
	// or there is more than one line.
	if rest = strings.TrimSpace(rest); rest != "" || card.MainTitle.Title != strings.TrimSpace(title) {
		card.SubTitleText = truncate(strings.TrimSpace(text), maxCardSubtitle)
	}
	return card
}

func promptText(text string, p *core.Prompt) string {
	return strings.TrimSpace(text) + "\n\n" +
		"回复 1 或“是”确认（" + orDefault(p.Confirm, "Yes") + "），回复 2 或“否”取消（" + orDefault(p.Reject, "No") + "）。\n" +
		"Reply 1/是 to confirm, 2/否 to decline."
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
