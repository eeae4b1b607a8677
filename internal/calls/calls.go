// Package calls folds RTC channel signals (the agora source's call_signal
// events: channel create and destroy, joins, leaves and role changes) into
// call sessions, and turns an ended session into one call_ended event.
// It is pure: no I/O, no clock, the same signals always give the same
// sessions, so a re-fold after more signals arrive is safe.
package calls

import (
	"cmp"
	"slices"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Channel event types carried in Meta["event_type"] (Agora NCS).
const (
	evCreate           = 101
	evDestroy          = 102
	evBroadcasterJoin  = 103
	evBroadcasterLeave = 104
	evAudienceJoin     = 105
	evAudienceLeave    = 106
	evUserJoin         = 107
	evUserLeave        = 108
	evToBroadcaster    = 111
	evToAudience       = 112
)

// Leave reasons carried in Meta["reason"].
const (
	ReasonOther     = 0
	ReasonNormal    = 1
	ReasonTimeout   = 2
	ReasonKicked    = 3
	ReasonServer    = 4
	ReasonNewDevice = 5
)

// Participant roles.
const (
	RoleBroadcaster = "broadcaster"
	RoleAudience    = "audience"
	RoleUser        = "user"
)

// Why a session ended.
const (
	EndDestroyed = "channel destroyed"
	EndLastLeft  = "last participant left"
)

// Session is one call: from the first join (or channel creation) after
// the previous session ended until the channel is destroyed or its last
// participant leaves.
type Session struct {
	Channel string
	// Kind is voice, video or live (the signals' call_kind).
	Kind  string
	Start time.Time
	// End is zero while the session has not ended.
	End time.Time
	// Duration is End-Start, or up to the last signal seen when not ended.
	Duration       time.Duration
	Participants   []Participant
	Ended          bool
	EndReason      string
	AbnormalLeaves int
	// LeaveReasons counts leave notices by reason name ("normal",
	// "timeout", …); nil when nobody left.
	LeaveReasons map[string]int
}

// Participant is one user in a session. A user who leaves and rejoins is
// one participant: Joined is the first join, Left and LeaveReason the last
// leave. Joined is zero when the join was never delivered and the leave
// said nothing of how long the user stayed.
type Participant struct {
	UID         string
	Platform    string
	Role        string
	Joined      time.Time
	Left        time.Time
	LeaveReason int
}

// signal is one decoded call_signal event.
type signal struct {
	id       string
	channel  string
	kind     string
	typ      int
	uid      string
	platform string
	reason   int
	duration time.Duration
	seq      int64
	at       time.Time
}

// rank orders signals of the same second: creation first, destruction
// last, joins and leaves among themselves by client_seq.
func (s signal) rank() int {
	switch s.typ {
	case evCreate:
		return 0
	case evDestroy:
		return 2
	}
	return 1
}

// Fold turns signals, in any arrival order and possibly with duplicates,
// into sessions ordered by start. Signals are ordered by time, then
// client_seq; redelivered notices (same EventID) count once. Signals of
// several channels are folded per channel.
func Fold(signals []core.Event) []Session {
	seen := map[string]bool{}
	byChannel := map[string][]signal{}
	for _, ev := range signals {
		sg, ok := decode(ev)
		if !ok {
			continue
		}
		if sg.id != "" {
			if seen[sg.id] {
				continue
			}
			seen[sg.id] = true
		}
		byChannel[sg.channel] = append(byChannel[sg.channel], sg)
	}
	var out []Session
	for _, sgs := range byChannel {
		slices.SortFunc(sgs, func(a, b signal) int {
			return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.rank(), b.rank()), cmp.Compare(a.seq, b.seq), cmp.Compare(a.id, b.id))
		})
		out = append(out, foldChannel(sgs)...)
	}
	slices.SortStableFunc(out, func(a, b Session) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Channel, b.Channel))
	})
	return out
}

// folder is the state of one channel's fold.
type folder struct {
	done    []Session
	cur     *Session
	index   map[string]int  // uid → index in cur.Participants
	present map[string]bool // uids in the channel now
	last    time.Time
}

