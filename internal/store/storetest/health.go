package storetest

import (
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

func testHealth(t *testing.T, s store.Store) {
	h, ok := s.(store.Health)
	if !ok {
		t.Fatalf("%T does not implement store.Health", s)
	}
	ctx := t.Context()
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	for i, rows := range [][]store.HealthRow{
		{{Series: "create", Sum: 9, Count: 10}, {Series: "depth", Sum: 4, Count: 1}},
		{{Series: "create", Sum: 1, Count: 1}}, // a second replica, same minute
		{{Series: "create", Sum: 5, Count: 5}}, // next minute (offset below)
		{{Series: "create", Sum: 2, Count: 4}}, // an hour later
	} {
		at := t0.Add(30 * time.Second) // inside the minute
		switch i {
		case 2:
			at = t0.Add(time.Minute)
		case 3:
			at = t0.Add(time.Hour)
		}
		must(t, "HealthAdd", h.HealthAdd(ctx, at, rows))
	}
	got, err := h.HealthRange(ctx, "create", t0, t0.Add(2*time.Hour), time.Minute)
	must(t, "HealthRange", err)
	want := []store.HealthPoint{{At: t0, Sum: 10, Count: 11}, {At: t0.Add(time.Minute), Sum: 5, Count: 5}, {At: t0.Add(time.Hour), Sum: 2, Count: 4}}
	if len(got) != len(want) {
		t.Fatalf("per minute = %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].At.Equal(want[i].At) || got[i].Sum != want[i].Sum || got[i].Count != want[i].Count {
			t.Fatalf("per minute = %+v, want %+v", got, want)
		}
	}
	hourly, err := h.HealthRange(ctx, "create", t0, t0.Add(2*time.Hour), time.Hour)
	must(t, "HealthRange hourly", err)
	if len(hourly) != 2 || hourly[0].Sum != 15 || hourly[0].Count != 16 || !hourly[1].At.Equal(t0.Add(time.Hour)) {
		t.Fatalf("per hour = %+v", hourly)
	}
	none, err := h.HealthRange(ctx, "create", t0.Add(3*time.Hour), t0.Add(4*time.Hour), time.Minute)
	must(t, "HealthRange empty", err)
	if len(none) != 0 {
		t.Fatalf("empty range = %+v", none)
	}
}
