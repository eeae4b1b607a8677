package sla

import (
	"testing"
	"time"
)

func TestPolicyDeadlines(t *testing.T) {
	cal, err := New(Spec{TimeZone: "Europe/Berlin", Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "17:00",
		Holidays: []string{"2026-12-25"}})
	if err != nil {
		t.Fatal(err)
	}
	p := Policy{Calendar: cal, RemindBefore: 30 * time.Minute, RemindAfter: time.Hour, Targets: map[Kind]map[string]time.Duration{
		FirstResponse: {"urgent": time.Hour, DefaultPriority: 4 * time.Hour},
		Resolution:    {"Urgent": 8 * time.Hour},
	}}
	berlin := cal.Location()
	start := time.Date(2026, 12, 24, 15, 0, 0, 0, berlin) // Thursday; Friday is a holiday
	tests := map[string]struct {
		kind     Kind
		priority string
		want     time.Time
		ok       bool
	}{
		"urgent first response":         {FirstResponse, "urgent", time.Date(2026, 12, 24, 16, 0, 0, 0, berlin), true},
		"priority matched without case": {FirstResponse, "URGENT", time.Date(2026, 12, 24, 16, 0, 0, 0, berlin), true},
		"default over the holiday":      {FirstResponse, "low", time.Date(2026, 12, 28, 11, 0, 0, 0, berlin), true},
		"no priority takes default":     {FirstResponse, "", time.Date(2026, 12, 28, 11, 0, 0, 0, berlin), true},
		"resolution, urgent":            {Resolution, "urgent", time.Date(2026, 12, 28, 15, 0, 0, 0, berlin), true},
		"resolution without default":    {Resolution, "low", time.Time{}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := p.Deadline(tc.kind, tc.priority, start)
			if ok != tc.ok || !got.Equal(tc.want) {
				t.Errorf("Deadline = %s, %v; want %s, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	due := time.Date(2026, 12, 28, 11, 0, 0, 0, berlin)
	for stage, want := range map[Stage]time.Time{StageRemind: due.Add(-30 * time.Minute), StageBreach: due, StageOverdue: due.Add(time.Hour)} {
		if got, ok := p.When(stage, due); !ok || !got.Equal(want) {
			t.Errorf("When(%s) = %s, %v; want %s", stage, got, ok, want)
		}
	}
	if _, ok := (Policy{}).When(StageRemind, due); ok {
		t.Error("a policy without remind_before still reminds")
	}
}
