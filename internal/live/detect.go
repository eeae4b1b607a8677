// Package live finds complaint bursts in a live stream's audience comments
// (danmaku): many distinct viewers saying the picture froze or the sound
// died within a short window. It is pure: time comes in with the comments,
// so the same comments always give the same bursts, and a re-run after a
// crash decides exactly what the first run did.
package live

import (
	"sort"
	"time"
)

// Config tunes burst detection. Zero fields take the defaults.
type Config struct {
	// MinViewers distinct complaining viewers within Window make a burst.
	MinViewers int
	Window     time.Duration
	// Cooldown: a burst starting less than this after the previous one
	// ended is reported with Continues set, an update to the same incident.
	Cooldown time.Duration
	// Extra complaint terms on top of the built-in list.
	Extra []string
}

// Defaults.
const (
	DefaultMinViewers = 5
	DefaultWindow     = 60 * time.Second
	DefaultCooldown   = 5 * time.Minute
	maxSamples        = 5
)

// WithDefaults fills the zero (or negative) fields.
func (c Config) WithDefaults() Config {
	if c.MinViewers <= 0 {
		c.MinViewers = DefaultMinViewers
	}
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	if c.Cooldown <= 0 {
		c.Cooldown = DefaultCooldown
	}
	return c
}

// Comment is one audience comment on one stream.
type Comment struct {
	ID     int64
	Viewer string
	Text   string
	Time   time.Time
}

// Burst is one run of complaints. Start and End are the first and last
// complaint in it; Total counts every comment between them, complaint or
// not, so Complaints/Total says how loud the burst was.
type Burst struct {
	Start, End time.Time
	Viewers    int
	Complaints int
	Total      int
	// Terms counts complaints by the term that matched.
	Terms map[string]int
	// Samples holds up to five distinct complaint texts, earliest first.
	Samples         []string
	FirstID, LastID int64
	// Continues marks a burst within Cooldown of the previous one: an
	// update to the incident already reported, not a new ticket.
	Continues bool
}

type complaint struct {
	idx  int // into the sorted comments
	term string
}

// Detect scans one stream's comments and returns its bursts in time order.
//
// A burst opens at the first complaint whose trailing Window holds
// complaints from MinViewers distinct viewers, and stays open while each
// later complaint still has that many in its trailing Window; the first
// complaint that does not closes it. Comments without a viewer id are
// ignored, since nothing shows they come from different people.
func Detect(cfg Config, comments []Comment) []Burst {
	cfg = cfg.WithDefaults()
	cs := sortedCopy(comments)
	m := newMatcher(cfg.Extra)

	var found []complaint
	for i, c := range cs {
		if c.Viewer == "" {
			continue
		}
		if ok, t := m.match(c.Text); ok {
			found = append(found, complaint{idx: i, term: t})
		}
	}

	var (
		bursts  []Burst
		perUser = map[string]int{} // complaints per viewer in the trailing window
		lo      = 0                // first complaint in the trailing window
		open    = -1               // index into found where the open burst starts
		last    = -1               // last complaint that qualified
		floor   = 0                // first complaint not yet in a burst
	)
	closeBurst := func() {
		if open < 0 {
			return
		}
		b := summarize(cs, found[open:last+1])
		if n := len(bursts); n > 0 && b.Start.Sub(bursts[n-1].End) < cfg.Cooldown {
			b.Continues = true
		}
		bursts = append(bursts, b)
		open, floor = -1, last+1
	}
	for hi, f := range found {
		now := cs[f.idx].Time
		for lo < hi && now.Sub(cs[found[lo].idx].Time) > cfg.Window {
			v := cs[found[lo].idx].Viewer
			if perUser[v]--; perUser[v] == 0 {
				delete(perUser, v)
			}
			lo++
		}
		perUser[cs[f.idx].Viewer]++
		if len(perUser) >= cfg.MinViewers {
			if open < 0 {
				// Complaints still in the window that closed the previous
				// burst stay counted there, not twice.
				open = max(lo, floor)
			}
			last = hi
			continue
		}
		closeBurst()
	}
	closeBurst()
	return bursts
}

// summarize describes the complaints fs (a run of found) against all comments cs.
func summarize(cs []Comment, fs []complaint) Burst {
	first, lastC := cs[fs[0].idx], cs[fs[len(fs)-1].idx]
	b := Burst{
		Start: first.Time, End: lastC.Time,
		Complaints: len(fs),
		Total:      fs[len(fs)-1].idx - fs[0].idx + 1,
		Terms:      map[string]int{},
		FirstID:    first.ID, LastID: lastC.ID,
	}
	viewers := map[string]bool{}
	samples := map[string]bool{}
	for _, f := range fs {
		c := cs[f.idx]
		viewers[c.Viewer] = true
		b.Terms[f.term]++
		if len(b.Samples) < maxSamples && !samples[c.Text] {
			samples[c.Text] = true
			b.Samples = append(b.Samples, c.Text)
		}
	}
	b.Viewers = len(viewers)
	return b
}

// sortedCopy orders comments by time, then id, without touching the
// caller's slice; stored order is usually already this, and the tie-break
// keeps the result independent of it.
func sortedCopy(in []Comment) []Comment {
	cs := make([]Comment, len(in))
	copy(cs, in)
	if !sort.SliceIsSorted(cs, func(i, j int) bool { return less(cs[i], cs[j]) }) {
		sort.SliceStable(cs, func(i, j int) bool { return less(cs[i], cs[j]) })
	}
	return cs
}

func less(a, b Comment) bool {
	if !a.Time.Equal(b.Time) {
		return a.Time.Before(b.Time)
	}
	return a.ID < b.ID
}
