package dingtalk

import "encoding/json"

// Conversation types in robot callbacks.
const (
	ConversationOneToOne = "1"
	ConversationGroup    = "2"
)

// RobotMessage is the body of a robot's HTTP message callback.
type RobotMessage struct {
	ConversationID            string       `json:"conversationId"`
	ConversationType          string       `json:"conversationType"`
	ConversationTitle         string       `json:"conversationTitle,omitempty"`
	MsgID                     string       `json:"msgId"`
	MsgType                   string       `json:"msgtype"`
	CreateAt                  int64        `json:"createAt"`
	SenderID                  string       `json:"senderId,omitempty"`
	SenderStaffID             string       `json:"senderStaffId,omitempty"`
	SenderNick                string       `json:"senderNick,omitempty"`
	SenderCorpID              string       `json:"senderCorpId,omitempty"`
	IsAdmin                   bool         `json:"isAdmin,omitempty"`
	ChatbotUserID             string       `json:"chatbotUserId,omitempty"`
	ChatbotCorpID             string       `json:"chatbotCorpId,omitempty"`
	RobotCode                 string       `json:"robotCode,omitempty"`
	IsInAtList                bool         `json:"isInAtList,omitempty"`
	AtUsers                   []AtUser     `json:"atUsers,omitempty"`
	SessionWebhook            string       `json:"sessionWebhook,omitempty"`
	SessionWebhookExpiredTime int64        `json:"sessionWebhookExpiredTime,omitempty"`
	Text                      *TextBody    `json:"text,omitempty"`
	Content                   *RichContent `json:"content,omitempty"`
}

// AtUser is one user a message mentions.
type AtUser struct {
	DingtalkID string `json:"dingtalkId,omitempty"`
	StaffID    string `json:"staffId,omitempty"`
}

// TextBody is a text message's body.
type TextBody struct {
	Content string `json:"content"`
}

// RichContent is the content of a non-text message: picture, file,
// audio, video, or richText (a list of text and picture sections).
type RichContent struct {
	DownloadCode        string        `json:"downloadCode,omitempty"`
	PictureDownloadCode string        `json:"pictureDownloadCode,omitempty"`
	FileName            string        `json:"fileName,omitempty"`
	Duration            json.Number   `json:"duration,omitempty"`
	Recognition         string        `json:"recognition,omitempty"`
	VideoType           string        `json:"videoType,omitempty"`
	RichText            []RichSection `json:"richText,omitempty"`
}

// RichSection is one part of a richText message: text, or a picture
// (Type "picture" with a download code).
type RichSection struct {
	Text                string `json:"text,omitempty"`
	Type                string `json:"type,omitempty"`
	DownloadCode        string `json:"downloadCode,omitempty"`
	PictureDownloadCode string `json:"pictureDownloadCode,omitempty"`
}

// EventEnvelope is an event push's body.
type EventEnvelope struct {
	Encrypt string `json:"encrypt"`
}

// TextMessage is what a session webhook and the custom robot take.
type TextMessage struct {
	MsgType string   `json:"msgtype"`
	Text    TextBody `json:"text"`
	At      *At      `json:"at,omitempty"`
}

// At says whom a custom robot message mentions.
type At struct {
	AtMobiles []string `json:"atMobiles,omitempty"`
	AtUserIDs []string `json:"atUserIds,omitempty"`
	IsAtAll   bool     `json:"isAtAll"`
}

// oapiError is the errcode/errmsg pair of the old API, session webhooks
// and the custom robot.
type oapiError struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// apiErrorBody is the v1.0 API's error answer (with a 4xx/5xx status).
type apiErrorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestid"`
}

// TokenRequest is the body of POST /v1.0/oauth2/accessToken.
type TokenRequest struct {
	AppKey    string `json:"appKey"`
	AppSecret string `json:"appSecret"`
}

type tokenAnswer struct {
	AccessToken string `json:"accessToken"`
	ExpireIn    int64  `json:"expireIn"`
}

type oldTokenAnswer struct {
	oapiError
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// GroupSendRequest is the body of /v1.0/robot/groupMessages/send.
type GroupSendRequest struct {
	RobotCode          string `json:"robotCode"`
	OpenConversationID string `json:"openConversationId"`
	MsgKey             string `json:"msgKey"`
	MsgParam           string `json:"msgParam"`
}

// OTOSendRequest is the body of /v1.0/robot/oToMessages/batchSend.
type OTOSendRequest struct {
	RobotCode string   `json:"robotCode"`
	UserIDs   []string `json:"userIds"`
	MsgKey    string   `json:"msgKey"`
	MsgParam  string   `json:"msgParam"`
}

// SendAnswer is the robot API's answer to a send.
type SendAnswer struct {
	ProcessQueryKey           string   `json:"processQueryKey"`
	InvalidStaffIDList        []string `json:"invalidStaffIdList,omitempty"`
	FlowControlledStaffIDList []string `json:"flowControlledStaffIdList,omitempty"`
}

// DownloadRequest is the body of /v1.0/robot/messageFiles/download.
type DownloadRequest struct {
	DownloadCode string `json:"downloadCode"`
	RobotCode    string `json:"robotCode"`
}

// DownloadAnswer carries the file's short-lived download URL.
type DownloadAnswer struct {
	DownloadURL string `json:"downloadUrl"`
}

// UserGetRequest is the body of /topapi/v2/user/get.
type UserGetRequest struct {
	UserID   string `json:"userid"`
	Language string `json:"language,omitempty"`
}

// UserGetAnswer is /topapi/v2/user/get's answer (the fields we read).
type UserGetAnswer struct {
	ErrCode int      `json:"errcode"`
	ErrMsg  string   `json:"errmsg"`
	Result  UserInfo `json:"result"`
}

// UserInfo is a member's profile.
type UserInfo struct {
	UserID   string `json:"userid"`
	Name     string `json:"name"`
	Email    string `json:"email,omitempty"`
	OrgEmail string `json:"org_email,omitempty"`
}
