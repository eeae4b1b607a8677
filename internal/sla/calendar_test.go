package sla

import (
	"strings"
	"testing"
	"time"
)

func at(t *testing.T, tz, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCalendarAdd(t *testing.T) {
	weekdays := []string{"mon", "tue", "wed", "thu", "fri"}
	ny := Spec{TimeZone: "America/New_York", Days: weekdays, Start: "09:00", End: "17:00"}
	sh := Spec{TimeZone: "Asia/Shanghai", Days: weekdays, Start: "09:00", End: "18:00",
		Holidays: []string{"2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"},
		Workdays: []string{"2026-10-10"}}
	tests := map[string]struct {
		spec  Spec
		start string // in the calendar's zone
		d     time.Duration
		want  string // in the calendar's zone
	}{
		"always, plain hours":              {Spec{TimeZone: "UTC"}, "2026-12-04 18:00", 8 * time.Hour, "2026-12-05 02:00"},
		"always, across spring forward":    {Spec{TimeZone: "America/New_York"}, "2026-03-08 00:00", 4 * time.Hour, "2026-03-08 05:00"},
		"always, across fall back":         {Spec{TimeZone: "Europe/Berlin"}, "2026-10-25 00:00", 24 * time.Hour, "2026-10-25 23:00"},
		"always, holidays skipped":         {Spec{TimeZone: "UTC", Holidays: []string{"2026-12-25"}}, "2026-12-24 20:00", 6 * time.Hour, "2026-12-26 02:00"},
		"zero adds nothing":                {ny, "2026-03-07 12:00", 0, "2026-03-07 12:00"},
		"inside hours":                     {ny, "2026-03-02 10:00", 2 * time.Hour, "2026-03-02 12:00"},
		"before opening":                   {ny, "2026-03-02 07:00", time.Hour, "2026-03-02 10:00"},
		"after closing":                    {ny, "2026-03-02 18:00", time.Hour, "2026-03-03 10:00"},
		"ends exactly at closing":          {ny, "2026-03-02 09:00", 8 * time.Hour, "2026-03-02 17:00"},
		"a working week":                   {ny, "2026-03-02 09:00", 40 * time.Hour, "2026-03-06 17:00"},
		"over a weekend with DST starting": {ny, "2026-03-06 16:00", 2 * time.Hour, "2026-03-09 10:00"},
		"over a weekend with DST ending":   {ny, "2026-10-30 16:30", 90 * time.Minute, "2026-11-02 10:00"},
		"from a Saturday":                  {ny, "2026-03-07 12:00", 30 * time.Minute, "2026-03-09 09:30"},
		"over national day holidays":       {sh, "2026-09-30 17:00", 2 * time.Hour, "2026-10-08 10:00"},
		"onto a make-up working Saturday":  {sh, "2026-10-09 17:30", time.Hour, "2026-10-10 09:30"},
		"over the make-up Saturday":        {sh, "2026-10-09 17:00", 11 * time.Hour, "2026-10-12 10:00"},
		"until midnight, fall back day": {Spec{TimeZone: "Europe/Berlin", Days: []string{"sun"}, Start: "00:00", End: "24:00"},
			"2026-10-25 00:00", 24 * time.Hour, "2026-10-25 23:00"},
		"opening hour skipped by spring forward": {Spec{TimeZone: "Europe/Berlin", Days: []string{"sun"}, Start: "02:30", End: "04:00"},
			"2026-03-29 00:00", 30 * time.Minute, "2026-03-29 04:00"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := New(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			start := at(t, c.Location().String(), tc.start)
			got := c.Add(start, tc.d).In(c.Location())
			if want := at(t, c.Location().String(), tc.want); !got.Equal(want) {
				t.Errorf("Add(%s, %s) = %s, want %s", tc.start, tc.d, got.Format("2006-01-02 15:04 MST"), want.Format("2006-01-02 15:04 MST"))
			}
		})
	}
}

func TestCalendarNewRefuses(t *testing.T) {
	tests := map[string]struct {
		spec Spec
		want string
	}{
		"unknown zone":   {Spec{TimeZone: "Mars/Olympus"}, "time_zone: unknown time zone"},
		"bad day":        {Spec{Days: []string{"monday"}, Start: "09:00", End: "17:00"}, `days: "monday" is not a day`},
		"hours, no days": {Spec{Start: "09:00", End: "17:00"}, "days: name at least one"},
		"bad start":      {Spec{Days: []string{"mon"}, Start: "9am", End: "17:00"}, `start: "9am" is not a time of day`},
		"bad end":        {Spec{Days: []string{"mon"}, Start: "09:00", End: "24:30"}, `end: "24:30" is not a time of day`},
		"end not after":  {Spec{Days: []string{"mon"}, Start: "18:00", End: "09:00"}, "end: 09:00 is not after start 18:00"},
		"bad holiday":    {Spec{Holidays: []string{"2026-13-01"}}, `holidays: "2026-13-01" is not a date`},
		"bad workday":    {Spec{Workdays: []string{"10/10/2026"}}, `workdays: "10/10/2026" is not a date`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := New(tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
