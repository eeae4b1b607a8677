// Package wecomkf is the "wecom_kf" source: WeCom 微信客服 (WeChat
// Customer Service). WeChat users write to a 客服帐号 (open_kfid); WeCom
// tells ticketbridge that an account has news with an encrypted
// kf_msg_or_event callback, and ticketbridge reads the messages with
// kf/sync_msg and answers with kf/send_msg.
//
// # Inbound: GET and POST /hooks/im/{source}
//
// The callback crypto is WeCom's WXBizMsgCrypt (internal/wxcrypt) with the
// CorpID as receive id: the GET URL check answers the decrypted echostr;
// a POST carries <xml><ToUserName/><Encrypt/></xml>. The decrypted
// callback names the account (OpenKfId) and a Token valid ten minutes.
// Parse then reads kf/sync_msg from the account's cursor, kept in the
// store's named cursors as "wecom_kf:<source>:<open_kfid>", following
// has_more for at most pull_budget (3 s; WeCom waits 5 s) and 20 pages.
// The events go through ingress like any callback's; the cursor moves in
// core.Inbound.Stored, after the events are committed. A crash between
// reading and storing leaves the cursor where it was, so the messages are
// read again; a crash between storing and moving the cursor reads them
// again too, and the store drops them as duplicates of their msgid. No
// message is lost and none is stored twice. A token WeCom refuses
// (95007) is dropped and the read repeated without it (it is optional).
//
// # Events
//
// The conversation is "<open_kfid>:<external_userid>": one customer with
// one account. Origin 3 (the customer) gives customer messages, origin 5
// (a servicer writing in WeCom) agent messages; what ticketbridge sends
// is never returned by sync_msg, so there is no echo to drop. Text,
// image, voice, video and file (media_id, fetched with media/get),
// location and link are read; business cards and mini programs are
// skipped. A tap on our prompt's menu arrives as text with menu_id
// "tb:confirm:<token>" or "tb:reject:<token>" and becomes a command with
// that action. System events (origin 4): session_status_change with
// change_type 1 or 4 (a servicer took the session: service_state 3) is a
// core.KindHandover event from the servicer; change_type 3 (ended,
// service_state 4) is core.KindConversationEnded; transfers between
// servicers, enter_session and msg_send_fail (logged) store nothing.
//
// # Outbound
//
// Post calls kf/send_msg: text (cut at 2,048 bytes), or for a prompt a
// msgmenu with two click entries. msgid is derived from the message key.
// WeCom allows replies only within 48 hours of the customer's last
// message and at most 5 per customer message; its 950xx answers to
// send_msg are such refusals and wrap core.ErrSendRefused (permanent), so
// the notice job counts it (ticketbridge_notifications_total{result=
// "refused"}), logs it and hands the notice to the route's fallback
// channels. 45009/45033 wait a minute, -1 five seconds; the access token
// (made from the 微信客服 secret) is cached and renewed on 40014/42001.
package wecomkf
