package store

import "context"

// Two kinds of write, and what each must have on disk before it returns.
//
// An acknowledged write answers someone outside: a webhook's 200, an API
// call, a console form. It must survive a power cut once it returned, so
// the store waits for the disk (fsync, or PostgreSQL's commit flush).
//
// An internal write is the job queue's own bookkeeping and what a job
// records about its effect: fetching and completing jobs, a link's ticket
// key, a cursor. It must be atomic and crash-safe (it is, on both stores,
// whatever the disk does), but need not wait for the disk: the next
// acknowledged write's flush carries it, and after a power cut that loses
// the newest internal writes the state is that of a crash a moment
// earlier, which every job already handles by looking for its own earlier
// effect before repeating it (docs/processing.md). Not waiting takes the
// flush off the single SQLite writer's critical path.

type internalKey struct{}

// Internal marks ctx's writes as internal. The job queue is started with
// such a context, so its own queries and every job's writes are internal.
func Internal(ctx context.Context) context.Context {
	return context.WithValue(ctx, internalKey{}, true)
}

// IsInternal tells whether ctx's writes are internal.
func IsInternal(ctx context.Context) bool {
	v, _ := ctx.Value(internalKey{}).(bool)
	return v
}
