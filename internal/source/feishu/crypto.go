package feishu

import (
	"crypto/sha1"
	"encoding/hex"
	"io"

	"github.com/ticketbridge/ticketbridge/internal/larkcrypt"
)

// The event crypto lives in internal/larkcrypt, shared with the Feishu
// Helpdesk sink; these names keep the source's API.
var (
	ErrCiphertext = larkcrypt.ErrCiphertext
	ErrPadding    = larkcrypt.ErrPadding
)

// Signature is the X-Lark-Signature of an event delivery (see larkcrypt).
func Signature(timestamp, nonce, encryptKey string, body []byte) string {
	return larkcrypt.Signature(timestamp, nonce, encryptKey, body)
}

// Decrypt opens the "encrypt" field of a delivery (see larkcrypt).
func Decrypt(encryptKey, encrypted string) ([]byte, error) {
	return larkcrypt.Decrypt(encryptKey, encrypted)
}

// Encrypt is Decrypt's inverse, for the fake platform and tests.
func Encrypt(encryptKey string, plain []byte, rnd io.Reader) (string, error) {
	return larkcrypt.Encrypt(encryptKey, plain, rnd)
}

// CardSignature is the X-Lark-Signature of a message-card request sent to
// a card request URL: lowercase hex of SHA-1 over timestamp + nonce +
// verification token + raw body, as Feishu's card callback documentation
// and SDK compute it.
func CardSignature(timestamp, nonce, token string, body []byte) string {
	h := sha1.New()
	io.WriteString(h, timestamp)
	io.WriteString(h, nonce)
	io.WriteString(h, token)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}
