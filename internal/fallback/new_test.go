package fallback_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/fallback"
)

func TestNewRejectsBadSpecs(t *testing.T) {
	t.Parallel()
	smtp := fallback.SMTPConfig{Host: "mail.example.com", From: "bridge@example.com"}
	cases := map[string]struct {
		spec    fallback.Spec
		smtp    fallback.SMTPConfig
		wantErr string
	}{
		"unknown type":        {spec: fallback.Spec{Type: "pager"}, wantErr: "unknown fallback channel type"},
		"wecom no webhook":    {spec: fallback.Spec{Type: "wecom_robot"}, wantErr: "webhook is empty"},
		"wecom relative":      {spec: fallback.Spec{Type: "wecom_robot", Webhook: "cgi-bin/webhook/send?key=k"}, wantErr: "not an absolute"},
		"dingtalk ftp":        {spec: fallback.Spec{Type: "dingtalk_robot", Webhook: "ftp://oapi.dingtalk.com/robot/send?access_token=secret"}, wantErr: "not an absolute"},
		"feishu no webhook":   {spec: fallback.Spec{Type: "feishu_bot", Secret: "s"}, wantErr: "webhook is empty"},
		"email no recipients": {spec: fallback.Spec{Type: "email"}, smtp: smtp, wantErr: "no recipients"},
		"email bad recipient": {spec: fallback.Spec{Type: "email", To: []string{"ops@example.com", "not an address"}}, smtp: smtp, wantErr: "to[1]"},
		"email no host":       {spec: fallback.Spec{Type: "email", To: []string{"ops@example.com"}}, smtp: fallback.SMTPConfig{From: "a@b.c"}, wantErr: "host"},
		"email no from":       {spec: fallback.Spec{Type: "email", To: []string{"ops@example.com"}}, smtp: fallback.SMTPConfig{Host: "h"}, wantErr: "from"},
		"email bad tls":       {spec: fallback.Spec{Type: "email", To: []string{"ops@example.com"}}, smtp: fallback.SMTPConfig{Host: "h", From: "a@b.c", TLS: "ssl"}, wantErr: `"ssl"`},
		"email bad port":      {spec: fallback.Spec{Type: "email", To: []string{"ops@example.com"}}, smtp: fallback.SMTPConfig{Host: "h", From: "a@b.c", Port: 70000}, wantErr: "port"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ch, err := fallback.New(tc.spec, fallback.Deps{SMTP: tc.smtp})
			if err == nil {
				t.Fatalf("New accepted it: %v", ch)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err %q lacks %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("err %q quotes the webhook", err)
			}
		})
	}
	if _, err := fallback.New(fallback.Spec{Type: "x"}, fallback.Deps{}); !errors.Is(err, fallback.ErrUnknownType) {
		t.Errorf("unknown type error %v is not ErrUnknownType", err)
	}
}

func TestNewNames(t *testing.T) {
	t.Parallel()
	smtp := fallback.SMTPConfig{Host: "mail.example.com", From: "bridge@example.com"}
	for _, tc := range []struct {
		spec fallback.Spec
		want string
	}{
		{fallback.Spec{Type: "wecom_robot", Webhook: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}, "wecom_robot"},
		{fallback.Spec{Type: "dingtalk_robot", Name: "dt-ops", Webhook: "https://oapi.dingtalk.com/robot/send?access_token=t"}, "dt-ops"},
		{fallback.Spec{Type: "email", To: []string{"ops@example.com"}}, "email"},
	} {
		ch, err := fallback.New(tc.spec, fallback.Deps{SMTP: smtp})
		if err != nil {
			t.Fatalf("%s: %v", tc.want, err)
		}
		if ch.Name() != tc.want {
			t.Errorf("name %q, want %q", ch.Name(), tc.want)
		}
	}
}
