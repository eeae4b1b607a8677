package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

func consoleCases() []testCase {
	return []testCase{
		{"ConsoleSessions", testConsoleSessions},
		{"DeskSearch", testDeskSearch},
		{"DeskSetFields", testDeskSetFields},
		{"Health", testHealth},
		{"RouteOverrides", testRouteOverrides},
	}
}

func consoleStore(t *testing.T, s store.Store) store.Console {
	t.Helper()
	c, ok := s.(store.Console)
	if !ok {
		t.Fatalf("%T does not implement store.Console", s)
	}
	return c
}

func testConsoleSessions(t *testing.T, s store.Store) {
	c := consoleStore(t, s)
	ctx := t.Context()
	at := time.Now().UTC().Truncate(time.Millisecond)
	live := store.ConsoleSession{IDHash: "aa", Actor: "ann", CSRF: "x1", ExpiresAt: at.Add(time.Hour), CreatedAt: at}
	must(t, "create", c.ConsoleSessionCreate(ctx, live))
	got, err := c.ConsoleSessionGet(ctx, "aa", at)
	must(t, "get", err)
	if got.Actor != "ann" || got.CSRF != "x1" || !got.ExpiresAt.Equal(live.ExpiresAt) {
		t.Fatalf("session = %+v, want %+v", got, live)
	}
	if _, err := c.ConsoleSessionGet(ctx, "aa", at.Add(2*time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired session: err = %v, want ErrNotFound", err)
	}
	if _, err := c.ConsoleSessionGet(ctx, "bb", at); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown session: err = %v, want ErrNotFound", err)
	}
	must(t, "delete", c.ConsoleSessionDelete(ctx, "aa"))
	if _, err := c.ConsoleSessionGet(ctx, "aa", at); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("signed-out session: err = %v, want ErrNotFound", err)
	}
}

func testDeskSearch(t *testing.T, s store.Store) {
	c := consoleStore(t, s)
	ctx := t.Context()
	var keys []string
	for i, title := range []string{"Printer on fire", "VPN down", "printer jams", "Refund", `Says "p%r" twice`, "打印机着火了"} {
		d := draft("", title)
		d.Priority = []string{"high", "low"}[i%2]
		tk, _, err := s.DeskCreate(ctx, d)
		must(t, "DeskCreate", err)
		keys = append(keys, tk.Key)
	}
	must(t, "assign", c.DeskSetFields(ctx, keys[2], "high", "bob"))
	// The last two only for the text cases below.
	odd, cjk := keys[4], keys[5]
	keys = keys[:4]
	conv := core.ConversationRef{Source: "slack1", Conversation: "C9"}
	l, _, err := s.LinkOpen(ctx, store.Link{ID: "l1", Route: "r", ConvKey: conv.Key(), Conversation: conv, Sink: "desk"}, nil)
	must(t, "LinkOpen", err)
	must(t, "LinkSetTicket", s.LinkSetTicket(ctx, store.TicketLinking{LinkID: l.ID, Ref: core.TicketRef{Sink: "desk", Key: keys[1]}}))
	for name, tc := range map[string]struct {
		f    store.DeskFilter
		want []string
	}{
		"all, newest first":                 {store.DeskFilter{Before: odd}, []string{keys[3], keys[2], keys[1], keys[0]}},
		"text, any case":                    {store.DeskFilter{Text: "PRINTER"}, []string{keys[2], keys[0]}},
		"text, inside words":                {store.DeskFilter{Text: "rinte"}, []string{keys[2], keys[0]}},
		"text, two letters":                 {store.DeskFilter{Text: "pN"}, []string{keys[1]}},
		"text, one letter":                  {store.DeskFilter{Text: "V", Before: odd}, []string{keys[1]}},
		"text, no wildcard":                 {store.DeskFilter{Text: "p%j"}, nil},
		"text, literal wildcard and quotes": {store.DeskFilter{Text: `"p%r"`}, []string{odd}},
		"text, short literal wildcard":      {store.DeskFilter{Text: "%r"}, []string{odd}},
		"text, chinese":                     {store.DeskFilter{Text: "着火"}, []string{cjk}},
		"text, chinese long":                {store.DeskFilter{Text: "打印机"}, []string{cjk}},
		"text, and priority":                {store.DeskFilter{Text: "printer", Priority: "high"}, []string{keys[2], keys[0]}},
		"text, paged":                       {store.DeskFilter{Text: "printer", Before: keys[2]}, []string{keys[0]}},
		"text, none":                        {store.DeskFilter{Text: "toaster"}, nil},
		"priority":                          {store.DeskFilter{Priority: "low", Before: odd}, []string{keys[3], keys[1]}},
		"assignee":                          {store.DeskFilter{Assignee: "bob"}, []string{keys[2]}},
		"source":                            {store.DeskFilter{Source: "slack1"}, []string{keys[1]}},
		"source prefix":                     {store.DeskFilter{Source: "slack"}, nil},
		"status":                            {store.DeskFilter{Status: "solved"}, nil},
		"page":                              {store.DeskFilter{Before: keys[2], Limit: 1}, []string{keys[1]}},
	} {
		got, err := c.DeskSearch(ctx, tc.f)
		must(t, name, err)
		var gotKeys []string
		for _, g := range got {
			gotKeys = append(gotKeys, g.Key)
		}
		if !slices.Equal(gotKeys, tc.want) {
			t.Errorf("%s: keys = %v, want %v", name, gotKeys, tc.want)
		}
	}
}

