package wecomkf

import "encoding/xml"

// Envelope is the encrypted callback body, the same as a WeCom app's:
// <xml><ToUserName/><Encrypt/><AgentID/></xml>.
type Envelope struct {
	XMLName    xml.Name `xml:"xml"`
	ToUserName string   `xml:"ToUserName"`
	Encrypt    string   `xml:"Encrypt"`
	AgentID    string   `xml:"AgentID"`
}

// Callback is a decrypted kf_msg_or_event callback. It carries no message:
// only the account that has new ones and a token for reading them.
type Callback struct {
	XMLName    xml.Name `xml:"xml"`
	ToUserName string   `xml:"ToUserName"`
	CreateTime int64    `xml:"CreateTime"`
	MsgType    string   `xml:"MsgType"`
	Event      string   `xml:"Event"`
	Token      string   `xml:"Token"`
	OpenKfID   string   `xml:"OpenKfId"`
}

// EventKfMsgOrEvent is the only callback event this source acts on.
const EventKfMsgOrEvent = "kf_msg_or_event"

// SyncRequest is the body of kf/sync_msg.
type SyncRequest struct {
	Cursor      string `json:"cursor,omitempty"`
	Token       string `json:"token,omitempty"`
	Limit       int    `json:"limit,omitempty"`
	VoiceFormat int    `json:"voice_format"`
	OpenKfID    string `json:"open_kfid"`
}

// SyncAnswer is kf/sync_msg's answer.
type SyncAnswer struct {
	ErrCode    int    `json:"errcode"`
	ErrMsg     string `json:"errmsg"`
	NextCursor string `json:"next_cursor"`
	HasMore    int    `json:"has_more"`
	MsgList    []Msg  `json:"msg_list"`
}

// Origins of a synced message.
const (
	OriginCustomer = 3 // 微信客户发送的消息
	OriginSystem   = 4 // 系统推送的事件消息
	OriginServicer = 5 // 接待人员在企业微信客户端发送的消息
)

// Msg is one message or event of kf/sync_msg.
type Msg struct {
	MsgID          string `json:"msgid"`
	OpenKfID       string `json:"open_kfid"`
	ExternalUserID string `json:"external_userid"`
	SendTime       int64  `json:"send_time"`
	Origin         int    `json:"origin"`
	ServicerUserID string `json:"servicer_userid,omitempty"`
	MsgType        string `json:"msgtype"`

	Text     *TextBody     `json:"text,omitempty"`
	Image    *MediaBody    `json:"image,omitempty"`
	Voice    *MediaBody    `json:"voice,omitempty"`
	Video    *MediaBody    `json:"video,omitempty"`
	File     *MediaBody    `json:"file,omitempty"`
	Location *LocationBody `json:"location,omitempty"`
	Link     *LinkBody     `json:"link,omitempty"`
	Event    *EventBody    `json:"event,omitempty"`
}

// TextBody is a text message; MenuID is set when the customer tapped an
// entry of a menu message.
type TextBody struct {
	Content string `json:"content"`
	MenuID  string `json:"menu_id,omitempty"`
}

// MediaBody names a file kept by WeCom for three days (media/get).
type MediaBody struct {
	MediaID string `json:"media_id"`
}

// LocationBody is a shared location.
type LocationBody struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name"`
	Address   string  `json:"address"`
}

// LinkBody is a shared link.
type LinkBody struct {
	Title  string `json:"title"`
	Desc   string `json:"desc"`
	URL    string `json:"url"`
	PicURL string `json:"pic_url"`
}

// EventBody is a system event (origin 4, msgtype "event").
type EventBody struct {
	EventType         string `json:"event_type"`
	OpenKfID          string `json:"open_kfid,omitempty"`
	ExternalUserID    string `json:"external_userid,omitempty"`
	Scene             string `json:"scene,omitempty"`
	SceneParam        string `json:"scene_param,omitempty"`
	WelcomeCode       string `json:"welcome_code,omitempty"`
	FailMsgID         string `json:"fail_msgid,omitempty"`
	FailType          int    `json:"fail_type,omitempty"`
	ServicerUserID    string `json:"servicer_userid,omitempty"`
	Status            int    `json:"status,omitempty"`
	ChangeType        int    `json:"change_type,omitempty"`
	OldServicerUserID string `json:"old_servicer_userid,omitempty"`
	NewServicerUserID string `json:"new_servicer_userid,omitempty"`
	MsgCode           string `json:"msg_code,omitempty"`
}

// Event types of system events.
const (
	EventEnterSession        = "enter_session"
	EventMsgSendFail         = "msg_send_fail"
	EventSessionStatusChange = "session_status_change"
)

// Change types of session_status_change (会话状态变更).
const (
	ChangeFromPool = 1 // 从接待池接入会话: a servicer took it (service_state 3)
	ChangeTransfer = 2 // 转接会话: another servicer (still 3)
	ChangeEnd      = 3 // 结束会话 (service_state 4)
	ChangeReopen   = 4 // 重新接入已结束/已转接会话 (service_state 3)
)

// SendRequest is the body of kf/send_msg.
type SendRequest struct {
	ToUser   string    `json:"touser"`
	OpenKfID string    `json:"open_kfid"`
	MsgID    string    `json:"msgid,omitempty"`
	MsgType  string    `json:"msgtype"`
	Text     *TextBody `json:"text,omitempty"`
	MsgMenu  *MsgMenu  `json:"msgmenu,omitempty"`
}

// MsgMenu is a menu message: tapping a click entry sends the customer's
// text message with text.menu_id = the entry's id.
type MsgMenu struct {
	HeadContent string     `json:"head_content,omitempty"`
	List        []MenuItem `json:"list"`
	TailContent string     `json:"tail_content,omitempty"`
}

// MenuItem is one entry of a menu message.
type MenuItem struct {
	Type  string     `json:"type"`
	Click *MenuClick `json:"click,omitempty"`
}

// MenuClick is a reply entry.
type MenuClick struct {
	ID      string `json:"id"`
	Content string `json:"content"`
}

// SendAnswer is kf/send_msg's answer.
type SendAnswer struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
	MsgID   string `json:"msgid"`
}
