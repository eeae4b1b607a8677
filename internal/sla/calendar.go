// Package sla computes service-level deadlines: business time added to an
// instant on a route's calendar (working days, opening hours, holidays and
// make-up working days, in the route's time zone). Everything here is a
// pure function of its arguments; the timers that act on the deadlines are
// River jobs in internal/jobs.
package sla

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Calendar says when the support team works. The zero value (nil Loc) is
// never valid; use New.
type Calendar struct {
	loc *time.Location
	// always: every hour counts (no business hours configured).
	always bool
	days   [7]bool // by time.Weekday
	// open and close are wall-clock offsets from local midnight; close
	// may be 24h (open until midnight).
	open, close time.Duration
	holidays    map[string]bool // "2006-01-02", local dates
	workdays    map[string]bool // make-up working days on a weekend (调休)
}

// Spec is a calendar as configured: Days are "mon" … "sun", Start and End
// "HH:MM" (End may be "24:00"), dates "YYYY-MM-DD". No Days means every
// hour of every day counts.
type Spec struct {
	TimeZone string
	Days     []string
	Start    string
	End      string
	Holidays []string
	Workdays []string
}

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// New builds the calendar of s. Its error holds every problem, one per
// line, each starting with the part it is about ("days: …").
func New(s Spec) (Calendar, error) {
	c := Calendar{holidays: map[string]bool{}, workdays: map[string]bool{}, loc: time.UTC}
	var errs []error
	tz := s.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	if loc, err := time.LoadLocation(tz); err != nil {
		errs = append(errs, fmt.Errorf("time_zone: unknown time zone %q", tz))
	} else {
		c.loc = loc
	}
	dates := func(part string, list []string, into map[string]bool) {
		for _, d := range list {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a date (YYYY-MM-DD)", part, d))
			}
			into[d] = true
		}
	}
	dates("holidays", s.Holidays, c.holidays)
	dates("workdays", s.Workdays, c.workdays)
	if len(s.Days) == 0 && s.Start == "" && s.End == "" {
		c.always = true
		return c, errors.Join(errs...)
	}
	if len(s.Days) == 0 {
		errs = append(errs, errors.New("days: name at least one working day (mon … sun)"))
	}
	for _, d := range s.Days {
		wd, ok := dayNames[strings.ToLower(strings.TrimSpace(d))]
		if !ok {
			errs = append(errs, fmt.Errorf("days: %q is not a day (mon, tue, wed, thu, fri, sat, sun)", d))
			continue
		}
		c.days[wd] = true
	}
	var err error
	if c.open, err = clock(s.Start, "00:00"); err != nil {
		errs = append(errs, fmt.Errorf("start: %w", err))
	}
	if c.close, err = clock(s.End, "24:00"); err != nil {
		errs = append(errs, fmt.Errorf("end: %w", err))
	} else if c.close <= c.open {
		errs = append(errs, fmt.Errorf("end: %s is not after start %s", s.End, s.Start))
	}
	return c, errors.Join(errs...)
}

// clock reads "HH:MM" as an offset from midnight; "24:00" is midnight at
// the end of the day.
func clock(s, def string) (time.Duration, error) {
	if s == "" {
		s = def
	}
	h, m, ok := strings.Cut(s, ":")
	var hh, mm int
	if _, err := fmt.Sscanf(h+" "+m, "%d %d", &hh, &mm); !ok || err != nil || len(h) != 2 || len(m) != 2 ||
		hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM, 00:00 to 24:00)", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// Location is the calendar's time zone.
func (c Calendar) Location() *time.Location { return c.loc }

// Working reports whether the local date of t is a working day.
func (c Calendar) Working(t time.Time) bool {
	t = t.In(c.loc)
	d := t.Format(time.DateOnly)
	if c.holidays[d] {
		return false
	}
	return c.always || c.days[t.Weekday()] || c.workdays[d]
}

// maxDays bounds the walk over the calendar: a deadline more than ten
// years of working days away is a configuration mistake, not a deadline.
const maxDays = 3660

// Add returns the instant at which d of business time has passed since
// start. Business time runs only inside opening hours on working days; an
// hour lost or gained to a daylight-saving change inside opening hours is
// real time, so it counts as it passed. d <= 0 returns start.
func (c Calendar) Add(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	if c.always && len(c.holidays) == 0 {
		return start.Add(d)
	}
	t := start.In(c.loc)
	for range maxDays {
		y, m, day := t.Date()
		midnight := time.Date(y, m, day, 0, 0, 0, 0, c.loc)
		next := time.Date(y, m, day+1, 0, 0, 0, 0, c.loc)
		if c.Working(midnight) {
			open, close := midnight, next
			if !c.always {
				open = wall(midnight, c.open)
				close = wall(midnight, c.close)
			}
			if t.Before(open) {
				t = open
			}
			if t.Before(close) {
				avail := close.Sub(t)
				if d <= avail {
					return t.Add(d)
				}
				d -= avail
			}
		}
		t = next
	}
	return t
}

// wall is the instant at wall-clock offset off (whole minutes, up to 24h)
// on midnight's local date; time.Date normalises a wall time that a
// daylight-saving change skips.
func wall(midnight time.Time, off time.Duration) time.Time {
	y, m, d := midnight.Date()
	mins := int(off / time.Minute)
	return time.Date(y, m, d, mins/60, mins%60, 0, 0, midnight.Location())
}

// Between is the business time that passes from a to b: the inverse of
// Add, so Add(a, Between(a, b)) is b whenever b is inside opening hours.
// b at or before a gives 0.
func (c Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if c.always && len(c.holidays) == 0 {
		return b.Sub(a)
	}
	var sum time.Duration
	t := a.In(c.loc)
	for range maxDays {
		if !t.Before(b) {
			break
		}
		y, m, day := t.Date()
		midnight := time.Date(y, m, day, 0, 0, 0, 0, c.loc)
		next := time.Date(y, m, day+1, 0, 0, 0, 0, c.loc)
		if c.Working(midnight) {
			open, close := midnight, next
			if !c.always {
				open = wall(midnight, c.open)
				close = wall(midnight, c.close)
			}
			from, to := t, close
			if from.Before(open) {
				from = open
			}
			if b.Before(to) {
				to = b
			}
			if to.After(from) {
				sum += to.Sub(from)
			}
		}
		t = next
	}
	return sum
}
