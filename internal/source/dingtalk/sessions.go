package dingtalk

import (
	"sync"
	"time"
)

// maxSessions bounds the session webhook cache; maxUsers the user cache.
const (
	maxSessions = 10000
	maxUsers    = 10000
	userTTL     = time.Hour
)

// sessionMargin is how long before its expiry a session webhook is no
// longer used: a post that starts a moment before expiry can arrive after.
const sessionMargin = 30 * time.Second

// session is a conversation's reply webhook from its latest callback.
type session struct {
	webhook string
	expiry  time.Time
}

// sessionCache maps a conversation to its latest session webhook. It is
// in memory only: after a restart (or on another replica) replies go
// through the robot API until the conversation writes again.
type sessionCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]session
}

func newSessionCache(maxEntries int) *sessionCache {
	return &sessionCache{max: maxEntries, entries: map[string]session{}}
}

// put keeps the later-expiring webhook for a conversation. When full it
// first drops expired entries, then everything: crude, but bounded.
func (c *sessionCache) put(conv string, s session, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[conv]; ok && old.expiry.After(s.expiry) {
		return
	}
	if _, ok := c.entries[conv]; !ok && len(c.entries) >= c.max {
		for k, v := range c.entries {
			if !now.Before(v.expiry) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= c.max {
			clear(c.entries)
		}
	}
	c.entries[conv] = s
}

// get returns the conversation's webhook if it is still usable at now.
func (c *sessionCache) get(conv string, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.entries[conv]
	if !ok || !now.Add(sessionMargin).Before(s.expiry) {
		return "", false
	}
	return s.webhook, true
}

// drop forgets a webhook DingTalk refused.
func (c *sessionCache) drop(conv, webhook string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.entries[conv]; ok && s.webhook == webhook {
		delete(c.entries, conv)
	}
}

// userCache remembers looked-up users for a while, bounded by dropping
// everything when full.
type userCache struct {
	mu      sync.Mutex
	entries map[string]cachedUser
}

type cachedUser struct {
	name, email string
	until       time.Time
}

func (c *userCache) get(id string, now time.Time) (cachedUser, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.entries[id]
	if !ok || now.After(u.until) {
		return cachedUser{}, false
	}
	return u, true
}

func (c *userCache) put(id string, u cachedUser) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxUsers {
		clear(c.entries)
	}
	c.entries[id] = u
}
