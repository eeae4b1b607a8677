package wecom

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"strings"
)

// Envelope is the encrypted callback body: XML
// <xml><ToUserName/><Encrypt/><AgentID/></xml> or JSON
// {"tousername","encrypt","agentid"}.
type Envelope struct {
	XMLName    xml.Name `xml:"xml" json:"-"`
	ToUserName string   `xml:"ToUserName" json:"tousername"`
	Encrypt    string   `xml:"Encrypt" json:"encrypt"`
	AgentID    Flex     `xml:"AgentID" json:"agentid"`
}

// Message is a decrypted callback: a user's message to the app or an
// event. The XML and JSON forms use the same element names.
type Message struct {
	XMLName      xml.Name `xml:"xml" json:"-"`
	ToUserName   string   `xml:"ToUserName" json:"ToUserName"`
	FromUserName string   `xml:"FromUserName" json:"FromUserName"`
	CreateTime   Flex     `xml:"CreateTime" json:"CreateTime"`
	MsgType      string   `xml:"MsgType" json:"MsgType"`
	MsgID        Flex     `xml:"MsgId,omitempty" json:"MsgId,omitempty"`
	AgentID      Flex     `xml:"AgentID,omitempty" json:"AgentID,omitempty"`

	// text
	Content string `xml:"Content,omitempty" json:"Content,omitempty"`
	// image, voice, video, file
	PicURL       string `xml:"PicUrl,omitempty" json:"PicUrl,omitempty"`
	MediaID      string `xml:"MediaId,omitempty" json:"MediaId,omitempty"`
	Format       string `xml:"Format,omitempty" json:"Format,omitempty"`
	ThumbMediaID string `xml:"ThumbMediaId,omitempty" json:"ThumbMediaId,omitempty"`
	FileName     string `xml:"FileName,omitempty" json:"FileName,omitempty"`
	// location
	LocationX Flex   `xml:"Location_X,omitempty" json:"Location_X,omitempty"`
	LocationY Flex   `xml:"Location_Y,omitempty" json:"Location_Y,omitempty"`
	Label     string `xml:"Label,omitempty" json:"Label,omitempty"`
	// link
	Title       string `xml:"Title,omitempty" json:"Title,omitempty"`
	Description string `xml:"Description,omitempty" json:"Description,omitempty"`
	URL         string `xml:"Url,omitempty" json:"Url,omitempty"`

	// event
	Event        string `xml:"Event,omitempty" json:"Event,omitempty"`
	EventKey     string `xml:"EventKey,omitempty" json:"EventKey,omitempty"`
	TaskID       string `xml:"TaskId,omitempty" json:"TaskId,omitempty"`
	CardType     string `xml:"CardType,omitempty" json:"CardType,omitempty"`
	ResponseCode string `xml:"ResponseCode,omitempty" json:"ResponseCode,omitempty"`
}

// Flex is a value WeCom writes as a string in XML and as a number or a
// string in JSON (MsgId does not fit a float64, so numbers are kept as
// their digits).
type Flex string

// UnmarshalJSON accepts a string, a number or null.
func (f *Flex) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = Flex(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return errors.New("want a string or a number")
		}
		*f = Flex(n.String())
	}
	return nil
}

// MarshalJSON writes digits as a JSON number, the way WeCom's JSON
// callbacks carry CreateTime, MsgId and AgentID; anything else as a string.
func (f Flex) MarshalJSON() ([]byte, error) {
	if f != "" && json.Valid([]byte(f)) && strings.Trim(string(f), "0123456789.-") == "" {
		return []byte(f), nil
	}
	return json.Marshal(string(f))
}

// SendRequest is the body of message/send.
type SendRequest struct {
	ToUser       string        `json:"touser"`
	MsgType      string        `json:"msgtype"`
	AgentID      int64         `json:"agentid"`
	Text         *TextContent  `json:"text,omitempty"`
	TemplateCard *TemplateCard `json:"template_card,omitempty"`
}

// TextContent is a text message's content.
type TextContent struct {
	Content string `json:"content"`
}

// TemplateCard is a button_interaction template card: our confirmation
// prompt with two buttons.
type TemplateCard struct {
	CardType     string     `json:"card_type"`
	MainTitle    *CardTitle `json:"main_title,omitempty"`
	SubTitleText string     `json:"sub_title_text,omitempty"`
	TaskID       string     `json:"task_id"`
	ButtonList   []Button   `json:"button_list"`
}

// CardTitle is a card's main title.
type CardTitle struct {
	Title string `json:"title,omitempty"`
	Desc  string `json:"desc,omitempty"`
}

// Button is one button of a button_interaction card; Key comes back in
// the template_card_event's EventKey. Style 1 is the primary look.
type Button struct {
	Text  string `json:"text"`
	Style int    `json:"style,omitempty"`
	Key   string `json:"key"`
}

// SendAnswer is message/send's answer.
type SendAnswer struct {
	ErrCode      int    `json:"errcode"`
	ErrMsg       string `json:"errmsg"`
	InvalidUser  string `json:"invaliduser,omitempty"`
	MsgID        string `json:"msgid,omitempty"`
	ResponseCode string `json:"response_code,omitempty"`
}

// UserAnswer is user/get's answer (the fields we read).
type UserAnswer struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
	UserID  string `json:"userid,omitempty"`
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
	BizMail string `json:"biz_mail,omitempty"`
}
