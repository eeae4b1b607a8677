package app_test

import (
	"path/filepath"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
)

// Every example configuration in examples/ loads and builds (connectors,
// templates) once its secrets are set: the README points people at them.
// The checks that call the ticket systems are left out: tests reach only
// loopback.
func TestExamplesAreValid(t *testing.T) {
	env := map[string]string{
		"CHAT_SECRET":                      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"TB_ADMIN_TOKEN":                   "tb-example-admin-token-0123456789",
		"SLACK_SIGNING_SECRET":             "8f742231b10e8888abcd99yyyzzz85a5",
		"SLACK_BOT_TOKEN":                  "xoxb-0000-0000-example",
		"FEISHU_APP_ID":                    "cli_example",
		"FEISHU_APP_SECRET":                "example-secret",
		"FEISHU_VERIFICATION_TOKEN":        "example-token",
		"FEISHU_ENCRYPT_KEY":               "example-encrypt-key",
		"WECOM_CORP_ID":                    "wx5823bf96d3bd56c7",
		"WECOM_CORP_SECRET":                "example-corp-secret",
		"WECOM_TOKEN":                      "QDG6eK",
		"WECOM_AES_KEY":                    "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
		"ACME_SLACK_SIGNING_SECRET":        "8f742231b10e8888abcd99yyyzzz85a5",
		"ACME_SLACK_BOT_TOKEN":             "xoxb-0000-0000-example",
		"ACME_FEISHU_APP_ID":               "cli_example",
		"ACME_FEISHU_APP_SECRET":           "example-secret",
		"ACME_FEISHU_VERIFICATION_TOKEN":   "example-token",
		"ACME_FEISHU_ENCRYPT_KEY":          "example-encrypt-key",
		"ACME_JIRA_API_TOKEN":              "example-jira-token",
		"ACME_JIRA_WEBHOOK_SECRET":         "example-jira-webhook-secret",
		"GLOBEX_SLACK_SIGNING_SECRET":      "8f742231b10e8888abcd99yyyzzz85a5",
		"GLOBEX_SLACK_BOT_TOKEN":           "xoxb-0000-0000-example",
		"GLOBEX_FEISHU_APP_ID":             "cli_example",
		"GLOBEX_FEISHU_APP_SECRET":         "example-secret",
		"GLOBEX_FEISHU_VERIFICATION_TOKEN": "example-token",
		"GLOBEX_FEISHU_ENCRYPT_KEY":        "example-encrypt-key",
		"GLOBEX_JIRA_API_TOKEN":            "example-jira-token",
		"GLOBEX_JIRA_WEBHOOK_SECRET":       "example-jira-webhook-secret",
		"HELPDESK_APP_ID":                  "cli_helpdesk",
		"HELPDESK_APP_SECRET":              "example-helpdesk-secret",
		"HELPDESK_ID":                      "6834008923",
		"HELPDESK_TOKEN":                   "ht-example",
		"HELPDESK_VERIFICATION_TOKEN":      "example-token",
		"HELPDESK_ENCRYPT_KEY":             "example-encrypt-key",
		"WECOM_KF_SECRET":                  "example-kf-secret",
		"WECOM_ROBOT_URL":                  "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=example",
		"JIRA_API_TOKEN":                   "example-jira-token",
		"JIRA_WEBHOOK_SECRET":              "example-jira-webhook-secret",
		"ZENDESK_API_TOKEN":                "example-zendesk-token",
		"ZENDESK_WEBHOOK_SECRET":           "example-zendesk-webhook-secret",
		"SN_PASSWORD":                      "example-password",
		"SN_WEBHOOK_SECRET":                "example-servicenow-secret",
		"ADMIN_TOKEN":                      "full-yaml-admin-token-0123456789",
		"AGORA_NCS_SECRET":                 "example-ncs-secret",
		"AGORA_CHAT_SECRET":                "example-chat-secret",
		"AGORA_CHAT_CLIENT_ID":             "example-client-id",
		"AGORA_CHAT_CLIENT_SECRET":         "example-client-secret",
		"DINGTALK_APP_KEY":                 "dingexamplekey",
		"DINGTALK_APP_SECRET":              "example-dingtalk-secret",
		"DINGTALK_EVENT_TOKEN":             "tokenxxxx",
		"DINGTALK_EVENT_AES_KEY":           "o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus",
		"MATTERMOST_ACTION_SECRET":         "example-action-secret-0123456789",
		"MATTERMOST_BOT_TOKEN":             "example-bot-token",
		"MATTERMOST_COMMAND_TOKEN":         "example-command-token",
		"MATTERMOST_OUTGOING_TOKEN":        "example-outgoing-token",
		"REDMINE_API_KEY":                  "example-redmine-api-key",
		"GITHUB_TOKEN":                     "example-github-token",
		"GITHUB_WEBHOOK_SECRET":            "example-github-webhook-secret",
		"GITLAB_TOKEN":                     "example-gitlab-token",
		"GITLAB_WEBHOOK_TOKEN":             "example-gitlab-webhook-token",
		"LINEAR_API_KEY":                   "lin_api_example",
		"LINEAR_WEBHOOK_SECRET":            "lin_wh_example",
		"ZAMMAD_TOKEN":                     "example-zammad-token",
		"ZAMMAD_WEBHOOK_SECRET":            "example-zammad-secret",
		"FRESHDESK_API_KEY":                "example-freshdesk-key",
		"FRESHDESK_WEBHOOK_TOKEN":          "example-freshdesk-webhook-token",
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("examples: %v %v", files, err)
	}
	// The annotated reference of every option, too.
	files = append(files, "../config/testdata/full.yaml")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			cfg, err := config.Load(f)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if ps := app.Check(cfg); len(ps) > 0 {
				t.Fatalf("check: %v", ps)
			}
		})
	}
}
