// Package dingtalk is the "dingtalk" source: a DingTalk (钉钉) internal
// app's robot. Members @-mention the robot in a group, or write to it one
// to one; DingTalk POSTs each message to ticketbridge, and ticketbridge
// answers through the message's session webhook or the robot API.
//
// # Inbound: POST /hooks/im/{source}
//
// Two channels share the URL, told apart by where they are signed
// (Settings.Mode says which are accepted: robot, events or both):
//
//   - Robot callback (HTTP mode): headers timestamp (ms) and sign =
//     base64(HMAC-SHA256(app_secret, timestamp+"\n"+app_secret)), within
//     tolerance (one hour) of the injected clock, else core.ErrStale. The
//     body is the message; it is answered with {} (no msgtype, so nothing
//     is posted back).
//   - Event subscription push: query signature (or msg_signature),
//     timestamp and nonce; the signature is SHA1 over the sorted token,
//     timestamp, nonce and ciphertext; the ciphertext ({"encrypt"}) is
//     AES-256-CBC as in WeCom (key base64(aes_key+"="), IV key[:16],
//     PKCS#7 with 32-byte blocks) over random16 | length | msg | owner
//     key. Every push, check_url included, is answered with the encrypted
//     "success" {msg_signature, timeStamp, nonce, encrypt}; no push
//     produces events yet.
//
// # Events
//
// A robot message is a message event whose id is msgId (redeliveries
// repeat it and are dropped by the store). The conversation is the group's
// conversationId; a one-to-one chat is "user:<senderStaffId>" so that the
// robot API can still reach the member after a restart (conversationId
// when the sender has no staff id). The sender is senderStaffId (else
// senderId) with senderNick, role bot when it is the robot itself. text is
// the text ("/ticket …" stays text); picture, file, audio and video carry
// their downloadCode as an attachment (audio's transcription is the
// text); richText is flattened to its text lines plus its pictures. Other
// types are acknowledged and dropped. Meta holds the message id, the
// conversation id/type/title, robotCode, the mentioned staff ids and the
// session webhook with its expiry (unix ms). DingTalk has no threads.
//
// # Outbound
//
// Parse remembers each conversation's latest session webhook (in memory,
// at most 10,000 conversations, only URLs on oapi_url's host). Post uses
// it until 30 s before it expires by the injected clock; otherwise, or
// when DingTalk refuses it with an errcode, the robot API:
// groupMessages/send for a group, oToMessages/batchSend for "user:…",
// with sampleText and an access token from /v1.0/oauth2/accessToken,
// cached and refreshed before expiry and once on 401/InvalidAuthentication.
// After a restart (or on another replica) the cache is empty and the
// robot API is used. Without app_key there is no robot API, and a post
// with no live session webhook is a permanent CallError saying so.
//
// Prompts are text asking for 1/是 or 2/否: DingTalk's actionCard buttons
// only open URLs, and its interactive cards need a template made in the
// developer console. The rules read the answers as yes and no.
//
// Errors: v1.0 API answers {"code","message"} with a 4xx/5xx status, read
// with core.ClassifyStatus; 429 and QPS/throttling codes are transient
// (Retry-After, else five seconds). The old API and webhooks answer
// errcode: -1 busy and 90002/90005/90006/90018/130101 rate limits are
// transient, others permanent with DingTalk's errmsg.
//
// LookupUser (old API /topapi/v2/user/get, cached an hour), FetchAttachment
// (messageFiles/download, then the file is streamed) and Check (a fresh
// access token) complete the source. GroupRobot sends to a custom group
// robot (自定义机器人), signed, for notification fallback.
package dingtalk
