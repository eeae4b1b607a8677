package starter

// Var is an environment variable a starter configuration reads. Example
// is a value of the right shape, used by the tests and shown to nobody.
type Var struct {
	Name    string
	Help    string
	Example string
}

// platform is one connector's part of a starter configuration: its entry
// (indented for a list under sources: or sinks:) and the variables the
// entry reads.
type platform struct {
	sink  bool
	entry string
	vars  []Var
}

// whsec is a Standard Webhooks secret of the right shape (tests only).
const whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// aesKey is a 43-character key of the right shape (tests only).
const aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

var platforms = map[string]platform{
	"generic": {entry: `
  - id: generic                       # chat systems POST to https://HOST/hooks/im/generic
    type: generic
    secret: "${CHAT_SECRET}"
    # reply_url: https://chat.example.com/ticketbridge/replies   # without it, replies go to the chat inbox (ticketbridge chat tail)`,
		vars: []Var{{"CHAT_SECRET", "a Standard Webhooks secret (whsec_…); `ticketbridge send` signs with it", whsec}}},
	"slack": {entry: `
  - id: slack                         # Request URL: https://HOST/hooks/im/slack
    type: slack
    signing_secret: "${SLACK_SIGNING_SECRET}"
    bot_token: "${SLACK_BOT_TOKEN}"
    reaction: ticket                  # a :ticket: reaction asks for a ticket
    shortcut_callback_id: create_ticket`,
		vars: []Var{
			{"SLACK_SIGNING_SECRET", "Basic Information → Signing Secret", "8f742231b10e8888abcd99yyyzzz85a5"},
			{"SLACK_BOT_TOKEN", "OAuth & Permissions → Bot User OAuth Token (xoxb-…)", "xoxb-1-2-abc"}}},
	"feishu": {entry: `
  - id: feishu                        # event and callback URL: https://HOST/hooks/im/feishu
    type: feishu
    app_id: "${FEISHU_APP_ID}"
    app_secret: "${FEISHU_APP_SECRET}"
    verification_token: "${FEISHU_VERIFICATION_TOKEN}"
    encrypt_key: "${FEISHU_ENCRYPT_KEY}"
    # lark: true                      # for Lark (larksuite.com) instead of Feishu`,
		vars: []Var{
			{"FEISHU_APP_ID", "the app's App ID (cli_…)", "cli_a1b2c3"},
			{"FEISHU_APP_SECRET", "the app's App Secret", "app-secret-value"},
			{"FEISHU_VERIFICATION_TOKEN", "Events and callbacks → Verification Token", "verification-token"},
			{"FEISHU_ENCRYPT_KEY", "Events and callbacks → Encrypt Key", "encrypt-key-value"}}},
	"wecom": {entry: `
  - id: wecom                         # 接收消息 callback URL: https://HOST/hooks/im/wecom
    type: wecom
    corp_id: "${WECOM_CORP_ID}"
    corp_secret: "${WECOM_CORP_SECRET}"
    agent_id: 1000002                 # change: the app's AgentId
    token: "${WECOM_TOKEN}"
    encoding_aes_key: "${WECOM_AES_KEY}"`,
		vars: []Var{
			{"WECOM_CORP_ID", "My Company → Corp ID", "ww0123456789abcdef"},
			{"WECOM_CORP_SECRET", "the app's Secret", "corp-secret-value"},
			{"WECOM_TOKEN", "the callback's Token", "callbacktoken"},
			{"WECOM_AES_KEY", "the callback's EncodingAESKey (43 characters)", aesKey}}},
	"dingtalk": {entry: `
  - id: dingtalk                      # robot message receiving address: https://HOST/hooks/im/dingtalk
    type: dingtalk
    app_key: "${DINGTALK_APP_KEY}"
    app_secret: "${DINGTALK_APP_SECRET}"
    mode: both                        # robot callbacks and the event subscription on one URL
    token: "${DINGTALK_EVENT_TOKEN}"
    aes_key: "${DINGTALK_EVENT_AES_KEY}"`,
		vars: []Var{
			{"DINGTALK_APP_KEY", "the app's AppKey", "dingappkey"},
			{"DINGTALK_APP_SECRET", "the app's AppSecret", "ding-app-secret"},
			{"DINGTALK_EVENT_TOKEN", "event subscription → Token", "eventtoken"},
			{"DINGTALK_EVENT_AES_KEY", "event subscription → aes_key (43 characters)", aesKey}}},
	"mattermost": {entry: `
  - id: mattermost                    # outgoing webhook and slash command URL: https://HOST/hooks/im/mattermost
    type: mattermost
    url: "${MATTERMOST_URL}"
    bot_token: "${MATTERMOST_BOT_TOKEN}"
    outgoing_token: "${MATTERMOST_OUTGOING_TOKEN}"
    command_token: "${MATTERMOST_COMMAND_TOKEN}"
    action_secret: "${MATTERMOST_ACTION_SECRET}"
    public_url: "${TB_PUBLIC_URL}"    # the Yes/No buttons call TB_PUBLIC_URL/hooks/im/mattermost`,
		vars: []Var{
			{"MATTERMOST_URL", "the Mattermost server, like https://chat.example.com", "https://127.0.0.1:1"},
			{"MATTERMOST_BOT_TOKEN", "the bot account's access token", "bot-token-value"},
			{"MATTERMOST_OUTGOING_TOKEN", "the outgoing webhook's token", "outgoing-token"},
			{"MATTERMOST_COMMAND_TOKEN", "the /ticket slash command's token", "command-token"},
			{"MATTERMOST_ACTION_SECRET", "any random string of 16 characters or more; it signs the buttons", "0123456789abcdef0123"},
			{"TB_PUBLIC_URL", "how the platforms reach this server, like https://tickets.example.com", "https://127.0.0.1:8443"}}},
	"agora": {entry: `
  - id: agora                         # NCS and Chat callback URL: https://HOST/hooks/im/agora
    type: agora
    ncs_secret: "${AGORA_NCS_SECRET}"
    chat_app_key: "${AGORA_CHAT_APP_KEY}"
    chat_secret: "${AGORA_CHAT_SECRET}"
    chat_api_url: "${AGORA_CHAT_API_URL}"
    chat_client_id: "${AGORA_CHAT_CLIENT_ID}"
    chat_client_secret: "${AGORA_CHAT_CLIENT_SECRET}"
    chat_from: support-bot`,
		vars: []Var{
			{"AGORA_NCS_SECRET", "Console → Notifications → secret", "ncs-secret-value"},
			{"AGORA_CHAT_APP_KEY", "Agora Chat app key (orgname#appname)", "61117440#460199"},
			{"AGORA_CHAT_SECRET", "Agora Chat callback secret", "chat-secret-value"},
			{"AGORA_CHAT_API_URL", "Agora Chat REST host, like https://a41.chat.agora.io", "https://127.0.0.1:1"},
			{"AGORA_CHAT_CLIENT_ID", "Agora Chat client id", "client-id"},
			{"AGORA_CHAT_CLIENT_SECRET", "Agora Chat client secret", "client-secret"}}},

	"local": {sink: true, entry: `
  - id: desk                          # the built-in desk: ticketbridge desk list|show|comment|status
    type: local`},
	"jira": {sink: true, entry: `
  - id: jira                          # Jira webhook URL: https://HOST/hooks/tickets/jira
    type: jira
    url: "${JIRA_URL}"
    email: ticketbridge@example.com   # change: the integration user the token belongs to
    api_token: "${JIRA_API_TOKEN}"
    project: OPS                      # change: the project key
    issue_type: Task
    webhook_secret: "${JIRA_WEBHOOK_SECRET}"`,
		vars: []Var{
			{"JIRA_URL", "the site, like https://acme.atlassian.net", "https://127.0.0.1:1"},
			{"JIRA_API_TOKEN", "id.atlassian.com → Security → API tokens", "jira-api-token"},
			{"JIRA_WEBHOOK_SECRET", "the secret typed into the Jira webhook", "jira-webhook-secret"}}},
	"zendesk": {sink: true, entry: `
  - id: zendesk                       # Zendesk webhook URL: https://HOST/hooks/tickets/zendesk
    type: zendesk
    url: "${ZENDESK_URL}"
    email: ticketbridge@example.com   # change: the API user (an agent or admin)
    api_token: "${ZENDESK_API_TOKEN}"
    webhook_secret: "${ZENDESK_WEBHOOK_SECRET}"`,
		vars: []Var{
			{"ZENDESK_URL", "the account, like https://acme.zendesk.com", "https://127.0.0.1:1"},
			{"ZENDESK_API_TOKEN", "Admin Center → Apps and integrations → Zendesk API", "zendesk-api-token"},
			{"ZENDESK_WEBHOOK_SECRET", "the webhook's signing secret", "zendesk-webhook-secret"}}},
	"servicenow": {sink: true, entry: `
  - id: servicenow                    # business rule target: https://HOST/hooks/tickets/servicenow
    type: servicenow
    url: "${SERVICENOW_URL}"
    username: tb.integration          # change: a sys_user with the itil role
    password: "${SERVICENOW_PASSWORD}"
    integration_user: tb.integration  # changes by this user are ours, not echoed
    webhook_secret: "${SERVICENOW_WEBHOOK_SECRET}"`,
		vars: []Var{
			{"SERVICENOW_URL", "the instance, like https://acme.service-now.com", "https://127.0.0.1:1"},
			{"SERVICENOW_PASSWORD", "the integration user's password", "sn-password"},
			{"SERVICENOW_WEBHOOK_SECRET", "the key the business rule signs with (16 characters or more)", "0123456789abcdef0123"}}},
	"webhook": {sink: true, entry: `
  - id: tickets                       # ticket events come back to https://HOST/hooks/tickets/tickets
    type: generic
    url: "${TICKET_WEBHOOK_URL}"
    secret: "${TICKET_WEBHOOK_SECRET}"`,
		vars: []Var{
			{"TICKET_WEBHOOK_URL", "your ticket system's endpoint for ticketbridge", "https://127.0.0.1:1"},
			{"TICKET_WEBHOOK_SECRET", "a Standard Webhooks secret (whsec_…)", whsec}}},
}
