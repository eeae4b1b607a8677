package config

import (
	"path/filepath"
	"time"
)

// Defaults that other packages may want to show or compare against.
const (
	DefaultListen       = "127.0.0.1:8080"
	DefaultMaxBodyBytes = 1 << 20
	// DefaultMaxConcurrentBodies bounds body memory near 64 MiB.
	DefaultMaxConcurrentBodies = 64
	DefaultSQLiteDSN           = "./data/ticketbridge.db"
)

// WithDefaults fills every unset option with its default. It is idempotent
// and leaves template strings alone: their defaults belong to the rules
// package.
func (c *Config) WithDefaults() {
	setDefault(&c.Server.Listen, DefaultListen)
	setDefault(&c.Server.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&c.Server.MaxConcurrentBodies, DefaultMaxConcurrentBodies)
	setDefault(&c.Storage.Driver, "sqlite")
	if c.Storage.Driver == "sqlite" {
		setDefault(&c.Storage.DSN, DefaultSQLiteDSN)
	}
	setDefault(&c.Log.Level, "info")
	setDefault(&c.Log.Format, "json")
	setDefault(&c.Jobs.Workers, 20)
	setDefault(&c.Jobs.MaxAttempts, 10)
	setDefault(&c.Jobs.JobTimeout, time.Minute)
	setDefault(&c.Jobs.RescueAfter, 5*time.Minute)
	setDefault(&c.Jobs.Partitions, 4)
	setDefault(&c.Jobs.MaxLag, 30*time.Second)
	if c.Jobs.PauseAfter == nil {
		five := 5
		c.Jobs.PauseAfter = &five
	}
	setDefault(&c.Jobs.ProbeEvery, 30*time.Second)
	if c.Blob.Dir == "" {
		c.Blob.Dir = "./data/blobs"
		if c.Storage.Driver == "sqlite" && c.Storage.DSN != "" {
			c.Blob.Dir = filepath.Join(filepath.Dir(c.Storage.DSN), "blobs")
		}
	}
	setDefault(&c.Blob.MaxBytes, 25<<20)
	setDefault(&c.Blob.LinkTTL, 7*24*time.Hour)
	setDefault(&c.Server.PublicURL, "http://"+c.Server.Listen)
	for i := range c.Routes {
		r := &c.Routes[i]
		setDefault(&r.Mode, "live")
		if r.Rollout == nil {
			full := 100
			r.Rollout = &full
		}
		setDefault(&r.Trigger.ConfirmTimeout, 10*time.Minute)
		setDefault(&r.Trigger.Command, "ticket")
		judgeDefaults(r.Trigger.Judge)
		if len(r.Trigger.Roles) == 0 {
			r.Trigger.Roles = []string{"customer"}
		}
		setDefault(&r.Mapping.ContextMessages, 10)
		setDefault(&r.Mapping.Priority.Default, "normal")
		qualityDefaults(r)
	}
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// Default is the configuration `ticketbridge serve` runs without a config
// file: one generic chat source, the built-in local desk, and one route
// between them with the default rule pack. The source's secret is left for
// the caller to fill in (Sources[0].Set("secret", ...)).
func Default(dataDir string) *Config {
	c := &Config{
		Server:  Server{Listen: DefaultListen},
		Storage: Storage{Driver: "sqlite", DSN: filepath.Join(dataDir, "ticketbridge.db")},
		Routes: []Route{{
			Name:    "support",
			Sources: []string{"chat"},
			Sink:    "desk",
			Trigger: Trigger{RulePack: "default", Confirm: true, Command: "ticket"},
		}},
	}
	// The embedded default runs on one machine for trying things out: its
	// connectors may call services on this machine (the demo's chat).
	c.Security.AllowOutbound = []string{"127.0.0.0/8", "::1/128"}
	src := NewConnector("sources[0]", "chat", "generic")
	src.cfg = c
	sink := NewConnector("sinks[0]", "desk", "local")
	sink.cfg = c
	c.Sources = []Connector{src}
	c.Sinks = []Connector{sink}
	c.WithDefaults()
	return c
}
