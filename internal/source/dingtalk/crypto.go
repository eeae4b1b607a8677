package dingtalk

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
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

// padBlock is the PKCS#7 block size of DingTalk's callback crypto: 32
// bytes, as in WeCom's scheme, so pad values run 1..32.
const padBlock = 32

// Crypto is the event subscription's crypto: the SHA1 signature over the
// sorted (token, timestamp, nonce, encrypt) and AES-256-CBC over
// random16 | len | msg | ownerKey.
type Crypto struct {
	token    string
	key      []byte
	ownerKey string
}

// NewCrypto checks the aes_key (43 base64 characters) and builds the
// crypto. ownerKey is the AppKey for an internal app's subscription (the
// CorpId or SuiteKey for others).
func NewCrypto(token, aesKey, ownerKey string) (*Crypto, error) {
	if len(aesKey) != 43 {
		return nil, fmt.Errorf("must be 43 characters, got %d", len(aesKey))
	}
	key, err := base64.StdEncoding.DecodeString(aesKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("not valid base64 for a 32-byte key")
	}
	return &Crypto{token: token, key: key, ownerKey: ownerKey}, nil
}

// Signature is hex(SHA1(sorted(token, timestamp, nonce, encrypt) joined)).
func (c *Crypto) Signature(timestamp, nonce, encrypt string) string {
	parts := []string{c.token, timestamp, nonce, encrypt}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// CheckSignature compares in constant time.
func (c *Crypto) CheckSignature(signature, timestamp, nonce, encrypt string) bool {
	want := c.Signature(timestamp, nonce, encrypt)
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(signature)), []byte(want)) == 1
}

// Decrypt opens an encrypt value. Text that is not base64 or not whole
// AES blocks is malformed; bad padding, a bad length or a foreign owner
// key means the sender did not hold our key, a signature failure.
func (c *Crypto) Decrypt(encrypt string) ([]byte, error) {
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
	msg, owner := plain[20:20+n], plain[20+n:]
	if subtle.ConstantTimeCompare(owner, []byte(c.ownerKey)) != 1 {
		return nil, fmt.Errorf("%w: owner key does not match", core.ErrBadSignature)
	}
	return msg, nil
}

// Encrypt seals msg as DingTalk does. random must be 16 bytes, or nil for
// fresh ones; tests pass the official vector's to reproduce it.
func (c *Crypto) Encrypt(random, msg []byte) (string, error) {
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
	buf.WriteString(c.ownerKey)
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
