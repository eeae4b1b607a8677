package wecom_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/wecom"
	"github.com/ticketbridge/ticketbridge/internal/source/wecom/wecomfake"
)

// rawEncrypt builds a ciphertext by hand so tests can break the padding
// or the length field in ways Cipher.Encrypt never would.
func rawEncrypt(t *testing.T, plain []byte) string {
	t.Helper()
	key, _ := base64.StdEncoding.DecodeString(sampleAESKey + "=")
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out)
}

func framed(msg, rid string, msgLen uint32, pad byte, padN int) []byte {
	var b bytes.Buffer
	b.WriteString("0123456789abcdef")
	_ = binary.Write(&b, binary.BigEndian, msgLen)
	b.WriteString(msg + rid)
	b.Write(bytes.Repeat([]byte{pad}, padN))
	return b.Bytes()
}

// signedWith seals encrypt into an XML envelope signed with token.
func signedWith(token, encrypt string) *http.Request {
	c, _ := wecom.NewCipher(token, sampleAESKey, sampleCorpID)
	q := url.Values{"msg_signature": {c.Signature("1700000000", "42", encrypt)}, "timestamp": {"1700000000"}, "nonce": {"42"}}
	body := "<xml><ToUserName>" + sampleCorpID + "</ToUserName><Encrypt>" + encrypt + "</Encrypt><AgentID>1</AgentID></xml>"
	return httptest.NewRequest(http.MethodPost, "/hooks/im/wc?"+q.Encode(), strings.NewReader(body))
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	src := newSource(t, settings())
	good, err := newSender(t, wecom.FormatXML).Seal([]byte("<xml/>"))
	if err != nil {
		t.Fatal(err)
	}
	msg := "<xml><FromUserName>u</FromUserName></xml>"
	n := uint32(len(msg))
	// 16 + 4 + len(msg) + 18 = 79 bytes of frame; 96 with 17 bytes of pad.
	okFrame := len(framed(msg, sampleCorpID, n, 0, 0))
	padTo := 96 - okFrame
	otherCorp, _ := wecom.NewCipher(sampleToken, sampleAESKey, "ww0000000000000000")
	foreign, _ := otherCorp.Encrypt(nil, []byte(msg))
	otherKey, _ := wecom.NewCipher(sampleToken, otherAESKey, sampleCorpID)
	wrongKey, _ := otherKey.Encrypt(nil, []byte(msg))

	tests := map[string]struct {
		req  func() *http.Request
		want error
	}{
		"wrong signature": {func() *http.Request {
			sg := good
			q := url.Values{}
			for k, v := range sg.Query {
				q[k] = v
			}
			q.Set("msg_signature", strings.Repeat("0", 40))
			return request(wecomfake.Signed{Query: q, Body: sg.Body})
		}, core.ErrBadSignature},
		"tampered nonce": {func() *http.Request {
			q := url.Values{}
			for k, v := range good.Query {
				q[k] = v
			}
			q.Set("nonce", "1")
			return request(wecomfake.Signed{Query: q, Body: good.Body})
		}, core.ErrBadSignature},
		"wrong token": {func() *http.Request {
			return signedWith("not-our-token", rawEncrypt(t, framed(msg, sampleCorpID, n, byte(padTo), padTo)))
		}, core.ErrBadSignature},
		"missing signature": {func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/hooks/im/wc", bytes.NewReader(good.Body))
		}, core.ErrBadSignature},
		"wrong receive id": {func() *http.Request { return signedWith(sampleToken, foreign) }, core.ErrBadSignature},
		"wrong aes key":    {func() *http.Request { return signedWith(sampleToken, wrongKey) }, core.ErrBadSignature},
		"bad padding value": {func() *http.Request {
			return signedWith(sampleToken, rawEncrypt(t, framed(msg, sampleCorpID, n, 0, padTo)))
		}, core.ErrBadSignature},
		"pad over 32": {func() *http.Request {
			return signedWith(sampleToken, rawEncrypt(t, framed(msg, sampleCorpID, n, 33, padTo)))
		}, core.ErrBadSignature},
		"inconsistent pad": {func() *http.Request {
			p := framed(msg, sampleCorpID, n, byte(padTo), padTo)
			p[len(p)-2] = 3
			return signedWith(sampleToken, rawEncrypt(t, p))
		}, core.ErrBadSignature},
		"length out of range": {func() *http.Request {
			return signedWith(sampleToken, rawEncrypt(t, framed(msg, sampleCorpID, 5000, byte(padTo), padTo)))
		}, core.ErrBadSignature},
		"ciphertext not base64": {func() *http.Request { return signedWith(sampleToken, "%%%not-base64") }, core.ErrMalformed},
		"ciphertext not whole blocks": {func() *http.Request {
			return signedWith(sampleToken, base64.StdEncoding.EncodeToString([]byte("short")))
		}, core.ErrMalformed},
		"envelope not xml": {func() *http.Request {
			return request(wecomfake.Signed{Query: good.Query, Body: []byte("<xml><Encrypt>")})
		}, core.ErrMalformed},
		"envelope without encrypt": {func() *http.Request {
			return request(wecomfake.Signed{Query: good.Query, Body: []byte("<xml><ToUserName>x</ToUserName></xml>")})
		}, core.ErrMalformed},
		"get without echostr": {func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/hooks/im/wc?"+good.Query.Encode(), nil)
		}, core.ErrMalformed},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := tt.req()
			body := readBody(t, r)
			err := src.Verify(r, body)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			// Parse decrypts again and must refuse the same way.
			if _, err := src.Parse(context.Background(), r, body); err == nil {
				t.Fatal("Parse accepted what Verify refused")
			}
		})
	}
	t.Run("good one passes", func(t *testing.T) {
		t.Parallel()
		r := request(good)
		if err := src.Verify(r, readBody(t, r)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("json format refuses xml envelope", func(t *testing.T) {
		t.Parallel()
		s := settings()
		s.Format = wecom.FormatJSON
		r := request(good)
		if err := newSource(t, s).Verify(r, readBody(t, r)); !errors.Is(err, core.ErrMalformed) {
			t.Fatalf("Verify = %v", err)
		}
	})
	t.Run("unescaped plus in echostr", func(t *testing.T) {
		t.Parallel()
		// W1 with '+' left raw in the query, which decodes to spaces.
		q := "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=" + w1Echo
		r := httptest.NewRequest(http.MethodGet, "/hooks/im/wc?"+q, nil)
		if err := src.Verify(r, nil); err != nil {
			t.Fatal(err)
		}
	})
}

func readBody(t *testing.T, r *http.Request) []byte {
	t.Helper()
	var b bytes.Buffer
	if r.Body != nil {
		if _, err := b.ReadFrom(r.Body); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func TestParseMalformedMessage(t *testing.T) {
	t.Parallel()
	src := newSource(t, settings())
	snd := newSender(t, wecom.FormatXML)
	tests := map[string]string{
		"not xml":           "hello",
		"no sender":         "<xml><MsgType>text</MsgType><CreateTime>1</CreateTime><Content>x</Content></xml>",
		"no type":           "<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime></xml>",
		"bad time":          "<xml><FromUserName>u</FromUserName><MsgType>text</MsgType><CreateTime>yesterday</CreateTime><Content>x</Content></xml>",
		"empty text":        "<xml><FromUserName>u</FromUserName><MsgType>text</MsgType><CreateTime>1</CreateTime><MsgId>1</MsgId><Content> </Content></xml>",
		"image no media id": "<xml><FromUserName>u</FromUserName><MsgType>image</MsgType><CreateTime>1</CreateTime><MsgId>1</MsgId></xml>",
	}
	for name, plain := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sg, err := snd.Seal([]byte(plain))
			if err != nil {
				t.Fatal(err)
			}
			r := request(sg)
			body := readBody(t, r)
			if err := src.Verify(r, body); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if _, err := src.Parse(context.Background(), r, body); !errors.Is(err, core.ErrMalformed) {
				t.Fatalf("Parse = %v, want ErrMalformed", err)
			}
		})
	}
}
