package config

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

var (
	modes      = []string{"live", "dry_run"}
	drivers    = []string{"sqlite", "postgres"}
	scopes     = []string{"read", "operate", "admin", "agent"}
	logLevels  = []string{"debug", "info", "warn", "error"}
	logFormats = []string{"json", "text"}
	roles      = []string{string(core.RoleCustomer), string(core.RoleAgent), string(core.RoleBot)}
)

// minTokenLen keeps admin tokens out of guessing range.
const minTokenLen = 16

// Validate checks the configuration after defaults and returns every
// problem, sorted by line. Whether a connector type exists is left to the
// application, which owns the registries.
func (c *Config) Validate() Problems {
	v := validator{cfg: c}
	v.server()
	v.storage()
	v.admin()
	v.log()
	v.jobs()
	v.security()
	v.blob()
	sources := v.connectors("sources", c.Sources)
	sinks := v.connectors("sinks", c.Sinks)
	v.routes(sources, sinks)
	v.out.sort()
	return v.out
}

type validator struct {
	cfg *Config
	out Problems
}

func (v *validator) add(field, format string, args ...any) {
	v.out = append(v.out, v.cfg.Problem(field, fmt.Sprintf(format, args...)))
}

// oneOf reports val at field unless it is among allowed.
func (v *validator) oneOf(field, val string, allowed []string) {
	if !slices.Contains(allowed, val) {
		v.add(field, "%q is not one of %s", val, strings.Join(allowed, ", "))
	}
}

func (v *validator) server() {
	s := v.cfg.Server
	if _, _, err := net.SplitHostPort(s.Listen); err != nil {
		v.add("server.listen", "%q is not host:port", s.Listen)
	}
	if s.MaxBodyBytes <= 0 {
		v.add("server.max_body_bytes", "must be positive")
	}
	if s.MaxConcurrentBodies <= 0 {
		v.add("server.max_concurrent_bodies", "must be positive")
	}
}

func (v *validator) storage() {
	s := v.cfg.Storage
	v.oneOf("storage.driver", s.Driver, drivers)
	if s.Driver == "postgres" && s.DSN == "" {
		v.add("storage.dsn", "is required for postgres")
	}
}

func (v *validator) blob() {
	b := v.cfg.Blob
	if b.Driver == "" || b.Driver == "fs" {
		return
	}
	v.oneOf("blob.driver", b.Driver, []string{"fs", "s3"})
	if b.Driver == "s3" {
		if b.S3.Endpoint == "" {
			v.add("blob.s3.endpoint", "is required with driver s3")
		}
		if b.S3.Bucket == "" {
			v.add("blob.s3.bucket", "is required with driver s3")
		}
		if p := b.S3.PartSize; p != 0 && (p < 5<<20 || p > 5<<30) {
			v.add("blob.s3.part_size", "must be between 5 MiB and 5 GiB")
		}
	}
}

func (v *validator) security() {
	sec := v.cfg.Security
	cidrs := func(field string, list []string) {
		for i, c := range list {
			if _, err := netip.ParsePrefix(c); err != nil {
				if _, err := netip.ParseAddr(c); err != nil {
					v.add(indexPath(field, i), "%q is not a CIDR or an address", c)
				}
			}
		}
	}
	for path, list := range sec.Allow {
		if !strings.HasPrefix(path, "im/") && !strings.HasPrefix(path, "tickets/") {
			v.add("security.allow."+path, "keys are im/<source id> or tickets/<sink id>")
		}
		cidrs("security.allow."+path, list)
	}
	cidrs("security.trusted_proxies", sec.TrustedProxies)
	cidrs("security.allow_outbound", sec.AllowOutbound)
	ids := map[string]bool{}
	for i, k := range sec.Encryption.Keys {
		f := indexPath("security.encryption.keys", i)
		if k.ID == "" || ids[k.ID] {
			v.add(f+".id", "must be set and unique")
		}
		ids[k.ID] = true
		if b, err := base64.StdEncoding.DecodeString(k.Secret); err != nil || len(b) != 32 {
			v.add(f+".secret", "must be the base64 of 32 bytes (head -c32 /dev/urandom | base64)")
		}
	}
	if a := sec.Encryption.Active; a != "" && !ids[a] {
		v.add("security.encryption.active", "no key has id %q", a)
	}
	if len(sec.Encryption.Keys) > 0 && sec.Encryption.Active == "" {
		v.add("security.encryption.active", "is required when keys are given")
	}
	if sec.Retention.Days < 0 {
		v.add("security.retention.days", "must not be negative")
	}
	modes := []string{"partial", "full", "drop", "none"}
	if sec.Redact.Mode != "" {
		v.oneOf("security.redact.mode", sec.Redact.Mode, modes)
	}
	for k, m := range sec.Redact.Kinds {
		v.oneOf("security.redact.kinds."+k, m, modes)
	}
	for i, r := range v.cfg.Routes {
		for field, m := range r.Redact {
			f := indexPath("routes", i) + ".redact." + field
			v.oneOf(f, m, modes)
			if !slices.Contains([]string{"title", "description", "requester", "labels", "custom", "comments"}, field) {
				v.add(f, "not a ticket field (title, description, requester, labels, custom, comments)")
			}
		}
	}
}

