package app

import (
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/ingress"
)

// Only SQLite's writer waits after a large commit; PostgreSQL's commits
// gather batches by their round trip (BENCHMARKS.md, session 13).
func TestCommitDelayOnlyOnSQLite(t *testing.T) {
	for driver, want := range map[string]time.Duration{"sqlite": ingress.DefaultCommitDelay, "postgres": 0} {
		if got := commitDelay(driver); got != want {
			t.Errorf("commitDelay(%q) = %v, want %v", driver, got, want)
		}
	}
}
