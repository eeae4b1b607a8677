package generic

import "github.com/ticketbridge/ticketbridge/internal/core"

// Event is one inbound event as the chat system writes it.
type Event struct {
	Type         string            `json:"type"`
	Conversation Conversation      `json:"conversation"`
	Sender       Sender            `json:"sender"`
	Text         string            `json:"text,omitempty"`
	Time         string            `json:"time,omitempty"`
	Command      string            `json:"command,omitempty"`
	Action       string            `json:"action,omitempty"`
	Attachments  []core.Attachment `json:"attachments,omitempty"`
	Meta         map[string]any    `json:"meta,omitempty"`
}

// Batch carries several events in one delivery.
type Batch struct {
	Events []Event `json:"events"`
}

// Conversation names the conversation and, optionally, a thread in it.
type Conversation struct {
	ID     string `json:"id"`
	Thread string `json:"thread,omitempty"`
}

// Sender is who wrote the event.
type Sender struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Role  string `json:"role,omitempty"`
}

// Reply is the body Post sends to reply_url.
type Reply struct {
	Type         string       `json:"type"`
	Conversation Conversation `json:"conversation"`
	Text         string       `json:"text"`
	Prompt       *core.Prompt `json:"prompt,omitempty"`
	// Rating: the message is a satisfaction survey; the chat system may
	// show buttons and send a press back as a command event with action
	// "rate" and the score as text (or the customer types the number).
	Rating *core.Rating `json:"rating,omitempty"`
}

// ReplyAnswer is what the chat system may answer to a reply.
type ReplyAnswer struct {
	ID string `json:"id"`
}