func testDeskSetFields(t *testing.T, s store.Store) {
	c := consoleStore(t, s)
	ctx := t.Context()
	tk, _, err := s.DeskCreate(ctx, draft("tb-9", "Printer"))
	must(t, "DeskCreate", err)
	must(t, "set", c.DeskSetFields(ctx, tk.Key, "urgent", "carol"))
	got, err := c.DeskListingGet(ctx, tk.Key)
	must(t, "get", err)
	if got.Priority != "urgent" || got.Assignee != "carol" || got.Title != "Printer" || got.Description != "from chat" {
		t.Fatalf("listing = %+v", got)
	}
	if err := c.DeskSetFields(ctx, "LOCAL-999", "", ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown ticket: err = %v, want ErrNotFound", err)
	}
	if _, err := c.DeskListingGet(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("bad key: err = %v, want ErrNotFound", err)
	}
}

func testRouteOverrides(t *testing.T, s store.Store) {
	o, ok := s.(store.RouteOverrides)
	if !ok {
		t.Fatalf("%T does not implement store.RouteOverrides", s)
	}
	ctx := t.Context()
	at := time.Now().UTC().Truncate(time.Millisecond)
	got, err := o.RouteOverrides(ctx)
	must(t, "list empty", err)
	if len(got) != 0 {
		t.Fatalf("fresh store overrides = %+v, want none", got)
	}
	audit := func(action string) store.AuditEntry {
		return store.AuditEntry{At: at, Actor: "lead", Action: action, Target: "billing", Detail: map[string]any{"rollout": 5}}
	}
	must(t, "set", o.SetRouteOverride(ctx, store.RouteOverride{Route: "billing", Rollout: 5, Mode: "dry_run", By: "lead", At: at}, audit("route.override")))
	must(t, "set again", o.SetRouteOverride(ctx, store.RouteOverride{Route: "billing", Rollout: 50, Mode: "live", By: "ann", At: at.Add(time.Second)}, audit("route.override")))
	must(t, "set other", o.SetRouteOverride(ctx, store.RouteOverride{Route: "appeals", Rollout: 0, Mode: "live", By: "lead", At: at}, audit("route.override")))
	got, err = o.RouteOverrides(ctx)
	must(t, "list", err)
	want := []store.RouteOverride{
		{Route: "appeals", Rollout: 0, Mode: "live", By: "lead", At: at},
		{Route: "billing", Rollout: 50, Mode: "live", By: "ann", At: at.Add(time.Second)},
	}
	if len(got) != len(want) {
		t.Fatalf("overrides = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Route != want[i].Route || got[i].Rollout != want[i].Rollout || got[i].Mode != want[i].Mode ||
			got[i].By != want[i].By || !got[i].At.Equal(want[i].At) {
			t.Fatalf("override %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	must(t, "clear", o.ClearRouteOverride(ctx, "billing", audit("route.override.clear")))
	must(t, "clear again", o.ClearRouteOverride(ctx, "billing", audit("route.override.clear")))
	got, err = o.RouteOverrides(ctx)
	must(t, "list after clear", err)
	if len(got) != 1 || got[0].Route != "appeals" {
		t.Fatalf("after clear overrides = %+v, want appeals only", got)
	}
	// Each change wrote its audit entry in the same transaction.
	entries, err := s.AuditList(ctx, store.AuditFilter{Actor: "lead"})
	must(t, "audit", err)
	var sets, clears int
	for _, e := range entries {
		switch e.Action {
		case "route.override":
			sets++
		case "route.override.clear":
			clears++
		}
	}
	if sets != 3 || clears != 2 {
		t.Fatalf("audit entries: %d sets, %d clears, want 3 and 2", sets, clears)
	}
}
