package dingtalk_test

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/dingtalk"
)

func TestNewSettings(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		s       dingtalk.Settings
		wantErr string
	}{
		"robot":              {s: settings()},
		"robot, no app key":  {s: dingtalk.Settings{AppSecret: appSecret}},
		"both":               {s: eventSettings()},
		"events only":        {s: dingtalk.Settings{Mode: "events", Token: vecToken, AESKey: vecAESKey, AppKey: appKey}},
		"no secret":          {s: dingtalk.Settings{AppKey: appKey}, wantErr: "app_secret: required"},
		"bad mode":           {s: dingtalk.Settings{AppSecret: appSecret, Mode: "stream"}, wantErr: "mode: must be robot, events or both"},
		"events no token":    {s: dingtalk.Settings{Mode: "events", AESKey: vecAESKey, OwnerKey: "x"}, wantErr: "token: required"},
		"events no aes key":  {s: dingtalk.Settings{Mode: "events", Token: "t", OwnerKey: "x"}, wantErr: "aes_key: required"},
		"events no owner":    {s: dingtalk.Settings{Mode: "events", Token: "t", AESKey: vecAESKey}, wantErr: "owner_key: required"},
		"short aes key":      {s: dingtalk.Settings{Mode: "events", Token: "t", AESKey: "abc", OwnerKey: "x"}, wantErr: "aes_key: must be 43 characters"},
		"bad aes key":        {s: dingtalk.Settings{Mode: "events", Token: "t", AESKey: strings.Repeat("%", 43), OwnerKey: "x"}, wantErr: "aes_key: not valid base64"},
		"relative api url":   {s: dingtalk.Settings{AppSecret: appSecret, APIURL: "/v1.0"}, wantErr: "api_url: must be an absolute"},
		"bad oapi url":       {s: dingtalk.Settings{AppSecret: appSecret, OAPIURL: "ftp://x"}, wantErr: "oapi_url: must be an absolute"},
		"negative tolerance": {s: dingtalk.Settings{AppSecret: appSecret, Tolerance: -1}, wantErr: "tolerance: must not be negative"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := dingtalk.New("dt", tt.s, source.Deps{})
			if tt.wantErr == "" {
				if err != nil || src.ID() != "dt" {
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
	c := config.NewConnector("sources[0]", "dt", dingtalk.Type)
	if _, err := dingtalk.Factory(c, source.Deps{}); err == nil || !strings.Contains(err.Error(), "app_secret") {
		t.Fatalf("empty entry: %v", err)
	}
	for k, v := range map[string]any{
		"app_key": appKey, "app_secret": appSecret, "mode": "both", "token": vecToken,
		"aes_key": vecAESKey, "tolerance": "30m", "robot_code": "dingrobot",
	} {
		c.Set(k, v)
	}
	src, err := dingtalk.Factory(c, source.Deps{})
	if err != nil || src.ID() != "dt" {
		t.Fatalf("Factory = %v, %v", src, err)
	}
	c.Set("tolerence", "1h")
	if _, err := dingtalk.Factory(c, source.Deps{}); err == nil || !strings.Contains(err.Error(), "tolerence") {
		t.Fatalf("unknown key: %v", err)
	}
}