func (v *validator) admin() {
	names := map[string]int{}
	for i, t := range v.cfg.Admin.Tokens {
		f := indexPath("admin.tokens", i)
		switch prev, dup := names[t.Name]; {
		case t.Name == "":
			v.add(f+".name", "is required")
		case dup:
			v.add(f+".name", "%q is already used by admin.tokens[%d]", t.Name, prev)
		default:
			names[t.Name] = i
		}
		switch {
		case t.Token != "" && t.TokenSHA256 != "":
			v.add(f+".token_sha256", "give token or token_sha256, not both")
		case t.TokenSHA256 != "":
			if b, err := hex.DecodeString(t.TokenSHA256); err != nil || len(b) != 32 {
				v.add(f+".token_sha256", "must be 64 hex digits (sha256sum of the token)")
			}
		case t.Token == "":
			v.add(f+".token", "is required (or token_sha256)")
		case len(t.Token) < minTokenLen:
			v.add(f+".token", "must be at least %d characters", minTokenLen)
		}
		if len(t.Scopes) == 0 {
			v.add(f+".scopes", "needs at least one of %s", strings.Join(scopes, ", "))
		}
		for j, s := range t.Scopes {
			v.oneOf(indexPath(f+".scopes", j), s, scopes)
		}
	}
}

func (v *validator) log() {
	v.oneOf("log.level", v.cfg.Log.Level, logLevels)
	v.oneOf("log.format", v.cfg.Log.Format, logFormats)
}

func (v *validator) jobs() {
	j := v.cfg.Jobs
	for _, n := range []struct {
		field string
		ok    bool
	}{
		{"jobs.workers", j.Workers > 0},
		{"jobs.max_attempts", j.MaxAttempts > 0},
		{"jobs.job_timeout", j.JobTimeout > 0},
		{"jobs.rescue_after", j.RescueAfter > 0},
		{"jobs.partitions", j.Partitions > 0},
		{"jobs.max_lag", j.MaxLag > 0},
	} {
		if !n.ok {
			v.add(n.field, "must be positive")
		}
	}
	if j.Partitions > 64 {
		v.add("jobs.partitions", "must be at most 64")
	}
	// River refuses to start otherwise: it would rescue jobs still running.
	if j.JobTimeout > 0 && j.RescueAfter > 0 && j.RescueAfter < j.JobTimeout {
		v.add("jobs.rescue_after", "%s is shorter than jobs.job_timeout (%s); a job still running would be started again", j.RescueAfter, j.JobTimeout)
	}
}

// connectors checks ids and types and returns the ids that are usable.
func (v *validator) connectors(list string, cs []Connector) map[string]bool {
	ids := map[string]int{}
	for i, c := range cs {
		f := indexPath(list, i)
		switch prev, dup := ids[c.ID]; {
		case c.ID == "":
			v.add(f+".id", "is required")
		case !pathSafe(c.ID):
			v.add(f+".id", "%q may only hold a-z, 0-9, _ and - (it is part of the webhook URL)", c.ID)
		case dup:
			v.add(f+".id", "%q is already used by %s[%d]", c.ID, list, prev)
		default:
			ids[c.ID] = i
		}
		if c.Type == "" {
			v.add(f+".type", "is required")
		}
	}
	out := make(map[string]bool, len(ids))
	for id := range ids {
		out[id] = true
	}
	return out
}

func pathSafe(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' && r != '-' {
			return false
		}
	}
	return s != ""
}

func (v *validator) routes(sources, sinks map[string]bool) {
	names := map[string]int{}
	for i, r := range v.cfg.Routes {
		f := indexPath("routes", i)
		switch prev, dup := names[r.Name]; {
		case r.Name == "":
			v.add(f+".name", "is required")
		case dup:
			v.add(f+".name", "%q is already used by routes[%d]", r.Name, prev)
		default:
			names[r.Name] = i
		}
		if len(r.Sources) == 0 {
			v.add(f+".sources", "needs at least one source id")
		}
		for j, s := range r.Sources {
			if !sources[s] {
				v.add(indexPath(f+".sources", j), "no source has id %q", s)
			}
		}
		switch {
		case r.Sink == "":
			v.add(f+".sink", "is required")
		case !sinks[r.Sink]:
			v.add(f+".sink", "no sink has id %q", r.Sink)
		}
		v.oneOf(f+".mode", r.Mode, modes)
		if r.Rollout != nil && (*r.Rollout < 0 || *r.Rollout > 100) {
			v.add(f+".rollout", "must be between 0 and 100")
		}
		v.trigger(f+".trigger", r.Trigger)
		v.mapping(f+".mapping", r.Mapping)
		for _, k := range sortedKeys(r.StatusMap) {
			if !slices.Contains(core.ChatStates, r.StatusMap[k]) {
				v.add(f+".status_map."+k, "%q is not a chat state (%s)", r.StatusMap[k], strings.Join(core.ChatStates, ", "))
			}
		}
		v.quality(f, r, sources)
	}
}

func (v *validator) trigger(f string, t Trigger) {
	if t.ConfirmTimeout <= 0 {
		v.add(f+".confirm_timeout", "must be positive")
	}
	for j, r := range t.Roles {
		v.oneOf(indexPath(f+".roles", j), r, roles)
	}
	v.detector(f, t)
}

func (v *validator) mapping(f string, m Mapping) {
	if m.ContextMessages < 0 {
		v.add(f+".context_messages", "must not be negative")
	}
	for j, r := range m.Priority.Rules {
		rf := indexPath(f+".priority.rules", j)
		if r.Priority == "" {
			v.add(rf+".priority", "is required")
		}
		if len(r.Keywords) == 0 && r.Category == "" {
			v.add(rf, "needs keywords or a category")
		}
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
