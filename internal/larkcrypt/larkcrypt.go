// Package larkcrypt is Feishu/Lark's event crypto, shared by everything
// that receives Feishu events (the feishu source, the Feishu Helpdesk
// sink): the AES-256-CBC "encrypt" envelope under SHA-256(Encrypt Key)
// and the X-Lark-Signature of a delivery.
package larkcrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// Errors of Decrypt. Receivers report all of them as core.ErrBadSignature:
// a body that does not decrypt under our key was not made by Feishu for us.
var (
	ErrCiphertext = errors.New("ciphertext is not valid base64 of IV plus whole AES blocks")
	ErrPadding    = errors.New("bad PKCS#7 padding")
)

// Signature is the X-Lark-Signature of an event delivery when an encrypt
// key is set: lowercase hex of plain SHA-256 (not an HMAC) over
// timestamp + nonce + encrypt key + raw body.
func Signature(timestamp, nonce, encryptKey string, body []byte) string {
	h := sha256.New()
	io.WriteString(h, timestamp)
	io.WriteString(h, nonce)
	io.WriteString(h, encryptKey)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

func aesKey(encryptKey string) []byte {
	k := sha256.Sum256([]byte(encryptKey))
	return k[:]
}

// Decrypt opens the "encrypt" field of a delivery: base64 of a 16-byte IV
// followed by AES-256-CBC ciphertext under SHA-256(encryptKey), padded
// with PKCS#7 to 16 bytes. Padding is checked strictly.
func Decrypt(encryptKey, encrypted string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCiphertext, err)
	}
	if len(raw) < 2*aes.BlockSize || len(raw)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: %d bytes", ErrCiphertext, len(raw))
	}
	block, err := aes.NewCipher(aesKey(encryptKey))
	if err != nil {
		return nil, fmt.Errorf("aes key: %w", err)
	}
	iv, data := raw[:aes.BlockSize], raw[aes.BlockSize:]
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, data)
	return unpad(plain)
}

func unpad(b []byte) ([]byte, error) {
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize || n > len(b) {
		return nil, ErrPadding
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return nil, ErrPadding
		}
	}
	return b[:len(b)-n], nil
}

// Encrypt is Decrypt's inverse, with the IV read from rnd; the fake
// platform and tests use it to build deliveries.
func Encrypt(encryptKey string, plain []byte, rnd io.Reader) (string, error) {
	block, err := aes.NewCipher(aesKey(encryptKey))
	if err != nil {
		return "", fmt.Errorf("aes key: %w", err)
	}
	n := aes.BlockSize - len(plain)%aes.BlockSize
	buf := make([]byte, aes.BlockSize+len(plain)+n)
	if _, err := io.ReadFull(rnd, buf[:aes.BlockSize]); err != nil {
		return "", fmt.Errorf("read iv: %w", err)
	}
	copy(buf[aes.BlockSize:], plain)
	for i := aes.BlockSize + len(plain); i < len(buf); i++ {
		buf[i] = byte(n)
	}
	cipher.NewCBCEncrypter(block, buf[:aes.BlockSize]).CryptBlocks(buf[aes.BlockSize:], buf[aes.BlockSize:])
	return base64.StdEncoding.EncodeToString(buf), nil
}

// Headers of a signed event delivery.
const (
	HeaderTimestamp = "X-Lark-Request-Timestamp"
	HeaderNonce     = "X-Lark-Request-Nonce"
	HeaderSignature = "X-Lark-Signature"
)
