// Package wxcrypt is WXBizMsgCrypt, the callback encryption WeCom and
// DingTalk share: a SHA-1 signature over the sorted token, timestamp,
// nonce and ciphertext, and AES-256-CBC (IV = the key's first 16 bytes,
// PKCS#7 padding to 32 bytes) over random16 | length | message |
// receive id. The connectors use it; it knows neither platform.
package wxcrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// padBlock is WXBizMsgCrypt's PKCS#7 block size: 32 bytes, not AES's 16,
// so pad values run 1..32.
const padBlock = 32

// Cipher is WXBizMsgCrypt: the signature over (token, timestamp, nonce,
// encrypt) and AES-256-CBC over random16 | len | msg | receiveid.
type Cipher struct {
	token     string
	key       []byte
	receiveID string
}

// New checks the AES key (43 base64 characters: WeCom's EncodingAESKey,
// DingTalk's aes_key) and builds the cipher. receiveID is what the
// plaintext ends with: WeCom's CorpID, DingTalk's AppKey, CorpId or
// SuiteKey.
func New(token, encodingAESKey, receiveID string) (*Cipher, error) {
	if len(encodingAESKey) != 43 {
		return nil, fmt.Errorf("must be 43 characters, got %d", len(encodingAESKey))
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("not valid base64 for a 32-byte key")
	}
	return &Cipher{token: token, key: key, receiveID: receiveID}, nil
}

// Signature is hex(SHA1(sorted(token, timestamp, nonce, encrypt) joined)).
func (c *Cipher) Signature(timestamp, nonce, encrypt string) string {
	parts := []string{c.token, timestamp, nonce, encrypt}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// CheckSignature compares in constant time.
func (c *Cipher) CheckSignature(signature, timestamp, nonce, encrypt string) bool {
	want := c.Signature(timestamp, nonce, encrypt)
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(signature)), []byte(want)) == 1
}

// Decrypt opens an Encrypt value and returns the message. A value that is
// not base64 or not whole AES blocks is malformed; bad padding, a bad
// length or a foreign receive id means the sender did not hold our key
// (or wrote for another corp), which is a signature failure.
func (c *Cipher) Decrypt(encrypt string) ([]byte, error) {
	data, err := base64.StdEncoding.DecodeString(encrypt)
	if err != nil {
		return nil, fmt.Errorf("%w: encrypt is not base64", core.ErrMalformed)
	}
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: ciphertext is not whole aes blocks", core.ErrMalformed)
	}
	block, err := aes.NewCipher(c.key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, c.key[:aes.BlockSize]).CryptBlocks(plain, data)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > padBlock || pad > len(plain) {
		return nil, fmt.Errorf("%w: bad padding", core.ErrBadSignature)
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, fmt.Errorf("%w: bad padding", core.ErrBadSignature)
		}
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < 20 {
		return nil, fmt.Errorf("%w: plaintext too short", core.ErrBadSignature)
	}
	n := binary.BigEndian.Uint32(plain[16:20])
	if uint64(n) > uint64(len(plain)-20) {
		return nil, fmt.Errorf("%w: message length out of range", core.ErrBadSignature)
	}
	msg, rid := plain[20:20+n], plain[20+n:]
	if subtle.ConstantTimeCompare(rid, []byte(c.receiveID)) != 1 {
		return nil, fmt.Errorf("%w: receive id does not match", core.ErrBadSignature)
	}
	return msg, nil
}

// Encrypt seals msg. random must be 16 bytes, or nil for fresh ones;
// tests pass the official samples' to reproduce them.
func (c *Cipher) Encrypt(random, msg []byte) (string, error) {
	if random == nil {
		random = make([]byte, 16)
		if _, err := rand.Read(random); err != nil {
			return "", fmt.Errorf("random prefix: %w", err)
		}
	}
	if len(random) != 16 {
		return "", errors.New("random prefix must be 16 bytes")
	}
	var buf bytes.Buffer
	buf.Write(random)
	_ = binary.Write(&buf, binary.BigEndian, uint32(len(msg)))
	buf.Write(msg)
	buf.WriteString(c.receiveID)
	pad := padBlock - buf.Len()%padBlock
	buf.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, err := aes.NewCipher(c.key)
	if err != nil {
		return "", fmt.Errorf("aes: %w", err)
	}
	out := buf.Bytes()
	cipher.NewCBCEncrypter(block, c.key[:aes.BlockSize]).CryptBlocks(out, out)
	return base64.StdEncoding.EncodeToString(out), nil
}
