package agora

import "encoding/json"

// NCS event types (RTC channel events).
const (
	EventChannelCreate    = 101
	EventChannelDestroy   = 102
	EventBroadcasterJoin  = 103
	EventBroadcasterLeave = 104
	EventAudienceJoin     = 105
	EventAudienceLeave    = 106
	EventUserJoin         = 107
	EventUserLeave        = 108
	EventToBroadcaster    = 111
	EventToAudience       = 112
)

// Header names NCS signs with.
const (
	HeaderSignature   = "Agora-Signature"    // hex HMAC-SHA1 of the body
	HeaderSignatureV2 = "Agora-Signature-V2" // hex HMAC-SHA256 of the body
)

// Notice is one NCS notification.
type Notice struct {
	NoticeID  string          `json:"noticeId"`
	ProductID int             `json:"productId"`
	EventType int             `json:"eventType"`
	NotifyMs  int64           `json:"notifyMs,omitempty"`
	SID       string          `json:"sid,omitempty"`
	Payload   json.RawMessage `json:"payload"`
}

// ChannelPayload is the payload of the channel events 101–112. Pointers
// tell absent fields from zero ones.
type ChannelPayload struct {
	ChannelName string      `json:"channelName"`
	TS          int64       `json:"ts"`
	UID         json.Number `json:"uid,omitempty"`
	Account     string      `json:"account,omitempty"`
	Platform    *int        `json:"platform,omitempty"`
	ClientType  *int        `json:"clientType,omitempty"`
	Reason      *int        `json:"reason,omitempty"`
	Duration    *int64      `json:"duration,omitempty"`
	ClientSeq   *int64      `json:"clientSeq,omitempty"`
}

// Chat callback event types we act on; the others are acknowledged.
const (
	ChatEventMessage = "chat"
	// ChatEventOffline repeats a message for an offline recipient; the
	// message itself already came as "chat".
	ChatEventOffline = "chat_offline"
)

// Chat types of a message callback.
const (
	ChatTypeUser  = "chat"
	ChatTypeGroup = "groupchat"
	ChatTypeRoom  = "chatroom"
)

// ChatCallback is one Agora Chat HTTP callback.
type ChatCallback struct {
	CallID    string       `json:"callId"`
	EventType string       `json:"eventType"`
	Timestamp json.Number  `json:"timestamp"`
	AppKey    string       `json:"appkey,omitempty"`
	Security  string       `json:"security"`
	ChatType  string       `json:"chat_type,omitempty"`
	From      string       `json:"from,omitempty"`
	To        string       `json:"to,omitempty"`
	GroupID   string       `json:"group_id,omitempty"`
	MsgID     string       `json:"msg_id,omitempty"`
	Host      string       `json:"host,omitempty"`
	Payload   *ChatPayload `json:"payload,omitempty"`
}

// ChatPayload is a message callback's content.
type ChatPayload struct {
	Bodies []ChatBody      `json:"bodies"`
	Ext    json.RawMessage `json:"ext,omitempty"`
}

// ChatBody is one message body: txt, img, file, audio, video, loc, cmd or
// custom.
type ChatBody struct {
	Type       string  `json:"type"`
	Msg        string  `json:"msg,omitempty"`
	URL        string  `json:"url,omitempty"`
	Filename   string  `json:"filename,omitempty"`
	Secret     string  `json:"secret,omitempty"`
	FileLength int64   `json:"file_length,omitempty"`
	Length     float64 `json:"length,omitempty"`
	Addr       string  `json:"addr,omitempty"`
	Lat        float64 `json:"lat,omitempty"`
	Lng        float64 `json:"lng,omitempty"`
}

// TokenRequest asks POST /{org}/{app}/token for an app token.
type TokenRequest struct {
	GrantType    string `json:"grant_type"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// TokenAnswer is the token endpoint's answer.
type TokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	Application string `json:"application,omitempty"`
}

// SendRequest is a message sent through POST /{org}/{app}/messages/….
type SendRequest struct {
	From string            `json:"from"`
	To   []string          `json:"to"`
	Type string            `json:"type"`
	Body TextBody          `json:"body"`
	Ext  map[string]string `json:"ext,omitempty"`
}

// TextBody is a txt message body.
type TextBody struct {
	Msg string `json:"msg"`
}

// SendAnswer maps each recipient to the id of the message it got.
type SendAnswer struct {
	Data map[string]any `json:"data"`
}

// APIError is the REST API's error body.
type APIError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Exception   string `json:"exception,omitempty"`
}
