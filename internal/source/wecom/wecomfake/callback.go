package wecomfake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/source/wecom"
)

// Sender encrypts and signs callbacks as WeCom does and delivers them to
// a ticketbridge server at /hooks/im/{source}.
type Sender struct {
	Cipher  *wecom.Cipher
	CorpID  string
	AgentID int64
	// Format is wecom.FormatXML (default) or wecom.FormatJSON.
	Format string
	// Now stamps the callbacks; default time.Now.
	Now func() time.Time
}

// NewSender builds a sender for an app's callback settings.
func NewSender(token, encodingAESKey, corpID string, agentID int64, format string) (*Sender, error) {
	c, err := wecom.NewCipher(token, encodingAESKey, corpID)
	if err != nil {
		return nil, fmt.Errorf("encoding aes key: %w", err)
	}
	return &Sender{Cipher: c, CorpID: corpID, AgentID: agentID, Format: format, Now: time.Now}, nil
}

// Signed is one encrypted callback: its query string and POST body.
type Signed struct {
	Query url.Values
	Body  []byte
}

// Seal encrypts a decrypted callback (XML or JSON, per Format) into its
// envelope and signs it with a fresh timestamp and nonce.
func (s *Sender) Seal(plain []byte) (Signed, error) {
	enc, err := s.Cipher.Encrypt(nil, plain)
	if err != nil {
		return Signed{}, err
	}
	var body []byte
	agent := strconv.FormatInt(s.AgentID, 10)
	if s.Format == wecom.FormatJSON {
		body, err = json.Marshal(map[string]string{"tousername": s.CorpID, "encrypt": enc, "agentid": agent})
	} else {
		body, err = xml.Marshal(wecom.Envelope{ToUserName: s.CorpID, Encrypt: enc, AgentID: wecom.Flex(agent)})
	}
	if err != nil {
		return Signed{}, fmt.Errorf("envelope: %w", err)
	}
	return Signed{Query: s.sign(enc), Body: body}, nil
}

func (s *Sender) sign(encrypt string) url.Values {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	n, _ := rand.Int(rand.Reader, big.NewInt(1e9))
	nonce := n.String()
	return url.Values{
		"msg_signature": {s.Cipher.Signature(ts, nonce, encrypt)},
		"timestamp":     {ts},
		"nonce":         {nonce},
	}
}

// Send seals plain and POSTs it to serverURL/hooks/im/{sourceID}.
func (s *Sender) Send(ctx context.Context, serverURL, sourceID string, plain []byte) (*http.Response, error) {
	sg, err := s.Seal(plain)
	if err != nil {
		return nil, err
	}
	return Deliver(ctx, serverURL, sourceID, sg)
}

// Deliver POSTs an already sealed callback (send it twice to redeliver).
func Deliver(ctx context.Context, serverURL, sourceID string, sg Signed) (*http.Response, error) {
	u := serverURL + "/hooks/im/" + url.PathEscape(sourceID) + "?" + sg.Query.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(sg.Body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "text/xml")
	return http.DefaultClient.Do(req)
}

// VerifyURL performs the GET URL check with echo as the plaintext the
// server must answer.
func (s *Sender) VerifyURL(ctx context.Context, serverURL, sourceID, echo string) (*http.Response, error) {
	enc, err := s.Cipher.Encrypt(nil, []byte(echo))
	if err != nil {
		return nil, err
	}
	q := s.sign(enc)
	q.Set("echostr", enc)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, serverURL+"/hooks/im/"+url.PathEscape(sourceID)+"?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	return http.DefaultClient.Do(req)
}

// Encode writes a decrypted callback in the sender's Format.
func (s *Sender) Encode(m wecom.Message) []byte {
	if s.Format == wecom.FormatJSON {
		b, _ := json.Marshal(m)
		return b
	}
	b, _ := xml.Marshal(m)
	return b
}

// Text is a user's text message to the app.
func (s *Sender) Text(from, content string, msgID int64, at time.Time) wecom.Message {
	return wecom.Message{
		ToUserName: s.CorpID, FromUserName: from, CreateTime: unix(at), MsgType: "text",
		Content: content, MsgID: wecom.Flex(strconv.FormatInt(msgID, 10)), AgentID: s.agent(),
	}
}

// Image is a user's picture to the app.
func (s *Sender) Image(from, mediaID, picURL string, msgID int64, at time.Time) wecom.Message {
	return wecom.Message{
		ToUserName: s.CorpID, FromUserName: from, CreateTime: unix(at), MsgType: "image",
		PicURL: picURL, MediaID: mediaID, MsgID: wecom.Flex(strconv.FormatInt(msgID, 10)), AgentID: s.agent(),
	}
}

// CardClick is a click on a template card's button.
func (s *Sender) CardClick(from, eventKey, taskID string, at time.Time) wecom.Message {
	return wecom.Message{
		ToUserName: s.CorpID, FromUserName: from, CreateTime: unix(at), MsgType: "event",
		Event: "template_card_event", EventKey: eventKey, TaskID: taskID,
		CardType: "button_interaction", ResponseCode: "rc-" + taskID, AgentID: s.agent(),
	}
}

func (s *Sender) agent() wecom.Flex { return wecom.Flex(strconv.FormatInt(s.AgentID, 10)) }

func unix(t time.Time) wecom.Flex { return wecom.Flex(strconv.FormatInt(t.Unix(), 10)) }
