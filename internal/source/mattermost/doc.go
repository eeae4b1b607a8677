// Package mattermost is the "mattermost" source: a Mattermost server's
// outgoing webhooks, slash commands and interactive buttons all post to
// /hooks/im/{source}, and replies go out through the REST API v4 with a
// bot account's token.
//
// # Inbound
//
// Mattermost signs nothing; each kind of request carries a shared secret
// that is compared in constant time (there is no timestamp to window):
//
//   - Outgoing webhook (form or JSON, a body without "command" or
//     "context"): "token" must be one of outgoing_token/outgoing_tokens.
//     It becomes a message event whose id is the post_id. The webhook
//     does not name the thread, so Parse reads the post (posts/{id}, at
//     most three seconds) for its root_id, its files' metadata and its
//     from_bot/from_webhook props; when that fails the post counts as its
//     own thread root. Conversation.Thread is always the thread root (the
//     post itself when it is one), so every message of a thread is the
//     same conversation. A leading @mention of the bot is dropped. The
//     answer is the ingress JSON, which Mattermost ignores (it has no
//     "text").
//   - Slash command (a form, or a GET query, with "command"): the token
//     in the body and/or "Authorization: Token …" (at least one, every
//     one present must match command_token/command_tokens). A command
//     event, Command without "/", event id "command:{trigger_id}",
//     answered with {"response_type":"ephemeral","text": command_ack}.
//   - Button press (JSON with "context"): the context we put into our
//     buttons, {action, token, thread, secret}, where secret is
//     ActionSignature(action_secret, action, token, channel_id, thread).
//     confirm/reject give a command event with Action confirm/reject and
//     meta token; create_ticket (a "Create ticket" button another
//     integration posts on a message, token = that post's id) gives the
//     command "ticket" (setting command) with meta target = the post.
//     Answered with an ephemeral note to the presser.
//
// Tokens and context signatures never reach the stored raw payload.
//
// # Outbound and lookups
//
// Post creates a post (POST /api/v4/posts, root_id = the thread); a
// prompt becomes a message attachment with two buttons calling
// public_url/hooks/im/{source}, or text asking for yes or no when buttons
// are not configured. Mattermost's error body {id, message, status_code}
// becomes core.CallError (403 and other 4xx permanent, 429 and 5xx
// transient with Retry-After or X-Ratelimit-Reset). Bot tokens do not
// expire, so there is nothing to refresh: a 401 is permanent and says the
// token was revoked. LookupUser (users/{id}, cached), FetchThread
// (posts/{root}/thread), FetchMessage (posts/{id}), FetchAttachment
// (files/{id}/info, then files/{id} streamed, only ever to the configured
// server) and Check (users/me) are the optional capabilities.
package mattermost
