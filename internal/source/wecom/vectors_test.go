package wecom_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/source/wecom"
)

const (
	w1Echo  = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
	w2Enc   = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
	w3Body  = `{"tousername":"wx5823bf96d3bd56c7","encrypt":"CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko=","agentid":"218"}`
	w2Plain = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>"
	w3Plain = `{"ToUserName":"wx5823bf96d3bd56c7","FromUserName":"mycreate","CreateTime": 1409659813,"MsgType":"text","Content":"hello","MsgId":4561255354251345929,"AgentID": 218}`
)

// The official samples W1–W3, through Verify and Parse exactly as
// ingress calls them, with the query URL-encoded as WeCom sends it.
func TestOfficialVectors(t *testing.T) {
	t.Parallel()
	w2Body := "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[" + w2Enc + "]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
	tests := map[string]struct {
		format    string
		method    string
		query     string
		body      string
		encrypt   string
		signature string
		plain     string // the decrypted message
	}{
		"W1 verify url": {
			format: wecom.FormatXML, method: http.MethodGet,
			query:     "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=" + strings.NewReplacer("/", "%2F", "+", "%2B", "=", "%3D").Replace(w1Echo),
			encrypt:   w1Echo,
			signature: "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
			plain:     "1616140317555161061",
		},
		"W2 xml message": {
			format: wecom.FormatXML, method: http.MethodPost,
			query:     "msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813&nonce=1372623149",
			body:      w2Body,
			encrypt:   w2Enc,
			signature: "477715d11cdb4164915debcba66cb864d751f3e6",
			plain:     w2Plain,
		},
		"W3 json message": {
			format: wecom.FormatJSON, method: http.MethodPost,
			query:     "msg_signature=0623cbc5a8cbee5bcc137c70de99575366fc2af3&timestamp=1409659813&nonce=1372623149",
			body:      w3Body,
			encrypt:   "CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko=",
			signature: "0623cbc5a8cbee5bcc137c70de99575366fc2af3",
			plain:     w3Plain,
		},
	}
	c, err := wecom.NewCipher(sampleToken, sampleAESKey, sampleCorpID)
	if err != nil {
		t.Fatal(err)
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, "/hooks/im/wc?"+tt.query, strings.NewReader(tt.body))
			q := r.URL.Query()
			if got := c.Signature(q.Get("timestamp"), q.Get("nonce"), tt.encrypt); got != tt.signature {
				t.Fatalf("signature %s, want %s", got, tt.signature)
			}
			plain, err := c.Decrypt(tt.encrypt)
			if err != nil || string(plain) != tt.plain {
				t.Fatalf("Decrypt = %q, %v", plain, err)
			}
			s := settings()
			s.Format = tt.format
			src := newSource(t, s)
			body := []byte(tt.body)
			if err := src.Verify(r, body); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			in, err := src.Parse(context.Background(), r, body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tt.method == http.MethodGet {
				if len(in.Events) != 0 || in.Reply == nil || string(in.Reply.Body) != tt.plain ||
					!strings.HasPrefix(in.Reply.ContentType, "text/plain") {
					t.Fatalf("challenge answer %+v", in)
				}
				return
			}
			if len(in.Events) != 1 {
				t.Fatalf("%d events", len(in.Events))
			}
			ev := in.Events[0]
			if ev.EventID != "4561255354251345929" || ev.Text != "hello" || ev.Sender.ID != "mycreate" ||
				ev.Conversation.Conversation != "mycreate" || ev.Time.Unix() != 1409659813 {
				t.Fatalf("event %+v", ev)
			}
			if in.Reply == nil || len(in.Reply.Body) != 0 || in.Reply.Status != http.StatusOK {
				t.Fatalf("reply %+v, want an empty 200", in.Reply)
			}
		})
	}
	// With W1's random prefix, encryption reproduces the sample exactly
	// (and so pads to 32-byte blocks, not 16).
	got, err := c.Encrypt([]byte("c41b64491c2468d0"), []byte("1616140317555161061"))
	if err != nil || got != w1Echo {
		t.Fatalf("Encrypt = %s, %v, want %s", got, err, w1Echo)
	}
}
