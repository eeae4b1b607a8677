package jobs

import (
	"context"
	"errors"
	"testing"

	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// Jobs on SQLite wait for the sync of the commit that queued them;
// PostgreSQL's commit is its sync, so its jobs need no wait.
func TestJobsWaitForTheSyncOnlyOnSQLite(t *testing.T) {
	cases := []struct {
		name  string
		store func(t *testing.T) store.Store
		waits bool
	}{
		{"sqlite", func(t *testing.T) store.Store { return teststore.SQLite(t) }, true},
		{"postgres", func(t *testing.T) store.Store { return teststore.Postgres(t) }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := middleware(&Deps{Store: tc.store(t)})
			var sf *syncFirst
			for _, x := range m {
				if s, ok := x.(*syncFirst); ok {
					sf = s
				}
			}
			if (sf != nil) != tc.waits {
				t.Fatalf("sync wait in the middleware: %v, want %v", sf != nil, tc.waits)
			}
			if sf == nil {
				return
			}
			// Nothing pending: the job runs.
			ran := false
			if err := sf.Work(context.Background(), &rivertype.JobRow{}, func(context.Context) error { ran = true; return nil }); err != nil || !ran {
				t.Fatalf("nothing pending: err %v, ran %v", err, ran)
			}
		})
	}
}

// A job whose wait ends without the sync does not run.
func TestSyncFirstDoesNotRunWithoutTheSync(t *testing.T) {
	sf := &syncFirst{store: waitFails{}}
	ran := false
	err := sf.Work(context.Background(), &rivertype.JobRow{}, func(context.Context) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("err %v, ran %v; want context.Canceled and not run", err, ran)
	}
}

// waitFails is a store whose sync never comes before the job's context ends.
type waitFails struct{}

func (waitFails) WaitDurable(context.Context) error { return context.Canceled }
