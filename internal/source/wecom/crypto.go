package wecom

import "github.com/ticketbridge/ticketbridge/internal/wxcrypt"

// Cipher is WeCom's callback crypto, WXBizMsgCrypt.
type Cipher = wxcrypt.Cipher

// NewCipher checks the EncodingAESKey (43 base64 characters) and builds
// the cipher. receiveID is the CorpID for a self-built app.
func NewCipher(token, encodingAESKey, receiveID string) (*Cipher, error) {
	return wxcrypt.New(token, encodingAESKey, receiveID)
}
