package dingtalk

import (
	"testing"
	"time"
)

// The session cache is bounded, drops expired entries first, keeps the
// later-expiring webhook, and stops using one shortly before it expires.
func TestSessionCache(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newSessionCache(2)
	c.put("a", session{webhook: "wa", expiry: now.Add(time.Hour)}, now)
	c.put("b", session{webhook: "wb", expiry: now.Add(-time.Minute)}, now) // already expired
	c.put("c", session{webhook: "wc", expiry: now.Add(time.Hour)}, now)    // full: b goes
	if _, ok := c.get("b", now); ok {
		t.Fatal("expired b served")
	}
	if w, ok := c.get("a", now); !ok || w != "wa" {
		t.Fatalf("a evicted though live: %q %v", w, ok)
	}
	c.put("a", session{webhook: "older", expiry: now.Add(time.Minute)}, now)
	if w, _ := c.get("a", now); w != "wa" {
		t.Fatalf("an earlier-expiring webhook replaced a later one: %q", w)
	}
	if _, ok := c.get("a", now.Add(time.Hour-10*time.Second)); ok {
		t.Fatal("webhook used within the margin before expiry")
	}
	c.put("d", session{webhook: "wd", expiry: now.Add(time.Hour)}, now) // full, none expired: cleared
	if len(c.entries) != 1 {
		t.Fatalf("%d entries, want 1 after clearing", len(c.entries))
	}
	c.drop("d", "other")
	if _, ok := c.get("d", now); !ok {
		t.Fatal("drop of another webhook removed d")
	}
	c.drop("d", "wd")
	if _, ok := c.get("d", now); ok {
		t.Fatal("dropped d still served")
	}
}
