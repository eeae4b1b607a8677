package sla

import (
	"strings"
	"time"
)

// Kind is the commitment a deadline keeps. The values are persisted and
// label metrics.
type Kind string

const (
	FirstResponse Kind = "first_response"
	Resolution    Kind = "resolution"
)

// Kinds lists every kind, in the order a ticket meets them.
var Kinds = []Kind{FirstResponse, Resolution}

// DefaultPriority is the target key that applies to priorities without
// their own target.
const DefaultPriority = "default"

// Policy is one route's commitments: business time per kind and priority.
type Policy struct {
	Calendar Calendar
	Targets  map[Kind]map[string]time.Duration
	// RemindBefore and RemindAfter place the reminders around a deadline
	// (0: no reminder).
	RemindBefore, RemindAfter time.Duration
}

// Target is the business time allowed for kind at priority (matched
// without regard to case), falling back to the "default" target.
func (p Policy) Target(kind Kind, priority string) (time.Duration, bool) {
	ts := p.Targets[kind]
	for k, d := range ts {
		if priority != "" && strings.EqualFold(k, priority) {
			return d, true
		}
	}
	d, ok := ts[DefaultPriority]
	return d, ok
}

// Deadline is when kind is due for a ticket of the priority that started
// at start; ok is false when the policy has no target for it.
func (p Policy) Deadline(kind Kind, priority string, start time.Time) (time.Time, bool) {
	d, ok := p.Target(kind, priority)
	if !ok {
		return time.Time{}, false
	}
	return p.Calendar.Add(start, d), true
}

// Stage is one moment of a deadline's timer. The values are persisted.
type Stage string

const (
	StageRemind  Stage = "remind"  // RemindBefore the deadline
	StageBreach  Stage = "breach"  // at the deadline
	StageOverdue Stage = "overdue" // RemindAfter the deadline
)

// Stages lists the stages in the order they fire.
var Stages = []Stage{StageRemind, StageBreach, StageOverdue}

// When is the instant stage fires for a deadline; ok is false for a
// reminder the policy does not want. Reminders are wall-clock offsets
// from the deadline: "30 minutes before" means 30 real minutes.
func (p Policy) When(stage Stage, deadline time.Time) (time.Time, bool) {
	switch stage {
	case StageRemind:
		return deadline.Add(-p.RemindBefore), p.RemindBefore > 0
	case StageOverdue:
		return deadline.Add(p.RemindAfter), p.RemindAfter > 0
	}
	return deadline, true
}
