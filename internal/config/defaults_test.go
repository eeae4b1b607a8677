package config

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestDefault(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := Default(dir)
	if ps := c.Validate(); len(ps) != 0 {
		t.Fatalf("Default() does not validate:\n%v", ps)
	}
	r := c.Routes[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"listen", c.Server.Listen, "127.0.0.1:8080"},
		{"driver", c.Storage.Driver, "sqlite"},
		{"dsn", c.Storage.DSN, filepath.Join(dir, "ticketbridge.db")},
		{"file", c.File, ""},
		{"source", c.Sources[0].ID + "/" + c.Sources[0].Type, "chat/generic"},
		{"sink", c.Sinks[0].ID + "/" + c.Sinks[0].Type, "desk/local"},
		{"sink field", c.Sinks[0].Field(), "sinks[0]"},
		{"route", r.Name + " " + r.Sources[0] + "->" + r.Sink, "support chat->desk"},
		{"rule pack", r.Trigger.RulePack, "default"},
		{"confirm", r.Trigger.Confirm, true},
		{"command", r.Trigger.Command, "ticket"},
		{"defaults applied", r.Trigger.ConfirmTimeout, 10 * time.Minute},
		{"rollout", *r.Rollout, 100},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}
}

func TestWithDefaults(t *testing.T) {
	t.Parallel()
	zero := 0
	c := &Config{Routes: []Route{{}, {
		Mode:    "dry_run",
		Rollout: &zero, // an explicit 0 must survive: it switches the route off
		Trigger: Trigger{ConfirmTimeout: time.Minute, Command: "help", Roles: []string{"agent"}},
		Mapping: Mapping{ContextMessages: 3, Priority: Priority{Default: "low"}},
	}}}
	c.WithDefaults()
	hundred := 100
	want := &Config{
		Server:  Server{Listen: "127.0.0.1:8080", PublicURL: "http://127.0.0.1:8080", MaxBodyBytes: 1 << 20, MaxConcurrentBodies: 64},
		Storage: Storage{Driver: "sqlite", DSN: "./data/ticketbridge.db"},
		Log:     Log{Level: "info", Format: "json"},
		Jobs:    Jobs{Workers: 20, MaxAttempts: 10, JobTimeout: time.Minute, RescueAfter: 5 * time.Minute, Partitions: 4, MaxLag: 30 * time.Second, PauseAfter: c.Jobs.PauseAfter, ProbeEvery: 30 * time.Second},
		Blob:    Blob{Dir: "data/blobs", MaxBytes: 25 << 20, LinkTTL: 7 * 24 * time.Hour},
		Routes: []Route{{
			Mode:    "live",
			Rollout: &hundred,
			Trigger: Trigger{ConfirmTimeout: 10 * time.Minute, Command: "ticket", Roles: []string{"customer"}},
			Mapping: Mapping{ContextMessages: 10, Priority: Priority{Default: "normal"}},
		}, c.Routes[1]},
	}
	if c.Jobs.PauseAfter == nil || *c.Jobs.PauseAfter != 5 {
		t.Fatalf("jobs.pause_after default = %v, want 5", c.Jobs.PauseAfter)
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("WithDefaults:\n got %+v\nwant %+v", c, want)
	}
	if *c.Routes[1].Rollout != 0 || c.Routes[1].Trigger.Command != "help" || c.Routes[1].Mode != "dry_run" {
		t.Errorf("set values overwritten: %+v", c.Routes[1])
	}

	// Postgres gets no file path as its DSN, and defaults are idempotent.
	pg := &Config{Storage: Storage{Driver: "postgres"}}
	pg.WithDefaults()
	again := *pg
	again.WithDefaults()
	if pg.Storage.DSN != "" || !reflect.DeepEqual(*pg, again) {
		t.Errorf("postgres defaults: %+v", pg.Storage)
	}
}