func foldChannel(sgs []signal) []Session {
	f := &folder{}
	for _, sg := range sgs {
		f.last = sg.at
		switch sg.typ {
		case evCreate:
			if f.cur == nil {
				f.start(sg)
			}
		case evDestroy:
			if f.cur != nil {
				for uid := range f.present {
					f.cur.Participants[f.index[uid]].Left = sg.at
				}
				f.end(sg.at, EndDestroyed)
			}
		case evBroadcasterJoin, evAudienceJoin, evUserJoin, evToBroadcaster, evToAudience:
			f.join(sg)
		case evBroadcasterLeave, evAudienceLeave, evUserLeave:
			f.leave(sg)
		}
	}
	if f.cur != nil {
		f.cur.Duration = f.last.Sub(f.cur.Start)
		f.done = append(f.done, *f.cur)
	}
	for i := range f.done {
		slices.SortStableFunc(f.done[i].Participants, func(a, b Participant) int {
			return cmp.Or(a.Joined.Compare(b.Joined), cmp.Compare(a.UID, b.UID))
		})
	}
	return f.done
}

func (f *folder) start(sg signal) {
	f.cur = &Session{Channel: sg.channel, Kind: sg.kind, Start: sg.at}
	f.index, f.present = map[string]int{}, map[string]bool{}
}

func (f *folder) end(at time.Time, reason string) {
	f.cur.End, f.cur.Ended, f.cur.EndReason = at, true, reason
	f.cur.Duration = at.Sub(f.cur.Start)
	f.done = append(f.done, *f.cur)
	f.cur = nil
}

// participant returns the session's entry for uid, adding it if new.
func (f *folder) participant(sg signal) *Participant {
	i, ok := f.index[sg.uid]
	if !ok {
		i = len(f.cur.Participants)
		f.index[sg.uid] = i
		f.cur.Participants = append(f.cur.Participants, Participant{UID: sg.uid})
	}
	p := &f.cur.Participants[i]
	if sg.platform != "" {
		p.Platform = sg.platform
	}
	if r := roleOf(sg.typ); r != "" {
		p.Role = r
	}
	return p
}

// join handles joins and role changes; a role change of someone we never
// saw join means the join notice was lost.
func (f *folder) join(sg signal) {
	if f.cur == nil {
		f.start(sg)
	}
	p := f.participant(sg)
	if !f.present[sg.uid] && (p.Joined.IsZero() || isJoin(sg.typ)) {
		if p.Joined.IsZero() {
			p.Joined = sg.at
		}
		f.present[sg.uid] = true
	}
}

func (f *folder) leave(sg signal) {
	if f.cur == nil {
		// A late leave of someone the previous session already counted
		// (its destroy came first) belongs to that session.
		if n := len(f.done); n > 0 {
			prev := &f.done[n-1]
			for i := range prev.Participants {
				if p := &prev.Participants[i]; p.UID == sg.uid {
					// Only a leave the destroy cut short is news; a
					// second copy of a counted leave is not.
					if p.LeaveReason == ReasonOther {
						p.LeaveReason = sg.reason
						countLeave(prev, sg.reason)
					}
					return
				}
			}
		}
		// The join was never delivered: the session began at least when
		// the leave says the user's stay began.
		start := sg
		start.at = sg.at.Add(-sg.duration)
		f.start(start)
	}
	p := f.participant(sg)
	if p.Joined.IsZero() && sg.duration > 0 {
		p.Joined = sg.at.Add(-sg.duration)
	}
	p.Left, p.LeaveReason = sg.at, sg.reason
	countLeave(f.cur, sg.reason)
	delete(f.present, sg.uid)
	if len(f.present) == 0 {
		f.end(sg.at, EndLastLeft)
	}
}

func countLeave(s *Session, reason int) {
	if s.LeaveReasons == nil {
		s.LeaveReasons = map[string]int{}
	}
	s.LeaveReasons[ReasonName(reason)]++
	if abnormal(reason) {
		s.AbnormalLeaves++
	}
}

func isJoin(typ int) bool {
	return typ == evBroadcasterJoin || typ == evAudienceJoin || typ == evUserJoin
}

func roleOf(typ int) string {
	switch typ {
	case evBroadcasterJoin, evBroadcasterLeave, evToBroadcaster:
		return RoleBroadcaster
	case evAudienceJoin, evAudienceLeave, evToAudience:
		return RoleAudience
	case evUserJoin, evUserLeave:
		return RoleUser
	}
	return ""
}

func abnormal(reason int) bool {
	return reason == ReasonTimeout || reason == ReasonKicked || reason == ReasonServer
}
