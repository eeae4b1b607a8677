// Package agora is the "agora" source: one Agora project's RTC channel
// notifications (NCS) and its Agora Chat callbacks, both on
// /hooks/im/{source}, and replies through the Agora Chat REST API.
//
// # Inbound
//
// A request with an Agora-Signature-V2 (hex HMAC-SHA256 of the body) or
// Agora-Signature (hex HMAC-SHA1) header is an NCS notice, checked against
// ncs_secret (V2 wins when both are sent). Any other request must be a
// Chat callback whose body field security equals hex MD5(callId +
// chat_secret + timestamp), and whose appkey, when present, is ours.
// Neither scheme has a replay window (NCS refreshes notifyMs on retry,
// Chat's digest does not cover the content); replays carry the same
// noticeId or callId, the event ids, and the store drops them.
//
// Channel notices 101–112 of productId 1 become KindCallSignal events in
// the channel's conversation, with Meta event_type, uid, platform,
// client_type, reason, duration, client_seq and call_kind (from
// call_kinds); internal/calls folds them into sessions. Other notices
// (the Console's test notice, other products) are acknowledged.
//
// Chat "chat" callbacks become messages: conversation "user:<customer>"
// for one-to-one chats (the recipient when the sender is chat_from),
// "group:<group_id>" for groups, and "room:<room id>" for chat rooms,
// whose messages are live feedback (Meta stream). The prefix tells Post
// which REST collection to use. Text bodies are the text; img, file,
// audio and video bodies are attachments (id = the chatfiles uuid);
// messages from chat_from have the bot role. Chat callbacks are answered
// {"valid":true}, which a pre-delivery callback reads as "pass".
//
// # Outbound
//
// Post sends a txt message from chat_from to messages/users, chatgroups or
// chatrooms; a prompt is text asking for yes/是 or no/否. The app token
// comes from POST /{org}/{app}/token (client credentials), is cached,
// refreshed before expiry and once on 401. 429 is transient with
// Retry-After (or one second), 5xx transient, other 4xx permanent, each
// with Agora's error and error_description. Check gets a token.
package agora
