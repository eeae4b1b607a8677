// Package slack is the "slack" source: a Slack app's Events API, slash
// commands and interactivity all post to /hooks/im/{source}, and replies
// go out with chat.postMessage.
//
// # Inbound
//
// Every request is signed with the app's signing secret:
// X-Slack-Signature = "v0=" + hex(HMAC-SHA256(secret, "v0:" + ts + ":" +
// body)) with ts = X-Slack-Request-Timestamp, which must be within five
// minutes of our clock. Redeliveries (X-Slack-Retry-Num) are verified and
// parsed like the first delivery; their event id is the same, so the
// store drops them.
//
//   - JSON url_verification: answered with the challenge (text/plain).
//   - JSON event_callback with message or app_mention: a message event.
//     People's messages only (plain, file_share, thread_broadcast,
//     me_message); bot messages, edits, deletions and system messages are
//     acknowledged and dropped, as are our own bot user's. The event id is
//     "{channel}:{ts}", because a message that mentions the bot arrives
//     both as message and as app_mention, with two envelope ids. Thread =
//     thread_ts (empty for a top-level message). A leading mention of our
//     bot is removed; other markup is rendered readably (@name, #channel,
//     "label (url)"). Files become attachments (url_private_download).
//   - JSON event_callback with reaction_added on a message: a reaction
//     event, meta reaction (name without skin tone), target (the ts),
//     author, ticket_reaction (whether it is the configured emoji).
//   - Form with command: a slash command; command event, Command without
//     "/", Text its text, event id "command:{trigger_id}".
//   - Form with payload, type message_action and our callback id: the
//     "Create ticket" message shortcut; command event (Command
//     shortcut_command, default "ticket"), Text the message's text, its
//     files, meta target = the message's ts, Thread = its thread_ts or ts.
//   - Form with payload, type block_actions and one of our buttons
//     (tb_confirm, tb_reject): a command event with Action confirm or
//     reject, meta token = the button's value, in the channel and thread
//     the prompt was posted to; event id "action:{user}:{action_ts}".
//
// Form requests are answered with an empty 200, as Slack wants.
//
// # Outbound and lookups
//
// Post calls chat.postMessage (thread_ts when the conversation has a
// thread); a prompt becomes a section and an actions block with two
// buttons. ok:false codes become core.CallError: ratelimited, 429,
// internal_error, fatal_error, service_unavailable, request_timeout and
// 5xx are transient (Retry-After honoured), every other code permanent.
// LookupUser (users.info, cached), FetchThread (conversations.replies),
// FetchMessage (conversations.history, then .replies), FetchAttachment
// (the bot token only ever goes to https *.slack.com or the configured
// API host) and Check (auth.test) are the optional capabilities.
package slack
