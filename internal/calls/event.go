package calls

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// KindCallSignal is the event kind the agora source gives channel
// notices. (It is repeated here so that this package needs no connector.)
const KindCallSignal = core.KindCallSignal

// ReasonName is a leave reason in words.
func ReasonName(reason int) string {
	switch reason {
	case ReasonNormal:
		return "normal"
	case ReasonTimeout:
		return "timeout"
	case ReasonKicked:
		return "kicked"
	case ReasonServer:
		return "server error"
	case ReasonNewDevice:
		return "new device"
	case ReasonOther:
		return "other"
	}
	return "reason " + strconv.Itoa(reason)
}

// PlatformName is an NCS platform code in words.
func PlatformName(code int) string {
	switch code {
	case 0:
		return "other"
	case 1:
		return "android"
	case 2:
		return "ios"
	case 5:
		return "windows"
	case 6:
		return "linux"
	case 7:
		return "web"
	case 8:
		return "macos"
	}
	return "platform " + strconv.Itoa(code)
}

// decode reads a call_signal event. Meta numbers may be Go integers (from
// the parser) or float64 and json.Number (after a trip through the store).
func decode(ev core.Event) (signal, bool) {
	if ev.Kind != KindCallSignal || ev.Conversation.Conversation == "" {
		return signal{}, false
	}
	typ, ok := metaInt(ev.Meta, "event_type")
	if !ok {
		return signal{}, false
	}
	sg := signal{
		id:      ev.EventID,
		channel: ev.Conversation.Conversation,
		typ:     int(typ),
		at:      ev.Time,
		kind:    "voice",
	}
	if k, ok := ev.Meta["call_kind"].(string); ok && k != "" {
		sg.kind = k
	}
	if uid, ok := metaInt(ev.Meta, "uid"); ok {
		sg.uid = strconv.FormatInt(uid, 10)
	} else {
		sg.uid = ev.Sender.ID
	}
	if p, ok := metaInt(ev.Meta, "platform"); ok {
		sg.platform = PlatformName(int(p))
	}
	if r, ok := metaInt(ev.Meta, "reason"); ok {
		sg.reason = int(r)
	}
	if d, ok := metaInt(ev.Meta, "duration"); ok && d > 0 {
		sg.duration = time.Duration(d) * time.Second
	}
	if seq, ok := metaInt(ev.Meta, "client_seq"); ok {
		sg.seq = seq
	}
	return sg, true
}

func metaInt(m map[string]any, key string) (int64, bool) {
	switch v := m[key].(type) {
	case int:
		return int64(v), true
	case int64:
		return v, true
	case uint64:
		return int64(v), true
	case uint32:
		return int64(v), true
	case float64:
		return int64(v), true
	case json.Number:
		n, err := v.Int64()
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// CallEnded is the call_ended event for an ended session. Its EventID,
// "call_ended:<channel>:<start unix>", depends only on the session, so
// folding the same signals again never makes a second one.
func CallEnded(src string, s Session) core.Event {
	at := s.End
	if at.IsZero() {
		at = s.Start.Add(s.Duration)
	}
	sender := core.Sender{ID: "channel:" + s.Channel, Role: core.RoleCustomer}
	if len(s.Participants) > 0 {
		sender.ID = s.Participants[0].UID
	}
	platforms := map[string]int{}
	uids := make([]string, 0, len(s.Participants))
	for _, p := range s.Participants {
		uids = append(uids, p.UID)
		if p.Platform != "" {
			platforms[p.Platform]++
		}
	}
	reasons := map[string]int{}
	for k, v := range s.LeaveReasons {
		reasons[k] = v
	}
	return core.Event{
		Source:       src,
		EventID:      fmt.Sprintf("call_ended:%s:%d", s.Channel, s.Start.Unix()),
		Kind:         core.KindCallEnded,
		Conversation: core.ConversationRef{Source: src, Conversation: s.Channel},
		Sender:       sender,
		Time:         at,
		Text:         Summary(s),
		Meta: map[string]any{
			"duration_seconds": int64(s.Duration / time.Second),
			"participants":     len(s.Participants),
			"uids":             uids,
			"platforms":        platforms,
			"leave_reasons":    reasons,
			"abnormal_leaves":  s.AbnormalLeaves,
			"call_kind":        s.Kind,
			"end_reason":       s.EndReason,
			"start":            s.Start.UTC().Format(time.RFC3339),
		},
	}
}

// Summary is a session in one line: "Voice call in room-7: 7m02s, 3
// participants, 1 timeout".
func Summary(s Session) string {
	var b strings.Builder
	b.WriteString(kindTitle(s.Kind))
	b.WriteString(" in ")
	b.WriteString(s.Channel)
	b.WriteString(": ")
	b.WriteString(FormatDuration(s.Duration))
	b.WriteString(", ")
	b.WriteString(plural(len(s.Participants), "participant", "participants"))
	for _, r := range []struct {
		name, one, many string
	}{
		{ReasonName(ReasonTimeout), "timeout", "timeouts"},
		{ReasonName(ReasonKicked), "kicked", "kicked"},
		{ReasonName(ReasonServer), "server error", "server errors"},
	} {
		if n := s.LeaveReasons[r.name]; n > 0 {
			b.WriteString(", ")
			b.WriteString(plural(n, r.one, r.many))
		}
	}
	return b.String()
}

func kindTitle(kind string) string {
	switch kind {
	case "video":
		return "Video call"
	case "live":
		return "Live stream"
	}
	return "Voice call"
}

// FormatDuration writes 42s, 7m02s or 1h05m02s.
func FormatDuration(d time.Duration) string {
	secs := int64(d / time.Second)
	if secs < 0 {
		secs = 0
	}
	h, m, s := secs/3600, secs/60%60, secs%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
