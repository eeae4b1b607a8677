package wecomkf

import (
	"github.com/ticketbridge/ticketbridge/internal/core"
)

// The API client (access token, errcode answers, media/get) is
// internal/wxwork's, shared with the wecom source; this source adds the
// meaning of kf/send_msg's refusals.

// opSend names kf/send_msg calls: only its 950xx answers are refusals
// under the reply rules.
const opSend = "send message"

// errMsgToken is sync_msg's "the callback's token is not (or no longer)
// valid"; the token is optional, so the read is repeated without it.
const errMsgToken = 95007

// sendRefusal reports whether an errcode of kf/send_msg is WeCom refusing
// the message under its reply rules rather than a fault: 95001 (more than
// 5 replies since the customer's last message), the 48-hour window,
// 95018 (a session state send_msg may not write to). Every 950xx is
// handled alike, so the exact code of each rule does not matter; trying
// again cannot help until the customer writes.
func sendRefusal(code int) bool { return code >= 95000 && code < 96000 }

// refine marks send_msg's refusals with core.ErrSendRefused (they are
// already permanent), so the notice goes to the fallback channels.
func refine(op string, code int, ce *core.CallError) {
	if op == opSend && sendRefusal(code) {
		ce.Permanent, ce.Err = true, core.ErrSendRefused
	}
}
