package agora

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"net/http"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// shape tells the two callback families apart: NCS notices carry a
// signature header, Chat callbacks sign inside the body.
type shape int

const (
	shapeNCS shape = iota
	shapeChat
)

func shapeOf(r *http.Request) shape {
	if r.Header.Get(HeaderSignatureV2) != "" || r.Header.Get(HeaderSignature) != "" {
		return shapeNCS
	}
	return shapeChat
}

// Verify authenticates an NCS notice by its HMAC header (V2 when present,
// else V1) or a Chat callback by its security field. Neither scheme has a
// timestamp to bound replays: NCS refreshes notifyMs on every retry, Chat
// signs its timestamp without a window. Replays carry the same noticeId or
// callId and are dropped by the store's dedupe.
func (s *Source) Verify(r *http.Request, body []byte) error {
	if shapeOf(r) == shapeNCS {
		return s.verifyNCS(r, body)
	}
	return s.verifyChat(body)
}

func (s *Source) verifyNCS(r *http.Request, body []byte) error {
	if s.ncsSecret == "" {
		return fmt.Errorf("%w: NCS notice, but ncs_secret is not set", core.ErrBadSignature)
	}
	header, newHash := r.Header.Get(HeaderSignatureV2), sha256.New
	if header == "" {
		header, newHash = r.Header.Get(HeaderSignature), sha1.New
	}
	if !hmac.Equal([]byte(strings.ToLower(strings.TrimSpace(header))), []byte(SignNCS(newHash, s.ncsSecret, body))) {
		return fmt.Errorf("%w: NCS signature does not match", core.ErrBadSignature)
	}
	return nil
}

func (s *Source) verifyChat(body []byte) error {
	if s.chatSecret == "" {
		return fmt.Errorf("%w: no Agora-Signature header, and chat_secret is not set for Chat callbacks", core.ErrBadSignature)
	}
	var cb struct {
		CallID    string      `json:"callId"`
		Timestamp json.Number `json:"timestamp"`
		Security  string      `json:"security"`
		AppKey    string      `json:"appkey"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&cb); err != nil {
		return fmt.Errorf("%w: not a JSON Chat callback", core.ErrMalformed)
	}
	if cb.CallID == "" || cb.Security == "" || cb.Timestamp == "" {
		return fmt.Errorf("%w: neither an Agora-Signature header nor callId, timestamp and security", core.ErrBadSignature)
	}
	want := ChatSecurity(cb.CallID, s.chatSecret, cb.Timestamp.String())
	if !hmac.Equal([]byte(strings.ToLower(cb.Security)), []byte(want)) {
		return fmt.Errorf("%w: Chat security does not match", core.ErrBadSignature)
	}
	// A callback of another app signed with the same secret is not ours.
	if cb.AppKey != "" && !strings.EqualFold(cb.AppKey, s.appKey) {
		return fmt.Errorf("%w: callback for app %q, not %q", core.ErrBadSignature, cb.AppKey, s.appKey)
	}
	return nil
}

// SignNCS is the hex HMAC NCS puts in its header: sha1.New for
// Agora-Signature, sha256.New for Agora-Signature-V2.
func SignNCS(newHash func() hash.Hash, secret string, body []byte) string {
	m := hmac.New(newHash, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// ChatSecurity is a Chat callback's security field: hex MD5 of callId,
// secret and timestamp (ms, as written in the body).
func ChatSecurity(callID, secret, timestamp string) string {
	sum := md5.Sum([]byte(callID + secret + timestamp))
	return hex.EncodeToString(sum[:])
}
