package dingtalk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"

	"github.com/ticketbridge/ticketbridge/internal/wxcrypt"
)

// Sign is DingTalk's robot signature for a millisecond timestamp:
// base64(HMAC-SHA256(key=secret, timestamp+"\n"+secret)). Robot callbacks
// carry it in the sign header; the custom group robot sends it (URL
// encoded) in the query.
func Sign(secret string, timestampMS int64) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestampMS, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Crypto is the event subscription's crypto: WXBizMsgCrypt with the
// owner key (AppKey, CorpId or SuiteKey) as receive id.
type Crypto struct {
	*wxcrypt.Cipher
}

// NewCrypto checks the aes_key (43 base64 characters) and builds the
// crypto. ownerKey is the AppKey for an internal app's subscription (the
// CorpId or SuiteKey for others).
func NewCrypto(token, aesKey, ownerKey string) (*Crypto, error) {
	c, err := wxcrypt.New(token, aesKey, ownerKey)
	if err != nil {
		return nil, err
	}
	return &Crypto{Cipher: c}, nil
}

// Reply is the encrypted answer every event push needs:
// {"msg_signature","timeStamp","nonce","encrypt"}.
type Reply struct {
	MsgSignature string `json:"msg_signature"`
	TimeStamp    string `json:"timeStamp"`
	Nonce        string `json:"nonce"`
	Encrypt      string `json:"encrypt"`
}

// SealReply encrypts msg ("success") into a signed reply. random may be
// nil (fresh) or the 16 bytes a test wants.
func (c *Crypto) SealReply(random []byte, msg, timestamp, nonce string) (Reply, error) {
	enc, err := c.Encrypt(random, []byte(msg))
	if err != nil {
		return Reply{}, err
	}
	return Reply{MsgSignature: c.Signature(timestamp, nonce, enc), TimeStamp: timestamp, Nonce: nonce, Encrypt: enc}, nil
}
