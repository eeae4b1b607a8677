package agora_test

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/agora"
	"github.com/ticketbridge/ticketbridge/internal/source/agora/agorafake"
)

func TestNewRefusesBadSettings(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		edit func(*agora.Settings)
		key  string
	}{
		"no secrets":         {func(s *agora.Settings) { s.NCSSecret, s.ChatSecret = "", "" }, "ncs_secret or chat_secret"},
		"chat without app":   {func(s *agora.Settings) { s.ChatAppKey = "" }, "chat_app_key"},
		"bad app key":        {func(s *agora.Settings) { s.ChatAppKey = "orgapp" }, "chat_app_key"},
		"bad api url":        {func(s *agora.Settings) { s.ChatAPIURL = "a41.chat.agora.io" }, "chat_api_url"},
		"no credentials":     {func(s *agora.Settings) { s.ChatClientID, s.ChatClientSecret = "", "" }, "chat_client_id"},
		"half credentials":   {func(s *agora.Settings) { s.ChatClientSecret = "" }, "chat_client_id"},
		"token and client":   {func(s *agora.Settings) { s.ChatAppToken = "t" }, "chat_app_token"},
		"client without url": {func(s *agora.Settings) { s.ChatAPIURL = "" }, "chat_api_url"},
		"bad pattern":        {func(s *agora.Settings) { s.CallKinds = []agora.CallKind{{Pattern: "[", Kind: "voice"}} }, "call_kinds[0].pattern"},
		"bad kind":           {func(s *agora.Settings) { s.CallKinds = []agora.CallKind{{Pattern: "*", Kind: "audio"}} }, "call_kinds[0].kind"},
		"empty pattern":      {func(s *agora.Settings) { s.CallKinds = []agora.CallKind{{Kind: "video"}} }, "call_kinds[0].pattern"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := settings("https://a41.chat.agora.io")
			tc.edit(&s)
			_, err := agora.New("ag", s, source.Deps{})
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("err %v, want one naming %q", err, tc.key)
			}
		})
	}
}

// Factory decodes the YAML keys, including the call_kinds list.
func TestFactoryDecodes(t *testing.T) {
	t.Parallel()
	c := yamlSource(t, `
    ncs_secret: `+ncsSecret+`
    chat_app_key: "`+appKey+`"
    chat_secret: `+chatSecret+`
    chat_api_url: https://a41.chat.agora.io
    chat_app_token: fixed
    call_kinds:
      - pattern: "vid_*"
        kind: video`)
	src, err := agora.Factory(c, source.Deps{})
	if err != nil {
		t.Fatalf("Factory: %v", err)
	}
	if src.ID() != "ag" {
		t.Fatalf("id %q", src.ID())
	}
	body := agorafake.Notice("n", agora.EventUserJoin, agora.ChannelPayload{ChannelName: "vid_9", TS: 1, UID: "3"})
	in, err := src.Parse(t.Context(), request(body, agorafake.NCSHeaders(ncsSecret, body, agorafake.SignBoth)), body)
	if err != nil || len(in.Events) != 1 || in.Events[0].Meta["call_kind"] != agora.CallVideo {
		t.Fatalf("call_kinds not applied: %+v %v", in, err)
	}
	typo := yamlSource(t, "\n    ncs_secret: s\n    call_kind: typo")
	if _, err := agora.Factory(typo, source.Deps{}); err == nil || !strings.Contains(err.Error(), "call_kind") {
		t.Fatalf("unknown key: %v", err)
	}
}
