// Package wecom is the "wecom" source: a WeCom (企业微信) self-built app.
// Members talk to the app one to one; their messages reach ticketbridge
// through the app's encrypted callback, and ticketbridge answers through
// the app-message API.
//
// # Inbound: GET and POST /hooks/im/{source}
//
// WeCom signs with WXBizMsgCrypt (see Cipher): the query carries
// msg_signature, timestamp and nonce; msg_signature is SHA1 over the
// sorted token, timestamp, nonce and ciphertext. The ciphertext is
// AES-256-CBC under base64(encoding_aes_key+"="), IV = key[:16], PKCS#7
// with 32-byte blocks, over random16 | length | message | receive id,
// and the receive id must be ours (corp_id, or receive_id).
//
//   - GET ?msg_signature&timestamp&nonce&echostr is the URL check: the
//     decrypted echostr is answered as text/plain. No I/O happens.
//   - POST carries <xml><ToUserName/><Encrypt/><AgentID/></xml> (format
//     xml) or {"tousername","encrypt","agentid"} (format json). It is
//     answered with an empty 200: WeCom reads any other body as a passive
//     reply to decrypt.
//
// WeCom's scheme has no timestamp window, and we do not invent one. A
// resent or replayed callback carries the same event id and is dropped by
// the store's dedupe: MsgId for messages, FromUserName@CreateTime#Event
// (plus the card's TaskId or the menu key) for events. Bad signature,
// bad padding, a foreign receive id or the wrong AES key are
// core.ErrBadSignature; an unreadable body or ciphertext is
// core.ErrMalformed.
//
// # Events
//
// The conversation is the member (FromUserName); app chats have no
// threads. Messages: text (Content, "/ticket …" stays text), image
// (MediaId + PicUrl), voice, video and file (MediaId) as attachments,
// location and link as readable text. Events: a click on our
// confirmation card (template_card_event whose EventKey is
// "tb:confirm:<token>" or "tb:reject:<token>") is a command with
// Action confirm/reject and Meta token, task_id, response_code; a custom
// menu click (Event click) is a command named by its EventKey, so a menu
// entry with key "ticket" opens a ticket. Other events (enter_agent,
// other apps' cards, …) are acknowledged and dropped. Event.Raw holds
// the decrypted callback: the JSON itself, or the XML as a JSON string.
//
// # Outbound
//
// Post calls message/send with touser = the member and the app's
// agentid: text, or for a prompt a button_interaction template card whose
// task_id is "tb-<token>" (so a retried post is refused with 42014,
// which we take as already sent) and whose two buttons carry the keys
// above. With cards: false the prompt is text asking for 1/是 or 2/否.
// The access token is cached, refreshed a tenth of its lifetime (at most
// five minutes) before expiry and once on errcode 40001/40014/42001.
// 45009/45033 are transient with RetryAfter one minute, -1 with five
// seconds; other errcodes (unknown user 81013, no permission 60011, …)
// are permanent and carry WeCom's errmsg.
//
// LookupUser (user/get, cached an hour), FetchAttachment (media/get,
// streamed) and Check (gettoken) complete the connector.
package wecom
