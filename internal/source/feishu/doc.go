// Package feishu is the "feishu" source: a Feishu (or Lark) custom app
// whose bot receives messages through event subscription and answers in
// the chat. See docs/sources/feishu.md for the console settings.
//
// # Inbound: POST /hooks/im/{source}
//
// One URL takes event pushes (schema 2.0 and legacy v1), URL-verification
// challenges and message-card callbacks.
//
// Authentication, in Verify:
//   - X-Lark-Signature, when present, must be either the event signature,
//     hex(SHA-256(timestamp + nonce + encrypt_key + raw body)), or the
//     card-request signature, hex(SHA-1(timestamp + nonce +
//     verification_token + raw body)); they are told apart by length. The
//     signed X-Lark-Request-Timestamp must be within tolerance of our
//     clock (Feishu's SDK checks no window; we do).
//   - With an encrypt_key every delivery except the URL verification must
//     be signed (Feishu signs all pushes once a key is set).
//   - The verification token (header.token in v2, token in v1, challenges
//     and card callbacks) is always compared, in constant time, after
//     decryption. Without an encrypt_key it is the only check.
//   - {"encrypt": …} bodies are AES-256-CBC under SHA-256(encrypt_key),
//     IV first, PKCS#7 unpadded strictly. A body that fails to decrypt
//     (bad base64, partial block, bad padding) is refused as
//     core.ErrBadSignature, not ErrMalformed: without an authenticated
//     plaintext we cannot tell a corrupt body from a forged one, and both
//     deserve 401. A body that decrypts but is not JSON is ErrMalformed.
//
// Parsing:
//   - url_verification → Reply {"challenge": …} and no events.
//   - im.message.receive_v1 → a message event with id header.event_id
//     (v1: uuid). Conversation = chat_id, Thread = root_id (the thread's
//     root message, for topic and quote replies alike). sender_type "app"
//     is a bot. Text mentions "@_user_1" become "@Name"; mentions in
//     front of a slash command are dropped ("@Bot /ticket x" →
//     "/ticket x"), since in a group the bot only hears what mentions it.
//     Images and files become attachments whose URL is the message
//     resource API on api_url; rich text (post) is flattened to lines.
//     Other message types (stickers, cards, …) give no event.
//   - A press on our confirmation card's buttons (card.action.trigger, or
//     a legacy card callback) → a command event with Action confirm or
//     reject, Meta["token"] the proposal token; the buttons carry chat
//     and thread so the answer lands in the asking conversation. Legacy
//     callbacks have no event id: "card:<message>:<user>:<action>" is
//     used, so pressing the same button twice is one answer.
//   - Other event types are acknowledged and dropped.
//
// # Outbound
//
// Post uses a tenant access token (cached; replaced three minutes before
// it expires and once whenever a call says the token is invalid). With a
// thread it replies to the root message, otherwise it sends to the chat.
// A prompt is an interactive card with two buttons. msg.Key is the uuid
// (hashed when longer than Feishu's 50 characters). A non-zero code is a
// core.CallError: rate limits (HTTP 429, 99991400, 11232, …) are
// transient with x-ogw-ratelimit-reset as RetryAfter (1 s when absent);
// 5xx are transient; other codes (scopes, bot not in chat, bad params)
// are permanent.
package feishu
