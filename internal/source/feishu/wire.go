package feishu

import "encoding/json"

// The shapes below are Feishu's JSON as far as ticketbridge reads it.

// envelope is every kind of delivery at once: a v2 event, a v1 event, a
// URL-verification challenge and a legacy card callback share one URL.
type envelope struct {
	Encrypt string `json:"encrypt,omitempty"`

	Schema string          `json:"schema,omitempty"`
	Header *eventHeader    `json:"header,omitempty"`
	Event  json.RawMessage `json:"event,omitempty"`

	// v1 events, challenges and legacy card callbacks.
	UUID      string `json:"uuid,omitempty"`
	Token     string `json:"token,omitempty"`
	Ts        string `json:"ts,omitempty"`
	Type      string `json:"type,omitempty"`
	Challenge string `json:"challenge,omitempty"`

	// Legacy card callbacks (card request URL).
	OpenID        string      `json:"open_id,omitempty"`
	OpenMessageID string      `json:"open_message_id,omitempty"`
	OpenChatID    string      `json:"open_chat_id,omitempty"`
	Action        *cardAction `json:"action,omitempty"`
}

type eventHeader struct {
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type"`
	CreateTime string `json:"create_time"`
	Token      string `json:"token"`
	AppID      string `json:"app_id"`
	TenantKey  string `json:"tenant_key"`
}

// token is the verification token the delivery carries: header.token in
// v2, token at the top in v1, challenges and card callbacks.
func (e *envelope) token() string {
	if e.Header != nil && e.Header.Token != "" {
		return e.Header.Token
	}
	return e.Token
}

type userID struct {
	OpenID  string `json:"open_id,omitempty"`
	UnionID string `json:"union_id,omitempty"`
	UserID  string `json:"user_id,omitempty"`
}

// messageReceive is the event of im.message.receive_v1.
type messageReceive struct {
	Sender struct {
		SenderID   userID `json:"sender_id"`
		SenderType string `json:"sender_type"`
	} `json:"sender"`
	Message struct {
		MessageID   string    `json:"message_id"`
		RootID      string    `json:"root_id"`
		ParentID    string    `json:"parent_id"`
		CreateTime  string    `json:"create_time"`
		ChatID      string    `json:"chat_id"`
		ThreadID    string    `json:"thread_id"`
		ChatType    string    `json:"chat_type"`
		MessageType string    `json:"message_type"`
		Content     string    `json:"content"`
		Mentions    []mention `json:"mentions"`
	} `json:"message"`
}

type mention struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	// ID is an object in events and a plain string in the message APIs.
	ID json.RawMessage `json:"id"`
}

// messageV1 is the legacy v1 "message" event.
type messageV1 struct {
	Type             string `json:"type"`
	MsgType          string `json:"msg_type"`
	OpenChatID       string `json:"open_chat_id"`
	OpenID           string `json:"open_id"`
	OpenMessageID    string `json:"open_message_id"`
	RootID           string `json:"root_id"`
	ParentID         string `json:"parent_id"`
	ChatType         string `json:"chat_type"`
	Text             string `json:"text"`
	TextWithoutAtBot string `json:"text_without_at_bot"`
	ImageKey         string `json:"image_key"`
	FileKey          string `json:"file_key"`
	FileName         string `json:"file_name"`
}

type cardAction struct {
	Value map[string]any `json:"value"`
	Tag   string         `json:"tag"`
}

// cardTrigger is the event of card.action.trigger (new-style callbacks).
type cardTrigger struct {
	Operator userID      `json:"operator"`
	Action   *cardAction `json:"action"`
	Context  struct {
		OpenMessageID string `json:"open_message_id"`
		OpenChatID    string `json:"open_chat_id"`
	} `json:"context"`
}

// apiMessage is a message as the message APIs return it.
type apiMessage struct {
	MessageID  string `json:"message_id"`
	RootID     string `json:"root_id"`
	ParentID   string `json:"parent_id"`
	ThreadID   string `json:"thread_id"`
	MsgType    string `json:"msg_type"`
	CreateTime string `json:"create_time"`
	Deleted    bool   `json:"deleted"`
	ChatID     string `json:"chat_id"`
	Sender     struct {
		ID         string `json:"id"`
		IDType     string `json:"id_type"`
		SenderType string `json:"sender_type"`
	} `json:"sender"`
	Body struct {
		Content string `json:"content"`
	} `json:"body"`
	Mentions []mention `json:"mentions"`
}

// Button values of our confirmation cards. The chat and thread ride along
// because a card callback names the card's message, not its thread.
const (
	ValueAction = "tb_action"
	ValueToken  = "tb_token"
	ValueChat   = "tb_chat"
	ValueThread = "tb_thread"
	// ValueScore is a survey button's score ("1" … "5").
	ValueScore = "tb_score"
)

// SendRequest is the body of the send and reply message APIs.
type SendRequest struct {
	ReceiveID string `json:"receive_id,omitempty"`
	MsgType   string `json:"msg_type"`
	// Content is a JSON document in a string.
	Content string `json:"content"`
	UUID    string `json:"uuid,omitempty"`
}

// apiAnswer is the common answer of every open API.
type apiAnswer struct {
	Code int             `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}
