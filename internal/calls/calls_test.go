package calls_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/calls"
	"github.com/ticketbridge/ticketbridge/internal/core"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// sig builds a call_signal as the agora source parses it: at is seconds
// after t0, kv adds Meta (reason, platform, duration, client_seq).
func sig(id string, typ int, uid int64, at int, kv ...any) core.Event {
	meta := map[string]any{"event_type": typ, "call_kind": "voice"}
	if uid != 0 {
		meta["uid"] = uint64(uid)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		meta[kv[i].(string)] = kv[i+1]
	}
	return core.Event{
		Source: "ag", EventID: id, Kind: calls.KindCallSignal,
		Conversation: core.ConversationRef{Source: "ag", Conversation: "room-7"},
		Sender:       core.Sender{ID: fmt.Sprint(uid), Role: core.RoleCustomer},
		Time:         t0.Add(time.Duration(at) * time.Second),
		Meta:         meta,
	}
}

// roundTrip gives events as they come back from the store: Meta numbers
// become float64.
func roundTrip(t *testing.T, evs []core.Event) []core.Event {
	t.Helper()
	b, err := json.Marshal(evs)
	if err != nil {
		t.Fatal(err)
	}
	var out []core.Event
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// part is a participant in offsets from t0; -1 means a zero time.
type part struct {
	uid, role, platform string
	joined, left        int
	reason              int
}

type want struct {
	start, end int // -1 end: not ended
	dur        time.Duration
	parts      []part
	endReason  string
	abnormal   int
	summary    string
}

func offset(tm time.Time) int {
	if tm.IsZero() {
		return -1
	}
	return int(tm.Sub(t0) / time.Second)
}

func got(s calls.Session) want {
	w := want{start: offset(s.Start), end: offset(s.End), dur: s.Duration, endReason: s.EndReason,
		abnormal: s.AbnormalLeaves, summary: calls.Summary(s)}
	for _, p := range s.Participants {
		w.parts = append(w.parts, part{p.UID, p.Role, p.Platform, offset(p.Joined), offset(p.Left), p.LeaveReason})
	}
	return w
}

func TestFold(t *testing.T) {
	t.Parallel()
	// A 7m02s call: three join, one drops out on a timeout, the channel is
	// destroyed with the caller still in it.
	sevenMinutes := []core.Event{
		sig("n1", 101, 0, 0),
		sig("n2", 103, 111, 0, "platform", 1, "client_seq", 1),
		sig("n3", 103, 222, 10, "platform", 2, "client_seq", 5),
		sig("n4", 105, 333, 30, "platform", 7, "client_seq", 9),
		sig("n5", 106, 333, 200, "platform", 7, "reason", 2, "client_seq", 12),
		sig("n6", 104, 222, 400, "platform", 2, "reason", 1, "client_seq", 20),
		sig("n7", 102, 0, 422),
	}
	sevenWant := []want{{
		start: 0, end: 422, dur: 7*time.Minute + 2*time.Second, endReason: calls.EndDestroyed, abnormal: 1,
		parts: []part{
			{"111", "broadcaster", "android", 0, 422, 0},
			{"222", "broadcaster", "ios", 10, 400, 1},
			{"333", "audience", "web", 30, 200, 2},
		},
		summary: "Voice call in room-7: 7m02s, 3 participants, 1 timeout",
	}}
	shuffled := []core.Event{sevenMinutes[6], sevenMinutes[3], sevenMinutes[5], sevenMinutes[0], sevenMinutes[4], sevenMinutes[2], sevenMinutes[1]}

	lastLeave := []core.Event{
		sig("a1", 107, 1, 0), sig("a2", 107, 2, 5),
		sig("a3", 108, 1, 65, "reason", 1), sig("a4", 108, 2, 95, "reason", 3),
		sig("a5", 102, 0, 100), // after the session ended: nothing new
	}
	lastLeaveWant := []want{{
		start: 0, end: 95, dur: 95 * time.Second, endReason: calls.EndLastLeft, abnormal: 1,
		parts:   []part{{"1", "user", "", 0, 65, 1}, {"2", "user", "", 5, 95, 3}},
		summary: "Voice call in room-7: 1m35s, 2 participants, 1 kicked",
	}}

	twoSessions := []core.Event{
		sig("b1", 107, 1, 0), sig("b2", 108, 1, 42, "reason", 1),
		sig("b3", 107, 1, 3600), sig("b4", 107, 2, 3601),
		sig("b5", 108, 2, 3700, "reason", 4), sig("b6", 108, 1, 3720, "reason", 2),
	}
	twoWant := []want{
		{start: 0, end: 42, dur: 42 * time.Second, endReason: calls.EndLastLeft,
			parts: []part{{"1", "user", "", 0, 42, 1}}, summary: "Voice call in room-7: 42s, 1 participant"},
		{start: 3600, end: 3720, dur: 2 * time.Minute, endReason: calls.EndLastLeft, abnormal: 2,
			parts:   []part{{"1", "user", "", 3600, 3720, 2}, {"2", "user", "", 3601, 3700, 4}},
			summary: "Voice call in room-7: 2m00s, 2 participants, 1 timeout, 1 server error"},
	}

	cases := map[string]struct {
		in   []core.Event
		want []want
	}{
		"7-minute call in order":     {sevenMinutes, sevenWant},
		"7-minute call out of order": {shuffled, sevenWant},
		"7-minute call from store":   {roundTrip(t, shuffled), sevenWant},
		"duplicate notices":          {append(append([]core.Event{}, shuffled...), sevenMinutes...), sevenWant},
		"ends by last leave":         {lastLeave, lastLeaveWant},
		"two sessions in a channel":  {[]core.Event{twoSessions[5], twoSessions[1], twoSessions[3], twoSessions[0], twoSessions[4], twoSessions[2]}, twoWant},
		"leave without join, with duration": {
			[]core.Event{sig("c1", 108, 9, 100, "reason", 1, "duration", 60)},
			[]want{{start: 40, end: 100, dur: time.Minute, endReason: calls.EndLastLeft,
				parts: []part{{"9", "user", "", 40, 100, 1}}, summary: "Voice call in room-7: 1m00s, 1 participant"}},
		},
		"leave without join, no duration": {
			[]core.Event{sig("c1", 108, 9, 100, "reason", 2)},
			[]want{{start: 100, end: 100, endReason: calls.EndLastLeft, abnormal: 1,
				parts: []part{{"9", "user", "", -1, 100, 2}}, summary: "Voice call in room-7: 0s, 1 participant, 1 timeout"}},
		},
		"a lost join inside a call": {
			[]core.Event{sig("d1", 107, 1, 0), sig("d2", 108, 2, 30, "reason", 1), sig("d3", 108, 1, 60, "reason", 1)},
			[]want{{start: 0, end: 60, dur: time.Minute, endReason: calls.EndLastLeft,
				parts:   []part{{"2", "user", "", -1, 30, 1}, {"1", "user", "", 0, 60, 1}},
				summary: "Voice call in room-7: 1m00s, 2 participants"}},
		},
		"same second: client_seq orders leave before rejoin": {
			[]core.Event{sig("e1", 107, 1, 0, "client_seq", 1), sig("e3", 107, 1, 50, "client_seq", 3),
				sig("e2", 108, 1, 50, "reason", 5, "client_seq", 2), sig("e4", 108, 1, 80, "reason", 1, "client_seq", 4)},
			[]want{
				{start: 0, end: 50, dur: 50 * time.Second, endReason: calls.EndLastLeft,
					parts: []part{{"1", "user", "", 0, 50, 5}}, summary: "Voice call in room-7: 50s, 1 participant"},
				{start: 50, end: 80, dur: 30 * time.Second, endReason: calls.EndLastLeft,
					parts: []part{{"1", "user", "", 50, 80, 1}}, summary: "Voice call in room-7: 30s, 1 participant"},
			},
		},
		"late leave after destroy belongs to the ended call": {
			[]core.Event{sig("f1", 103, 1, 0), sig("f2", 102, 0, 30), sig("f3", 104, 1, 31, "reason", 2)},
			[]want{{start: 0, end: 30, dur: 30 * time.Second, endReason: calls.EndDestroyed, abnormal: 1,
				parts: []part{{"1", "broadcaster", "", 0, 30, 2}}, summary: "Voice call in room-7: 30s, 1 participant, 1 timeout"}},
		},
		"still running": {
			[]core.Event{sig("g1", 103, 1, 0), sig("g2", 105, 2, 20), sig("g3", 112, 1, 25)},
			[]want{{start: 0, end: -1, dur: 25 * time.Second,
				parts:   []part{{"1", "audience", "", 0, -1, 0}, {"2", "audience", "", 20, -1, 0}},
				summary: "Voice call in room-7: 25s, 2 participants"}},
		},
		"not call signals": {[]core.Event{{Kind: core.KindMessage, EventID: "m", Text: "hi"}}, nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sessions := calls.Fold(tc.in)
			var gotW []want
			for _, s := range sessions {
				if s.Channel != "room-7" || s.Kind != "voice" {
					t.Errorf("channel/kind %q/%q", s.Channel, s.Kind)
				}
				if s.Ended != (s.EndReason != "") {
					t.Errorf("Ended %v with reason %q", s.Ended, s.EndReason)
				}
				gotW = append(gotW, got(s))
			}
			if !reflect.DeepEqual(gotW, tc.want) {
				t.Fatalf("sessions\n got  %+v\n want %+v", gotW, tc.want)
			}
		})
	}
}

