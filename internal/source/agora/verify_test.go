package agora_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/agora"
	"github.com/ticketbridge/ticketbridge/internal/source/agora/agorafake"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	both := newSource(t, settings(""))
	chatOnly := settings("")
	chatOnly.NCSSecret = ""
	ncsOnly := agora.Settings{NCSSecret: ncsSecret}
	sources := map[string]*agora.Source{
		"both": both, "chat only": newSource(t, chatOnly), "ncs only": newSource(t, ncsOnly),
	}

	notice := agorafake.Notice("n-1", agora.EventBroadcasterJoin, agora.ChannelPayload{ChannelName: "c", TS: 1772355600, UID: "7"})
	signed := agorafake.NCSHeaders(ncsSecret, notice, agorafake.SignBoth)
	v1Only := agorafake.NCSHeaders(ncsSecret, notice, agorafake.SignV1Only)
	v2Only := agorafake.NCSHeaders(ncsSecret, notice, agorafake.SignV2Only)
	wrongV2RightV1 := agorafake.NCSHeaders(ncsSecret, notice, agorafake.SignBoth)
	wrongV2RightV1.Set(agora.HeaderSignatureV2, strings.Repeat("0", 64))
	upper := http.Header{agora.HeaderSignatureV2: {strings.ToUpper(v2Only.Get(agora.HeaderSignatureV2))}}
	otherSecret := agorafake.NCSHeaders("not-the-secret", notice, agorafake.SignBoth)

	cb := signer().Text(agora.ChatTypeGroup, "alice", "g1", "/ticket help")
	chatBody := agorafake.Encode(cb)
	mutate := func(f func(*agora.ChatCallback)) []byte {
		c := cb
		f(&c)
		return agorafake.Encode(c)
	}
	wrongSecret := (&agorafake.ChatSigner{AppKey: appKey, Secret: "other", Now: fixedNow}).Sign(cb)
	otherApp := (&agorafake.ChatSigner{AppKey: "org#other", Secret: chatSecret, Now: fixedNow}).Sign(cb)
	// A timestamp written as a string signs the same digits.
	stringTS := strings.Replace(string(chatBody), `"timestamp":`+cb.Timestamp.String(), `"timestamp":"`+cb.Timestamp.String()+`"`, 1)

	cases := map[string]struct {
		src  string
		body []byte
		h    http.Header
		want error // nil: accepted
	}{
		"ncs both headers":            {"both", notice, signed, nil},
		"ncs v1 only":                 {"both", notice, v1Only, nil},
		"ncs v2 only":                 {"ncs only", notice, v2Only, nil},
		"ncs upper-case hex":          {"both", notice, upper, nil},
		"ncs v2 wrong, v1 right":      {"both", notice, wrongV2RightV1, core.ErrBadSignature},
		"ncs other secret":            {"both", notice, otherSecret, core.ErrBadSignature},
		"ncs body changed":            {"both", append(append([]byte(nil), notice[:len(notice)-1]...), ' ', '}'), signed, core.ErrBadSignature},
		"ncs without ncs_secret":      {"chat only", notice, signed, core.ErrBadSignature},
		"ncs body without header":     {"both", notice, nil, core.ErrBadSignature},
		"chat signed":                 {"both", chatBody, nil, nil},
		"chat string timestamp":       {"chat only", []byte(stringTS), nil, nil},
		"chat wrong secret":           {"both", agorafake.Encode(wrongSecret), nil, core.ErrBadSignature},
		"chat timestamp changed":      {"both", mutate(func(c *agora.ChatCallback) { c.Timestamp = json.Number("1") }), nil, core.ErrBadSignature},
		"chat callId changed":         {"both", mutate(func(c *agora.ChatCallback) { c.CallID += "0" }), nil, core.ErrBadSignature},
		"chat security missing":       {"both", mutate(func(c *agora.ChatCallback) { c.Security = "" }), nil, core.ErrBadSignature},
		"chat other app, same secret": {"both", agorafake.Encode(otherApp), nil, core.ErrBadSignature},
		"chat without chat_secret":    {"ncs only", chatBody, nil, core.ErrBadSignature},
		"chat with forged ncs header": {"both", chatBody, http.Header{agora.HeaderSignature: {"00"}}, core.ErrBadSignature},
		"chat not JSON":               {"both", []byte("callId=1&security=2"), nil, core.ErrMalformed},
		"empty GET":                   {"both", nil, nil, core.ErrMalformed},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := sources[tc.src].Verify(request(tc.body, tc.h), tc.body)
			if tc.want == nil && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

// Agora's Chat signature covers callId, secret and timestamp only, not
// the content. This pins the digest (computed apart, with Python's
// hashlib) and that scope, which is why dedupe on callId matters.
func TestChatSecurityScope(t *testing.T) {
	t.Parallel()
	if got := agora.ChatSecurity("k_1", "s", "1700000000000"); got != "b3f845ec8257d93bc281a448891f327e" {
		t.Fatalf("ChatSecurity = %s", got)
	}
	src := newSource(t, settings(""))
	cb := signer().Text(agora.ChatTypeUser, "bob", "admin", "hello")
	cb.Payload.Bodies[0].Msg = "changed in transit"
	if err := src.Verify(request(agorafake.Encode(cb), nil), agorafake.Encode(cb)); err != nil {
		t.Fatalf("content is not signed, yet refused: %v", err)
	}
}
