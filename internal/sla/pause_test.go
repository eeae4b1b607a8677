package sla

import (
	"testing"
	"time"
)

func TestCalendarBetween(t *testing.T) {
	weekdays := []string{"mon", "tue", "wed", "thu", "fri"}
	ny := Spec{TimeZone: "America/New_York", Days: weekdays, Start: "09:00", End: "17:00"}
	tests := map[string]struct {
		spec     Spec
		from, to string // in the calendar's zone
		want     time.Duration
	}{
		"always":                      {Spec{TimeZone: "UTC"}, "2026-12-04 18:00", "2026-12-05 02:00", 8 * time.Hour},
		"always, holiday left out":    {Spec{TimeZone: "UTC", Holidays: []string{"2026-12-25"}}, "2026-12-24 20:00", "2026-12-26 02:00", 6 * time.Hour},
		"backwards is nothing":        {ny, "2026-03-02 12:00", "2026-03-02 10:00", 0},
		"inside hours":                {ny, "2026-03-02 10:00", "2026-03-02 12:30", 150 * time.Minute},
		"from before opening":         {ny, "2026-03-02 07:00", "2026-03-02 10:00", time.Hour},
		"overnight":                   {ny, "2026-03-02 16:00", "2026-03-03 10:00", 2 * time.Hour},
		"over a weekend, DST starts":  {ny, "2026-03-06 16:00", "2026-03-09 10:00", 2 * time.Hour},
		"all weekend":                 {ny, "2026-03-07 08:00", "2026-03-08 20:00", 0},
		"a working week":              {ny, "2026-03-02 09:00", "2026-03-06 17:00", 40 * time.Hour},
		"after closing to next close": {ny, "2026-03-02 18:00", "2026-03-03 17:00", 8 * time.Hour},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := New(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			from, to := at(t, c.Location().String(), tc.from), at(t, c.Location().String(), tc.to)
			if got := c.Between(from, to); got != tc.want {
				t.Errorf("Between(%s, %s) = %s, want %s", tc.from, tc.to, got, tc.want)
			}
			if tc.want > 0 {
				if back := c.Add(from, tc.want); c.Between(from, back) != tc.want {
					t.Errorf("Add(%s, %s) = %s is not as far as Between says", tc.from, tc.want, back)
				}
			}
		})
	}
}