func TestCallEnded(t *testing.T) {
	t.Parallel()
	in := []core.Event{
		sig("n1", 103, 111, 0, "platform", 1, "call_kind", "video"),
		sig("n2", 103, 222, 10, "platform", 7, "call_kind", "video"),
		sig("n3", 104, 222, 100, "reason", 2, "call_kind", "video"),
		sig("n4", 104, 111, 422, "reason", 1, "call_kind", "video"),
	}
	first := calls.Fold(in)
	again := calls.Fold(roundTrip(t, append(in, in[2])))
	if len(first) != 1 || len(again) != 1 {
		t.Fatalf("sessions: %d and %d", len(first), len(again))
	}
	ev := calls.CallEnded("ag", first[0])
	if ev2 := calls.CallEnded("ag", again[0]); ev2.EventID != ev.EventID || ev2.Text != ev.Text {
		t.Fatalf("re-fold changed the event: %q/%q vs %q/%q", ev.EventID, ev.Text, ev2.EventID, ev2.Text)
	}
	wantID := fmt.Sprintf("call_ended:room-7:%d", t0.Unix())
	if ev.EventID != wantID || ev.Kind != core.KindCallEnded || ev.Source != "ag" ||
		ev.Conversation != (core.ConversationRef{Source: "ag", Conversation: "room-7"}) ||
		ev.Sender != (core.Sender{ID: "111", Role: core.RoleCustomer}) || !ev.Time.Equal(t0.Add(422*time.Second)) {
		t.Fatalf("event %+v", ev)
	}
	if ev.Text != "Video call in room-7: 7m02s, 2 participants, 1 timeout" {
		t.Fatalf("text %q", ev.Text)
	}
	b, err := json.Marshal(ev.Meta)
	if err != nil {
		t.Fatal(err)
	}
	const wantMeta = `{"abnormal_leaves":1,"call_kind":"video","duration_seconds":422,"end_reason":"last participant left",` +
		`"leave_reasons":{"normal":1,"timeout":1},"participants":2,"platforms":{"android":1,"web":1},` +
		`"start":"2026-03-01T09:00:00Z","uids":["111","222"]}`
	if string(b) != wantMeta {
		t.Fatalf("meta\n got  %s\n want %s", b, wantMeta)
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0: "0s", 42 * time.Second: "42s", 422 * time.Second: "7m02s",
		time.Hour + 5*time.Minute + 2*time.Second: "1h05m02s", -time.Second: "0s",
	} {
		if got := calls.FormatDuration(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
	if s := calls.Summary(calls.Session{Channel: "x", Kind: "live", Participants: make([]calls.Participant, 2)}); !strings.HasPrefix(s, "Live stream in x: 0s, 2 participants") {
		t.Errorf("summary %q", s)
	}
}
