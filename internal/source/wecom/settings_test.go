package wecom_test

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/wecom"
)

func TestNewSettings(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		mutate  func(*wecom.Settings)
		wantErr string
	}{
		"minimal":          {mutate: func(*wecom.Settings) {}},
		"json":             {mutate: func(s *wecom.Settings) { s.Format = "json" }},
		"suite receive id": {mutate: func(s *wecom.Settings) { s.ReceiveID = "suite-1" }},
		"no corp id":       {mutate: func(s *wecom.Settings) { s.CorpID = "" }, wantErr: "corp_id: required"},
		"no secret":        {mutate: func(s *wecom.Settings) { s.CorpSecret = " " }, wantErr: "corp_secret: required"},
		"no token":         {mutate: func(s *wecom.Settings) { s.Token = "" }, wantErr: "token: required"},
		"no aes key":       {mutate: func(s *wecom.Settings) { s.EncodingAESKey = "" }, wantErr: "encoding_aes_key: required"},
		"short aes key":    {mutate: func(s *wecom.Settings) { s.EncodingAESKey = "abc" }, wantErr: "encoding_aes_key: must be 43 characters"},
		"bad aes key":      {mutate: func(s *wecom.Settings) { s.EncodingAESKey = strings.Repeat("%", 43) }, wantErr: "encoding_aes_key: not valid base64"},
		"no agent":         {mutate: func(s *wecom.Settings) { s.AgentID = 0 }, wantErr: "agent_id: required"},
		"bad format":       {mutate: func(s *wecom.Settings) { s.Format = "yaml" }, wantErr: "format: must be xml or json"},
		"relative api url": {mutate: func(s *wecom.Settings) { s.APIURL = "/cgi-bin" }, wantErr: "api_url: must be an absolute"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := settings()
			tt.mutate(&s)
			src, err := wecom.New("wc", s, source.Deps{})
			if tt.wantErr == "" {
				if err != nil || src.ID() != "wc" {
					t.Fatalf("New = %v, %v", src, err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want prefix %q", err, tt.wantErr)
			}
		})
	}
}

func TestFactoryDecodes(t *testing.T) {
	t.Parallel()
	c := config.NewConnector("sources[0]", "wc", wecom.Type)
	if _, err := wecom.Factory(c, source.Deps{}); err == nil || !strings.Contains(err.Error(), "corp_id") {
		t.Fatalf("empty entry: %v", err)
	}
	for k, v := range map[string]any{
		"corp_id": sampleCorpID, "corp_secret": corpSecret, "agent_id": agentID,
		"token": sampleToken, "encoding_aes_key": sampleAESKey, "format": "json", "cards": false,
	} {
		c.Set(k, v)
	}
	src, err := wecom.Factory(c, source.Deps{})
	if err != nil || src.ID() != "wc" {
		t.Fatalf("Factory = %v, %v", src, err)
	}
	c.Set("corp_idd", "typo")
	if _, err := wecom.Factory(c, source.Deps{}); err == nil || !strings.Contains(err.Error(), "corp_idd") {
		t.Fatalf("unknown key: %v", err)
	}
}