func TestPauses(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	tests := map[string]struct {
		changes []Status
		want    []Pause
	}{
		"none":               {nil, nil},
		"running stays":      {[]Status{{At: h(1), Paused: false}}, nil},
		"paused now":         {[]Status{{At: h(1), Paused: true}}, []Pause{{From: h(1)}}},
		"paused and resumed": {[]Status{{At: h(1), Paused: true}, {At: h(3), Paused: false}}, []Pause{{h(1), h(3)}}},
		"told out of order":  {[]Status{{At: h(3), Paused: false}, {At: h(1), Paused: true}}, []Pause{{h(1), h(3)}}},
		"repeats change nothing": {[]Status{{At: h(1), Paused: true}, {At: h(2), Paused: true}, {At: h(3), Paused: false}, {At: h(4), Paused: false}},
			[]Pause{{h(1), h(3)}}},
		"two pauses, late one in the middle": {[]Status{{At: h(1), Paused: true}, {At: h(2), Paused: false}, {At: h(6), Paused: false}, {At: h(4), Paused: true}, {At: h(7), Paused: true}},
			[]Pause{{h(1), h(2)}, {h(4), h(6)}, {From: h(7)}}},
		"before the start counts from the start": {[]Status{{At: h(-2), Paused: true}, {At: h(1), Paused: false}}, []Pause{{t0, h(1)}}},
		"resolved now":                           {[]Status{{At: h(2), Resolved: true}}, []Pause{{From: h(2)}}},
		"resolved and reopened":                  {[]Status{{At: h(2), Resolved: true}, {At: h(5)}}, []Pause{{h(2), h(5)}}},
		"reopened told before the resolution":    {[]Status{{At: h(5)}, {At: h(2), Resolved: true}}, []Pause{{h(2), h(5)}}},
		"waiting, resolved, reopened: one pause": {[]Status{{At: h(1), Paused: true}, {At: h(2), Resolved: true}, {At: h(4)}},
			[]Pause{{h(1), h(4)}}},
		"reopened into waiting stays still": {[]Status{{At: h(2), Resolved: true}, {At: h(3), Paused: true}, {At: h(6)}},
			[]Pause{{h(2), h(6)}}},
		"resolved twice": {[]Status{{At: h(1), Resolved: true}, {At: h(2)}, {At: h(3), Resolved: true}},
			[]Pause{{h(1), h(2)}, {From: h(3)}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Pauses(t0, tc.changes)
			if len(got) != len(tc.want) {
				t.Fatalf("Pauses = %v, want %v", got, tc.want)
			}
			for i := range got {
				if !got[i].From.Equal(tc.want[i].From) || !got[i].To.Equal(tc.want[i].To) {
					t.Fatalf("Pauses = %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestPolicyClockPauses(t *testing.T) {
	cal, err := New(Spec{TimeZone: "UTC", Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "17:00"})
	if err != nil {
		t.Fatal(err)
	}
	p := Policy{Calendar: cal, Targets: map[Kind]map[string]time.Duration{
		FirstResponse: {DefaultPriority: 2 * time.Hour},
		Resolution:    {DefaultPriority: 8 * time.Hour},
	}}
	mon := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC) // Monday
	at := func(day, hour int) time.Time { return mon.AddDate(0, 0, day).Add(time.Duration(hour) * time.Hour) }
	tests := map[string]struct {
		kind    Kind
		pauses  []Pause
		due     time.Time
		running bool
		paused  time.Duration
	}{
		"resolution, never paused":      {Resolution, nil, at(0, 8), true, 0},
		"resolution while paused":       {Resolution, []Pause{{From: at(0, 2)}}, time.Time{}, false, 0},
		"two business hours given back": {Resolution, []Pause{{at(0, 2), at(0, 4)}}, at(1, 2), true, 2 * time.Hour},
		"a pause over the night":        {Resolution, []Pause{{at(0, 6), at(1, 1)}}, at(1, 3), true, 3 * time.Hour},
		"paused again after a resume":   {Resolution, []Pause{{at(0, 1), at(0, 2)}, {From: at(0, 3)}}, time.Time{}, false, time.Hour},
		// Two business hours spent, then resolved; six left from the reopen.
		"resolved Monday 11:00, reopened Tuesday 10:00": {Resolution,
			Pauses(mon, []Status{{At: at(0, 2), Resolved: true}, {At: at(1, 1)}}), at(1, 7), true, 7 * time.Hour},
		"first response ignores pauses":  {FirstResponse, []Pause{{at(0, 0), at(0, 5)}}, at(0, 2), true, 0},
		"first response runs in a pause": {FirstResponse, []Pause{{From: at(0, 1)}}, at(0, 2), true, 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, ok := p.Clock(tc.kind, "", mon, tc.pauses)
			if !ok || c.Running != tc.running || !c.Due.Equal(tc.due) || c.Paused != tc.paused {
				t.Errorf("Clock = %+v, %v; want due %s, running %v, paused %s", c, ok, tc.due, tc.running, tc.paused)
			}
		})
	}
}

func TestResolved(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	tests := map[string]struct {
		changes []Status
		want    bool
	}{
		"never told":                    {nil, false},
		"waiting is not resolved":       {[]Status{{At: h(1), Paused: true}}, false},
		"resolved":                      {[]Status{{At: h(1)}, {At: h(2), Resolved: true}}, true},
		"reopened":                      {[]Status{{At: h(2), Resolved: true}, {At: h(3)}}, false},
		"reopened into waiting":         {[]Status{{At: h(2), Resolved: true}, {At: h(3), Paused: true}}, false},
		"a late reopen falls in place":  {[]Status{{At: h(4), Resolved: true}, {At: h(3)}, {At: h(2), Resolved: true}}, true},
		"a late resolution of the past": {[]Status{{At: h(3)}, {At: h(2), Resolved: true}}, false},
		"resolved again after a reopen": {[]Status{{At: h(1), Resolved: true}, {At: h(2)}, {At: h(3), Resolved: true}}, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Resolved(tc.changes); got != tc.want {
				t.Errorf("Resolved(%v) = %v, want %v", tc.changes, got, tc.want)
			}
		})
	}
}
